import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { signUpOwner } from '../../../test/client';
import { PREAUTH_IMAP_USER } from '../../../test/smtp-account';
import {
  fakeAccount,
  imapAccount,
  imapLog,
  MAIL_HOST,
  mailPorts,
  plainMail,
  polledChannel,
  setImapMailbox,
  storedExternalIds,
} from '../../../test/smtp-mailbox';
import { createDb } from '../../db/client';
import { emailImportFailures, emailMailboxes } from '../../db/schema';
import { ValidationError } from '../../lib/errors';
import { type EmailCredentials, parseCredentials } from '../credentials';
import { checkSelected, encodeMailboxName, selectCommand } from './mailbox';
import { pollChannel } from './poll';
import { testEmailConnection } from './smtp';

const db = createDb(env.DB);
const DAY = 24 * 60 * 60 * 1000;

const bodyFetches = (log: string[]) =>
  log.flatMap((line) => /UID FETCH (\d+) \(UID RFC822\.SIZE INTERNALDATE BODY\.PEEK\[\]\)$/.exec(line)?.[1] ?? []);

function validationFields(value: unknown): Record<string, string[]> {
  try {
    parseCredentials('EMAIL', value);
  } catch (error) {
    if (error instanceof ValidationError) return error.fields ?? {};
    throw error;
  }
  return {};
}

describe('mailbox names on the wire (modified UTF-7, RFC 3501 §5.1.3)', () => {
  it('encodes the RFC examples and names with non-ASCII, "&" and characters beyond the BMP', () => {
    expect(encodeMailboxName('INBOX')).toBe('INBOX');
    expect(encodeMailboxName('Support/Tickets')).toBe('Support/Tickets');
    // RFC 3501's own example: "~peter/mail/日本語/台北".
    expect(encodeMailboxName('~peter/mail/\u65e5\u672c\u8a9e/\u53f0\u5317')).toBe('~peter/mail/&ZeVnLIqe-/&U,BTFw-');
    expect(encodeMailboxName('Équipe')).toBe('&AMk-quipe');
    expect(encodeMailboxName('Sales & Support')).toBe('Sales &- Support');
    expect(encodeMailboxName('Kundenanfragen für Ärger')).toBe('Kundenanfragen f&APw-r &AMQ-rger');
    expect(encodeMailboxName('Tickets 📨')).toBe('Tickets &2D3c6A-');
  });

  it('sends INBOX as an atom and any other mailbox as a quoted string', () => {
    expect(selectCommand({})).toBe('SELECT INBOX');
    expect(selectCommand({ imapMailbox: 'inbox' })).toBe('SELECT INBOX');
    expect(selectCommand({ imapMailbox: 'Support' })).toBe('SELECT "Support"');
    expect(selectCommand({ imapMailbox: 'Say "hi"\\there' })).toBe('SELECT "Say \\"hi\\"\\\\there"');
    expect(selectCommand({ imapMailbox: 'Équipe' })).toBe('SELECT "&AMk-quipe"');
  });
});

describe('what a SELECT answer allows', () => {
  const select = ['* 3 EXISTS', '* OK [UIDVALIDITY 42] UIDs valid'];

  it('keeps the flag when PERMANENTFLAGS has \\* or the keyword, or is not sent at all', () => {
    const credentials = { imapFlag: '$HelpStack' };
    expect(checkSelected(credentials, [...select, '* OK [PERMANENTFLAGS (\\Seen \\*)] ok'])).toEqual({
      uidValidity: 42,
    });
    expect(checkSelected(credentials, [...select, '* OK [PERMANENTFLAGS ($helpstack)] ok'])).toEqual({
      uidValidity: 42,
    });
    expect(checkSelected(credentials, select)).toEqual({ uidValidity: 42 });
    expect(checkSelected(credentials, [...select, '* OK [PERMANENTFLAGS (\\Seen \\Deleted)] ok'])).toEqual({
      error:
        'Mailbox "INBOX" does not keep custom flags, so imported mail cannot be marked with "$HelpStack": leave the flag empty and use a dedicated mailbox',
    });
    // Without a flag, what the mailbox keeps does not matter.
    expect(checkSelected({}, [...select, '* OK [PERMANENTFLAGS ()] ok'])).toEqual({ uidValidity: 42 });
    expect(checkSelected({ imapMailbox: 'Support' }, ['* 0 EXISTS'])).toEqual({
      error: 'Mailbox "Support" did not say its UIDVALIDITY',
    });
  });
});

describe('mailbox and flag credentials', () => {
  const base = { host: 'smtp.example.com', port: 587, username: 'u', password: 'p', from: 'help@example.com' };

  it('keeps a valid mailbox and flag, and leaves both out by default', () => {
    expect(
      parseCredentials('EMAIL', { ...base, imapMailbox: ' Équipe/Support ', imapFlag: '$HelpStack' }),
    ).toMatchObject({ imapMailbox: 'Équipe/Support', imapFlag: '$HelpStack' });
    const plain = parseCredentials('EMAIL', base);
    expect('imapMailbox' in plain).toBe(false);
    expect('imapFlag' in plain).toBe(false);
  });

  it('refuses empty, overlong and control-character mailbox names, and flags that are not keywords', () => {
    expect(validationFields({ ...base, imapMailbox: '  ' })).toEqual({
      'credentials.imapMailbox': ['Mailbox must not be empty (leave it out to read INBOX)'],
    });
    expect(validationFields({ ...base, imapMailbox: 'x'.repeat(201) })).toEqual({
      'credentials.imapMailbox': ['Mailbox must be at most 200 characters'],
    });
    expect(validationFields({ ...base, imapMailbox: 'Support\r\nA1 DELETE INBOX' })).toEqual({
      'credentials.imapMailbox': ['Mailbox must not contain control characters'],
    });
    const notKeyword = ['Flag must be a keyword such as $HelpStack: letters, digits, $ _ . - (no \\Seen-style flags)'];
    for (const imapFlag of ['\\Seen', 'two words', 'x)', '']) {
      expect(validationFields({ ...base, imapFlag }), imapFlag).toEqual({ 'credentials.imapFlag': notKeyword });
    }
    expect(validationFields({ ...base, imapFlag: `$${'a'.repeat(64)}` })).toEqual({
      'credentials.imapFlag': ['Flag must be at most 64 characters', ...notKeyword],
    });
  });
});

describe('connection test of the mailbox', () => {
  it('opens the configured mailbox, and says clearly when it does not exist', async () => {
    const { user, credentials } = imapAccount({ imapMailbox: 'Équipe' });
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [],
      mailboxes: { '&AMk-quipe': { uidValidity: 4, messages: [] } },
    });
    expect((await testEmailConnection(credentials as EmailCredentials)).imap).toEqual({ ok: true });
    expect(await imapLog(user)).toContain('A3 SELECT "&AMk-quipe"');

    const missing = await testEmailConnection({ ...credentials, imapMailbox: 'Helpdesk' } as EmailCredentials);
    expect(missing.imap).toEqual({
      ok: false,
      error:
        'Mailbox "Helpdesk" does not exist or cannot be opened (the server said: NO [NONEXISTENT] No such mailbox)',
    });
  });

  it('POST /api/channels/test-connection reports the missing mailbox on the IMAP side', async () => {
    const { client } = await signUpOwner();
    const { credentials } = imapAccount({ imapMailbox: 'Support' });
    const res = await client.post('/api/channels/test-connection', { type: 'EMAIL', credentials });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      ok: false,
      imap: {
        ok: false,
        error:
          'Mailbox "Support" does not exist or cannot be opened (the server said: NO [NONEXISTENT] No such mailbox)',
      },
    });
  });

  it('refuses a flag the mailbox cannot keep', async () => {
    const { user, credentials } = imapAccount({ imapFlag: '$HelpStack' });
    await setImapMailbox(user, { uidValidity: 1, messages: [], keepsKeywords: false });
    expect((await testEmailConnection(credentials as EmailCredentials)).imap).toEqual({
      ok: false,
      error:
        'Mailbox "INBOX" does not keep custom flags, so imported mail cannot be marked with "$HelpStack": leave the flag empty and use a dedicated mailbox',
    });
  });
});

describe('polling a dedicated mailbox', () => {
  it('imports from the configured mailbox only, never from INBOX', async () => {
    const { channel, user, credentials } = await polledChannel({ imapMailbox: 'Support/Tickets' });
    const recent = new Date(Date.now() - DAY);
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [{ uid: 1, raw: plainMail('personal@customer.test'), internalDate: recent }],
      mailboxes: {
        'Support/Tickets': {
          uidValidity: 9,
          messages: [{ uid: 3, raw: plainMail('ticket@customer.test'), internalDate: recent }],
        },
      },
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 1, error: null });
    expect(await storedExternalIds(channel.id)).toEqual(['ticket@customer.test']);
    const log = await imapLog(user);
    expect(log.filter((line) => / SELECT /.test(line))).toEqual(['H2 SELECT "Support/Tickets"']);
    const [state] = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, channel.id));
    expect(state).toMatchObject({ mailbox: 'Support/Tickets', uidValidity: 9, lastUid: 3, lastError: null });
  });

  it('a missing mailbox is the last poll error shown on the channel', async () => {
    const { channel, client, credentials } = await polledChannel({ imapMailbox: 'Helpdesk' });
    const report = await pollChannel(env, channel, credentials);
    const error =
      'Mailbox "Helpdesk" does not exist or cannot be opened (the server said: NO [NONEXISTENT] No such mailbox)';
    expect(report.error).toBe(error);
    const [state] = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, channel.id));
    expect(state).toMatchObject({ lastError: error, lastSuccessAt: null });
    const res = await client.get(`/api/email/channels/${channel.id}/status`);
    expect(res.body.data).toMatchObject({ lastError: error, lastSuccessAt: null });
  });

  it('another mailbox starts a fresh cursor, and mail already imported is not stored again', async () => {
    const { channel, user, credentials } = await polledChannel();
    const recent = new Date(Date.now() - DAY);
    const shared = { uid: 40, raw: plainMail('both@customer.test'), internalDate: recent };
    await setImapMailbox(user, {
      uidValidity: 5,
      messages: [shared, { uid: 41, raw: plainMail('inbox-only@customer.test'), internalDate: recent }],
      // The same UIDVALIDITY and low UIDs as a real second mailbox might have: the INBOX cursor must not apply.
      mailboxes: {
        Support: {
          uidValidity: 5,
          messages: [
            { ...shared, uid: 2 },
            { uid: 3, raw: plainMail('support-only@customer.test'), internalDate: recent },
          ],
        },
      },
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 2 });
    const moved = { ...credentials, imapMailbox: 'Support' };
    expect(await pollChannel(env, channel, moved)).toMatchObject({ imported: 1, duplicates: 1, error: null });
    expect(await storedExternalIds(channel.id)).toEqual([
      'both@customer.test',
      'inbox-only@customer.test',
      'support-only@customer.test',
    ]);
    const [state] = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, channel.id));
    expect(state).toMatchObject({ mailbox: 'Support', uidValidity: 5, lastUid: 3 });
    expect((await imapLog(user)).filter((line) => /UID SEARCH UID 1:\* /.test(line))).toHaveLength(2);
    // Back to INBOX: a fresh cursor again, and still nothing stored twice.
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 0, duplicates: 2 });
    expect(await storedExternalIds(channel.id)).toHaveLength(3);
  });

  it('a quarantined UID of one mailbox does not skip the same UID in another', async () => {
    const { channel, user, credentials } = await polledChannel({ imapMailbox: 'Support' });
    const recent = new Date(Date.now() - DAY);
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [],
      mailboxes: {
        Support: { uidValidity: 1, messages: [{ uid: 1, raw: plainMail('s@customer.test'), internalDate: recent }] },
      },
    });
    await db.insert(emailImportFailures).values({
      channelId: channel.id,
      organizationId: channel.organizationId,
      mailbox: 'INBOX',
      uidValidity: 1,
      uid: 1,
      attempts: 3,
      quarantinedAt: new Date(),
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 1, skipped: 0 });
  });
});

describe('the imported flag', () => {
  it('marks imported mail with the flag and skips mail carrying it, so a fresh cursor fetches nothing twice', async () => {
    const { channel, user, credentials } = await polledChannel({ imapFlag: '$HelpStack' });
    const recent = new Date(Date.now() - DAY);
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [
        { uid: 1, raw: plainMail('first@customer.test'), internalDate: recent },
        // Imported by another HelpStack channel on the same mailbox: left alone here.
        { uid: 2, raw: plainMail('elsewhere@customer.test'), internalDate: recent, flags: ['$HelpStack'] },
        { uid: 3, raw: plainMail('third@customer.test'), internalDate: recent },
      ],
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 2, error: null });
    expect(await storedExternalIds(channel.id)).toEqual(['first@customer.test', 'third@customer.test']);
    let log = await imapLog(user);
    expect(log.filter((line) => / UID SEARCH /.test(line))[0]).toMatch(
      /UID SEARCH UID 1:\* SINCE \S+ UNKEYWORD \$HelpStack$/,
    );
    expect(log.filter((line) => / UID STORE /.test(line)).map((line) => line.replace(/^H\d+ /, ''))).toEqual([
      'UID STORE 1 +FLAGS.SILENT ($HelpStack)',
      'UID STORE 3 +FLAGS.SILENT ($HelpStack)',
    ]);
    expect(bodyFetches(log)).toEqual(['1', '3']);

    // The cursor is lost (the server renumbered nothing, but the state was reset): the flags keep the poll from
    // fetching any body again.
    await db.update(emailMailboxes).set({ lastUid: 0 }).where(eq(emailMailboxes.channelId, channel.id));
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 0, duplicates: 0, skipped: 0 });
    log = await imapLog(user);
    expect(bodyFetches(log)).toEqual(['1', '3']);
  });

  it('without a flag nothing is ever stored on the server', async () => {
    const { channel, user, credentials } = await polledChannel();
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [{ uid: 1, raw: plainMail('noflag@customer.test'), internalDate: new Date() }],
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 1 });
    const log = await imapLog(user);
    expect(log.some((line) => / UID STORE /.test(line))).toBe(false);
    expect(log.some((line) => /UNKEYWORD/.test(line))).toBe(false);
  });
});

describe('a server that greets with PREAUTH (already logged in, as behind an SSH tunnel)', () => {
  const preauth = (changes: Record<string, unknown> = {}) => ({
    username: PREAUTH_IMAP_USER,
    imapPort: mailPorts().preauthImap,
    ...changes,
  });

  it('is polled without a LOGIN when the channel allows plain text', async () => {
    const { channel, credentials } = await polledChannel(preauth());
    await setImapMailbox(PREAUTH_IMAP_USER, {
      uidValidity: 3,
      messages: [{ uid: 7, raw: plainMail('preauth@customer.test'), internalDate: new Date(Date.now() - DAY) }],
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 1, error: null });
    expect(await storedExternalIds(channel.id)).toEqual(['preauth@customer.test']);
    const log = await imapLog(PREAUTH_IMAP_USER);
    expect(log.some((line) => / SELECT INBOX$/.test(line))).toBe(true);
    expect(log.filter((line) => / LOGIN /.test(line))).toEqual([]);
  });

  it('is refused without TLS unless the channel allows plain text: the poll and the connection test say why', async () => {
    await setImapMailbox(PREAUTH_IMAP_USER, { uidValidity: 3, messages: [] });
    const refused = `${MAIL_HOST}:${mailPorts().preauthImap} logged in without TLS, so mail would be read unencrypted: use the server's TLS port (usually 993, with "IMAP uses TLS")`;
    const { channel, credentials } = await polledChannel(preauth({ imapAllowPlaintext: false }));
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 0, error: refused });
    expect(await storedExternalIds(channel.id)).toEqual([]);
    const report = await testEmailConnection(fakeAccount(preauth({ imapAllowPlaintext: false })) as EmailCredentials);
    // (The SMTP side logs in with the same username, which the fake SMTP server does not know: only IMAP is judged.)
    expect(report.imap).toEqual({ ok: false, error: refused });
    expect((await testEmailConnection(fakeAccount(preauth()) as EmailCredentials)).imap).toEqual({ ok: true });
  });
});
