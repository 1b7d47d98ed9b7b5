import { describe, expect, it } from 'vitest';
import { fakeAccount, MAIL_HOST, mailPorts, mailTo } from '../../../test/smtp-mailbox';
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

  it('says which address could not be reached', async () => {
    const { closed } = mailPorts();
    const report = await testEmailConnection(account({ port: closed, imapPort: closed }));
    expect(report.smtp.ok).toBe(false);
    expect(report.smtp.error).toMatch(new RegExp(`^Could not connect to ${MAIL_HOST}:${closed}: `));
    expect(report.imap?.error).toMatch(new RegExp(`^Could not connect to ${MAIL_HOST}:${closed}: `));
  });

  it('ends promptly with a reason when the server hangs up at once', async () => {
    const { dropping } = mailPorts();
    const started = Date.now();
    const report = await testEmailConnection(account({ port: dropping, imapPort: dropping }));
    expect(report.smtp).toEqual({ ok: false, error: `${MAIL_HOST}:${dropping} closed the connection` });
    expect(report.imap).toEqual({ ok: false, error: `${MAIL_HOST}:${dropping} closed the connection` });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('notices a server of the wrong protocol', async () => {
    const report = await testEmailConnection(account({ port: mailPorts().imap, imapHost: undefined }));
    expect(report.smtp.error).toMatch(/does not answer like an SMTP server: \* OK/);
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
