import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  emailFixture,
  imapLog,
  plainMail,
  polledChannel,
  setImapMailbox,
  storedExternalIds,
} from '../../../test/smtp-mailbox';
import { createDb } from '../../db/client';
import { emailImportFailures, emailMailboxes, messages } from '../../db/schema';
import { importEmail } from './inbound';
import { MAX_IMPORT_ATTEMPTS, pollChannel, pollEmailChannels } from './poll';

const db = createDb(env.DB);
const DAY = 24 * 60 * 60 * 1000;

const bodyFetches = (log: string[], uid: number) =>
  log.filter((line) =>
    new RegExp(`UID FETCH ${uid} \\(UID RFC822\\.SIZE INTERNALDATE BODY\\.PEEK\\[\\]\\)$`).test(line),
  );

describe('IMAP polling', () => {
  it('two polls import each message once, fetching bodies with BODY.PEEK only when new', async () => {
    const { channel, user, credentials } = await polledChannel();
    const recent = new Date(Date.now() - DAY);
    await setImapMailbox(user, {
      uidValidity: 7,
      messages: [
        { uid: 3, raw: emailFixture('plain.eml'), internalDate: recent },
        { uid: 5, raw: emailFixture('html-only.eml'), internalDate: recent },
      ],
    });
    const first = await pollChannel(env, channel, credentials);
    expect(first).toMatchObject({ imported: 2, duplicates: 0, error: null });
    const second = await pollChannel(env, channel, credentials);
    expect(second).toMatchObject({ imported: 0, duplicates: 0, skipped: 0, error: null });
    expect(await storedExternalIds(channel.id)).toEqual([
      'CAJane-plain-0001@mail.customer.test',
      'html-only-0002@client.test',
    ]);
    const log = await imapLog(user);
    expect(bodyFetches(log, 3)).toHaveLength(1);
    expect(bodyFetches(log, 5)).toHaveLength(1);
    expect(log.some((line) => /BODY\[\]/.test(line) && !/BODY\.PEEK\[\]/.test(line))).toBe(false);
    // The second poll asked only for what came after the last UID seen.
    expect(log.filter((line) => / UID SEARCH UID 6:\* SINCE /.test(line))).toHaveLength(1);
    const [state] = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, channel.id));
    expect(state).toMatchObject({ uidValidity: 7, lastUid: 5, lastError: null });
  });

  it('a UIDVALIDITY change rescans the mailbox without storing anything twice', async () => {
    const { channel, user, credentials } = await polledChannel();
    const recent = new Date(Date.now() - DAY);
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [{ uid: 10, raw: emailFixture('plain.eml'), internalDate: recent }],
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 1 });
    // The server renumbered its mailbox (restored from a backup, rebuilt): old UIDs mean nothing now.
    await setImapMailbox(user, {
      uidValidity: 2,
      messages: [
        { uid: 1, raw: emailFixture('plain.eml'), internalDate: recent },
        { uid: 2, raw: emailFixture('latin1.eml'), internalDate: recent },
      ],
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 1, duplicates: 1, error: null });
    expect(await storedExternalIds(channel.id)).toEqual([
      'CAJane-plain-0001@mail.customer.test',
      'latin1-0004@kunde.test',
    ]);
    // The ISO-8859-1 mail came through as the bytes the server counted (an IMAP literal is counted in bytes).
    const [latin1] = await db.select().from(messages).where(eq(messages.externalId, 'latin1-0004@kunde.test'));
    expect(latin1!.content).toBe('Guten Tag,\n\nich möchte die Bestellung zurückgeben. Schöne Grüße');
    const [state] = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, channel.id));
    expect(state).toMatchObject({ uidValidity: 2, lastUid: 2 });
  });

  it('the same mail through the Email Worker and then IMAP is stored once', async () => {
    const { channel, user, credentials } = await polledChannel();
    expect((await importEmail(env, channel, emailFixture('plain.eml'))).status).toBe('stored');
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [{ uid: 1, raw: emailFixture('plain.eml'), internalDate: new Date() }],
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 0, duplicates: 1 });
    expect(await storedExternalIds(channel.id)).toEqual(['CAJane-plain-0001@mail.customer.test']);
  });

  it('skips mail older than EMAIL_MAX_AGE_DAYS (7 by default), and imports it when the window is raised', async () => {
    const { channel, user, credentials } = await polledChannel();
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [
        { uid: 1, raw: plainMail('old@customer.test'), internalDate: new Date(Date.now() - 10 * DAY) },
        { uid: 2, raw: plainMail('new@customer.test'), internalDate: new Date(Date.now() - 2 * DAY) },
      ],
    });
    expect(await pollChannel(env, channel, credentials)).toMatchObject({ imported: 1 });
    expect(await storedExternalIds(channel.id)).toEqual(['new@customer.test']);
    expect(bodyFetches(await imapLog(user), 1)).toEqual([]);

    const wider = { ...env, EMAIL_MAX_AGE_DAYS: '30' };
    await db.update(emailMailboxes).set({ lastUid: 0 }).where(eq(emailMailboxes.channelId, channel.id));
    expect(await pollChannel(wider, channel, credentials)).toMatchObject({ imported: 1, duplicates: 1 });
    expect(await storedExternalIds(channel.id)).toEqual(['new@customer.test', 'old@customer.test']);
  });

  it(`quarantines a message that fails to import ${MAX_IMPORT_ATTEMPTS} times instead of fetching it forever`, async () => {
    const { channel, user, credentials } = await polledChannel();
    const recent = new Date(Date.now() - DAY);
    await setImapMailbox(user, {
      uidValidity: 1,
      messages: [
        { uid: 1, raw: plainMail('fine-1@customer.test'), internalDate: recent },
        { uid: 2, raw: plainMail('poison@customer.test'), internalDate: recent },
        { uid: 3, raw: plainMail('fine-3@customer.test'), internalDate: recent },
      ],
    });
    const importer: typeof importEmail = async (e, c, raw) => {
      const text = new TextDecoder('latin1').decode(raw as Uint8Array);
      if (text.includes('poison@customer.test')) throw new Error('D1 refused the row');
      return importEmail(e, c, raw);
    };
    expect(await pollChannel(env, channel, credentials, { importer })).toMatchObject({ imported: 1, failed: 1 });
    // The mail after the failing one waits, so nothing is skipped while a retry may still work.
    expect(await storedExternalIds(channel.id)).toEqual(['fine-1@customer.test']);
    expect(await pollChannel(env, channel, credentials, { importer })).toMatchObject({ imported: 0, failed: 1 });
    expect(await pollChannel(env, channel, credentials, { importer })).toMatchObject({ imported: 1, quarantined: 1 });
    expect(await storedExternalIds(channel.id)).toEqual(['fine-1@customer.test', 'fine-3@customer.test']);
    expect(await pollChannel(env, channel, credentials, { importer })).toMatchObject({ imported: 0, failed: 0 });
    expect(bodyFetches(await imapLog(user), 2)).toHaveLength(MAX_IMPORT_ATTEMPTS);
    const [failure] = await db.select().from(emailImportFailures).where(eq(emailImportFailures.channelId, channel.id));
    expect(failure).toMatchObject({ uid: 2, attempts: MAX_IMPORT_ATTEMPTS, lastError: 'D1 refused the row' });
    expect(failure!.quarantinedAt).toBeInstanceOf(Date);
  });

  it('a refused login is recorded on the channel as the last poll error, without the password', async () => {
    const { channel, credentials } = await polledChannel({ password: 'wrong password' });
    const report = await pollChannel(env, channel, credentials);
    expect(report.error).toBe('Authentication failed: NO [AUTHENTICATIONFAILED] Invalid credentials');
    const [state] = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, channel.id));
    expect(state!.lastError).toBe('Authentication failed: NO [AUTHENTICATIONFAILED] Invalid credentials');
    expect(state!.lastSuccessAt).toBeNull();
  });

  it('sends no password to an IMAP server without STARTTLS unless the channel allows plain text', async () => {
    const { channel, user, credentials } = await polledChannel({ imapAllowPlaintext: false });
    const report = await pollChannel(env, channel, credentials);
    expect(report.error).toMatch(
      /^127\.0\.0\.1:\d+ does not offer STARTTLS, so the password would be sent unencrypted/,
    );
    expect(await imapLog(user)).toEqual([]);
    const [state] = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, channel.id));
    expect(state!.lastError).toBe(report.error);
  });

  it('the cron polls every active email channel with an IMAP server', async () => {
    const withImap = await polledChannel();
    const withoutImap = await polledChannel({ imapHost: undefined });
    await setImapMailbox(withImap.user, {
      uidValidity: 1,
      messages: [{ uid: 1, raw: plainMail(`cron-${crypto.randomUUID()}@customer.test`), internalDate: new Date() }],
    });
    await pollEmailChannels(env);
    expect(await storedExternalIds(withImap.channel.id)).toHaveLength(1);
    const states = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, withoutImap.channel.id));
    expect(states).toEqual([]);
  });
});
