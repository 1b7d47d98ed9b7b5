import { describe, expect, it } from 'vitest';
import { fakeAccount, MAIL_HOST, mailPorts, mailTo, recordedCommands } from '../../../test/smtp-mailbox';
import { parsePrivateHostAllowance } from '../../lib/public-host';
import type { EmailCredentials } from '../credentials';
import { sendEmail, testEmailConnection } from './smtp';

const account = (changes: Record<string, unknown> = {}) => fakeAccount(changes) as EmailCredentials;
const WRONG_PASSWORD = 'wrong-password-5678';

describe('email connection test', () => {
  it('logs in to SMTP and IMAP with the right account', async () => {
    expect(await testEmailConnection(account())).toEqual({ smtp: { ok: true }, imap: { ok: true } });
  });

  it('tests only SMTP when no IMAP host is set', async () => {
    expect(await testEmailConnection(account({ imapHost: undefined }))).toEqual({ smtp: { ok: true } });
  });

  it('reports a refused login on both servers in words, never echoing the password', async () => {
    const report = await testEmailConnection(account({ password: WRONG_PASSWORD }));
    expect(report.smtp).toEqual({ ok: false, error: expect.stringMatching(/^Authentication failed: 535 /) });
    expect(report.imap).toEqual({ ok: false, error: expect.stringMatching(/^Authentication failed: NO /) });
    expect(JSON.stringify(report)).not.toContain(WRONG_PASSWORD);
    expect(JSON.stringify(report)).not.toContain(btoa(WRONG_PASSWORD));
  });

  it('says which address could not be reached, in the same words for a closed port, a hang-up and another protocol', async () => {
    const { closed, dropping, imap, smtp } = mailPorts();
    const started = Date.now();
    const [refused, hungUp, otherProtocol] = await Promise.all([
      testEmailConnection(account({ port: closed, imapPort: closed })),
      testEmailConnection(account({ port: dropping, imapPort: dropping })),
      testEmailConnection(account({ port: imap, imapPort: smtp })),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(refused).toEqual({
      smtp: { ok: false, error: `Could not connect to ${MAIL_HOST}:${closed}` },
      imap: { ok: false, error: `Could not connect to ${MAIL_HOST}:${closed}` },
    });
    expect(hungUp).toEqual({
      smtp: { ok: false, error: `Could not connect to ${MAIL_HOST}:${dropping}` },
      imap: { ok: false, error: `Could not connect to ${MAIL_HOST}:${dropping}` },
    });
    expect(otherProtocol).toEqual({
      smtp: { ok: false, error: `Could not connect to ${MAIL_HOST}:${imap}` },
      imap: { ok: false, error: `Could not connect to ${MAIL_HOST}:${smtp}` },
    });
  });
});

describe('the password only travels encrypted', () => {
  const recorder = () =>
    account({
      port: mailPorts().recordingSmtp,
      imapPort: mailPorts().recordingImap,
      username: `tls-${crypto.randomUUID()}@shop.test`,
      smtpAllowPlaintext: false,
      imapAllowPlaintext: false,
    });

  it('sends no AUTH or LOGIN to servers without STARTTLS unless the channel allows plain text', async () => {
    const credentials = recorder();
    const before = await recordedCommands();
    const report = await testEmailConnection(credentials);
    const refused = expect.stringMatching(
      /^127\.0\.0\.1:\d+ does not offer STARTTLS, so the password would be sent unencrypted/,
    );
    expect(report).toEqual({ smtp: { ok: false, error: refused }, imap: { ok: false, error: refused } });
    const to = `never-${crypto.randomUUID()}@example.test`;
    await expect(sendEmail(credentials, { to, subject: 'Hi', text: 'Hello' })).rejects.toThrow(
      /does not offer STARTTLS/,
    );
    const after = await recordedCommands();
    const smtp = after.smtp.slice(before.smtp.length);
    const imap = after.imap.slice(before.imap.length);
    // Both servers were reached and greeted, and got nothing more than the greeting exchange and a goodbye.
    expect(smtp).toEqual(['EHLO helpstack.local', 'QUIT', 'EHLO helpstack.local', 'QUIT']);
    expect(imap).toEqual(['A2 LOGOUT']);
  });

  it('logs in over plain text only when the channel explicitly allows it', async () => {
    const credentials = { ...recorder(), smtpAllowPlaintext: true, imapAllowPlaintext: true };
    const report = await testEmailConnection(credentials);
    expect(report.smtp).toEqual({ ok: true });
    const { smtp, imap } = await recordedCommands();
    expect(smtp).toContain(`AUTH PLAIN ${btoa(`\0${credentials.username}\0${credentials.password}`)}`);
    expect(imap.some((line) => line.startsWith(`A1 LOGIN "${credentials.username}"`))).toBe(true);
  });
});

describe('mail servers must be public hosts', () => {
  it('refuses private and local hosts at use time, before connecting, unless the installation allows them', async () => {
    for (const host of ['10.0.0.1', '0x0a.1', '169.254.169.254', '::1', '::127.0.0.1', 'localhost', 'mail.internal']) {
      const report = await testEmailConnection(account({ host, imapHost: host }));
      expect(report.smtp, host).toEqual({
        ok: false,
        error: expect.stringMatching(
          new RegExp(`^Refusing to connect to ${host.replace(/\./g, '\\.')}: a mail server must be a public host`),
        ),
      });
      expect(report.imap?.error, host).toMatch(/^Refusing to connect to .*: a mail server must be a public host/);
    }
    // The tests' own exception (ALLOW_PRIVATE_MAIL_HOSTS=127.0.0.1) is the installation's, and can be withdrawn.
    const strict = { privateHosts: parsePrivateHostAllowance('') };
    const report = await testEmailConnection(account(), strict);
    expect(report.smtp.error).toMatch(
      /^Refusing to connect to 127\.0\.0\.1: a mail server must be a public host \(it points to a loopback address\)$/,
    );
    const to = `private-${crypto.randomUUID()}@example.test`;
    await expect(sendEmail(account(), { to, subject: 'Hi', text: 'Hello' }, strict)).rejects.toThrow(
      /^Refusing to connect/,
    );
    expect(await mailTo(to)).toEqual([]);
  });
});

describe('sending through the account', () => {
  it('delivers from the account address to the recipient, with subject and body', async () => {
    const to = `buyer-${crypto.randomUUID()}@example.test`;
    await sendEmail(account(), { to, subject: 'Re: Order 1234', text: 'Your parcel left today.\n.\nBye' });
    const [mail, ...more] = await mailTo(to);
    expect(more).toEqual([]);
    expect(mail!.from).toBe('support@shop.test');
    expect(mail!.raw).toContain('Subject: Re: Order 1234');
    expect(mail!.raw).toContain('From: support@shop.test');
    // A line holding only "." must arrive intact, not end the message early.
    expect(mail!.raw).toContain('Your parcel left today.\r\n.\r\nBye');
  });

  it('carries attachments base64-encoded', async () => {
    const to = `files-${crypto.randomUUID()}@example.test`;
    const content = btoa('invoice line 1');
    await sendEmail(account(), {
      to,
      subject: 'Invoice',
      text: 'Attached.',
      attachments: [{ filename: 'invoice.txt', content, mimeType: 'text/plain' }],
    });
    const [mail] = await mailTo(to);
    expect(mail!.raw).toContain('filename="invoice.txt"');
    expect(mail!.raw).toContain(content);
  });

  it('keeps a line break in the subject from adding headers, and refuses an address that could add commands', async () => {
    const to = `crafted-${crypto.randomUUID()}@example.test`;
    await sendEmail(account(), { to, subject: 'Re: Hi\r\nBcc: victim@example.test', text: 'Hello' });
    const [mail] = await mailTo(to);
    expect(mail!.to).toEqual([to]);
    expect(mail!.raw).toContain('Subject: Re: Hi Bcc: victim@example.test');
    expect(mail!.raw).not.toMatch(/^Bcc:/m);
    const crafted = `x@example.test>\r\nRCPT TO:<victim-${crypto.randomUUID()}@example.test`;
    await expect(sendEmail(account(), { to: crafted, subject: 'Hi', text: 'Hello' })).rejects.toThrow(
      /^the recipient.s address is not a valid email address$/,
    );
  });

  it('fails with the server reason and sends nothing when the login is refused', async () => {
    const to = `refused-${crypto.randomUUID()}@example.test`;
    await expect(
      sendEmail(account({ password: WRONG_PASSWORD }), { to, subject: 'Hi', text: 'Hello' }),
    ).rejects.toThrow(/^Authentication failed: 535 /);
    expect(await mailTo(to)).toEqual([]);
  });
});
