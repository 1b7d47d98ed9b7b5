// The IMAP poll (minute cron): for each active email channel with an IMAP server, fetch the mail that arrived
// since the last UID seen and import it. The mailbox read is INBOX or the channel's `imapMailbox`; its name,
// UIDVALIDITY and last UID are kept per channel, and a new UIDVALIDITY or another mailbox starts over from
// UID 1 (the Message-ID dedupe keeps that from importing anything twice; with an `imapFlag`, mail marked as
// imported is not even fetched again). Mail
// older than EMAIL_MAX_AGE_DAYS or larger than the size limit is skipped; a message that fails to import
// is retried on the next polls and quarantined after MAX_IMPORT_ATTEMPTS. Each poll is bounded in count and
// time, and the channels polled longest ago go first, so one huge mailbox cannot starve the others.
import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { createDb, type Db } from '../../db/client';
import { type Channel, channels, emailImportFailures, emailMailboxes } from '../../db/schema';
import type { AppBindings } from '../../env';
import { decryptCredentials } from '../channels';
import type { EmailCredentials } from '../credentials';
import { openImapSession } from './imap';
import { type ImportResult, importEmail, maxMessageBytes, type RawMail } from './inbound';
import { mailboxOf } from './mailbox';

/** Default for EMAIL_MAX_AGE_DAYS. */
export const DEFAULT_MAX_AGE_DAYS = 7;
/** A message that failed this many imports is quarantined (skipped from then on). */
export const MAX_IMPORT_ATTEMPTS = 3;
/** Messages imported per channel per poll. */
const MAX_MESSAGES_PER_POLL = 25;
/** Time one channel's poll may take before it stops (the rest waits for the next minute). */
const CHANNEL_BUDGET_MS = 20_000;
/** Time the whole cron run may spend polling. */
const RUN_BUDGET_MS = 45_000;

export function maxAgeDays(env: Pick<AppBindings, 'EMAIL_MAX_AGE_DAYS'>): number {
  const value = Number(env.EMAIL_MAX_AGE_DAYS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_AGE_DAYS;
}

export interface PollOptions {
  now?: number;
  /** Imports one raw mail (tests wrap the real one to make a message fail). */
  importer?: (env: AppBindings, channel: Channel, raw: RawMail) => Promise<ImportResult>;
  maxMessages?: number;
}

export interface PollReport {
  imported: number;
  duplicates: number;
  skipped: number;
  quarantined: number;
  /** Messages that failed this time and will be retried. */
  failed: number;
  /** Why the poll itself failed (login, connection), as shown on the channel page. */
  error: string | null;
  /** More mail waits than this poll took. */
  more: boolean;
}

/** Polls every active email channel that has an IMAP server, longest-waiting first, within the run's budget. */
export async function pollEmailChannels(env: AppBindings, options: PollOptions = {}): Promise<void> {
  const db = createDb(env.DB);
  const started = Date.now();
  const rows = await db
    .select({ channel: channels, lastPollAt: emailMailboxes.lastPollAt })
    .from(channels)
    .leftJoin(emailMailboxes, eq(emailMailboxes.channelId, channels.id))
    .where(and(eq(channels.type, 'EMAIL'), eq(channels.isActive, true)))
    .orderBy(sql`${emailMailboxes.lastPollAt} IS NOT NULL`, asc(emailMailboxes.lastPollAt));
  for (const { channel } of rows) {
    if (Date.now() - started > RUN_BUDGET_MS) break;
    let credentials: EmailCredentials;
    try {
      credentials = await decryptCredentials<EmailCredentials>(env, channel);
    } catch (error) {
      console.error(`Email poll: channel ${channel.id} credentials cannot be read`, error);
      continue;
    }
    if (!credentials.imapHost) continue;
    try {
      await pollChannel(env, channel, credentials, options);
    } catch (error) {
      // pollChannel records its own failures; this is a bug or D1 outage, and must not stop the others.
      console.error(`Email poll of channel ${channel.id} failed`, error);
    }
  }
}

/** One poll of one channel's mailbox. */
export async function pollChannel(
  env: AppBindings,
  channel: Channel,
  credentials: EmailCredentials,
  options: PollOptions = {},
): Promise<PollReport> {
  const db = createDb(env.DB);
  const now = options.now ?? Date.now();
  const deadline = Date.now() + CHANNEL_BUDGET_MS;
  const importer = options.importer ?? importEmail;
  const report: PollReport = {
    imported: 0,
    duplicates: 0,
    skipped: 0,
    quarantined: 0,
    failed: 0,
    error: null,
    more: false,
  };
  const mailbox = mailboxOf(credentials);
  const [state] = await db.select().from(emailMailboxes).where(eq(emailMailboxes.channelId, channel.id));
  const saveState = (fields: Partial<typeof emailMailboxes.$inferInsert>) =>
    db
      .insert(emailMailboxes)
      .values({ channelId: channel.id, organizationId: channel.organizationId, ...fields })
      .onConflictDoUpdate({ target: emailMailboxes.channelId, set: fields });

  let session: Awaited<ReturnType<typeof openImapSession>>;
  try {
    session = await openImapSession(credentials);
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
    await saveState({ lastPollAt: new Date(now), lastError: report.error });
    return report;
  }
  try {
    // A new UIDVALIDITY or another mailbox means the old UIDs mean nothing here: start over (Message-IDs keep
    // it from duplicating).
    const sameCursor = state?.mailbox === mailbox && state.uidValidity === session.uidValidity;
    let lastUid = sameCursor ? state.lastUid : 0;
    await saveState({ mailbox, uidValidity: session.uidValidity, lastUid });
    const at = { mailbox, uidValidity: session.uidValidity };
    const since = new Date(now - maxAgeDays(env) * 24 * 60 * 60 * 1000);
    const uids = await session.search(lastUid, since);
    const batch = uids.slice(0, options.maxMessages ?? MAX_MESSAGES_PER_POLL);
    report.more = uids.length > batch.length;
    const described = new Map((await session.describe(batch)).map((m) => [m.uid, m]));
    const quarantined = await quarantinedUids(db, channel.id, at, batch);
    const limit = maxMessageBytes(env);

    for (const uid of batch) {
      if (Date.now() > deadline) {
        report.more = true;
        break;
      }
      let held = false;
      const info = described.get(uid);
      const tooOld = info?.internalDate && info.internalDate.getTime() < since.getTime();
      if (quarantined.has(uid) || tooOld || !info) {
        report.skipped++;
      } else if (info.size > limit) {
        await quarantine(db, channel, at, uid, `the message is larger than ${limit} bytes`);
        report.quarantined++;
      } else {
        const outcome = await importOne(env, db, channel, session, at, uid, importer);
        if (outcome === 'retry-later') {
          report.failed++;
          break;
        }
        if (outcome === 'quarantined') report.quarantined++;
        else if (outcome.status === 'stored') report.imported++;
        else if (outcome.status === 'duplicate') report.duplicates++;
        else report.skipped++;
        held = outcome !== 'quarantined' && (outcome.status === 'stored' || outcome.status === 'duplicate');
      }
      lastUid = uid;
      await saveState({ lastUid });
      // Mail that is in HelpStack now carries the channel's flag (when it has one), so no later poll fetches it.
      if (held) await session.markImported(uid);
    }
    await saveState({ lastPollAt: new Date(now), lastSuccessAt: new Date(now), lastError: null });
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
    await saveState({ lastPollAt: new Date(now), lastError: report.error });
  } finally {
    await session.logout();
  }
  return report;
}

async function importOne(
  env: AppBindings,
  db: Db,
  channel: Channel,
  session: Awaited<ReturnType<typeof openImapSession>>,
  at: MailboxAt,
  uid: number,
  importer: NonNullable<PollOptions['importer']>,
): Promise<Exclude<ImportResult, { status: 'busy' }> | 'quarantined' | 'retry-later'> {
  const message = await session.fetch(uid);
  // Deleted between SEARCH and FETCH: nothing to import.
  if (!message?.raw) return { status: 'ignored', reason: 'the message is gone' };
  let result: ImportResult;
  try {
    result = await importer(env, channel, message.raw);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const attempts = await recordFailure(db, channel, at, uid, reason);
    if (attempts >= MAX_IMPORT_ATTEMPTS) {
      await quarantine(db, channel, at, uid, reason);
      console.error(`Email poll: message UID ${uid} of channel ${channel.id} quarantined after ${attempts} tries`);
      return 'quarantined';
    }
    return 'retry-later';
  }
  if (result.status === 'busy') return 'retry-later';
  await db
    .delete(emailImportFailures)
    .where(
      and(
        eq(emailImportFailures.channelId, channel.id),
        eq(emailImportFailures.mailbox, at.mailbox),
        eq(emailImportFailures.uidValidity, at.uidValidity),
        eq(emailImportFailures.uid, uid),
      ),
    );
  return result;
}

/** Where a UID lives: the mailbox and its UIDVALIDITY. */
interface MailboxAt {
  mailbox: string;
  uidValidity: number;
}

const failureKey = [
  emailImportFailures.channelId,
  emailImportFailures.mailbox,
  emailImportFailures.uidValidity,
  emailImportFailures.uid,
];

async function recordFailure(db: Db, channel: Channel, at: MailboxAt, uid: number, reason: string) {
  const [row] = await db
    .insert(emailImportFailures)
    .values({
      channelId: channel.id,
      organizationId: channel.organizationId,
      ...at,
      uid,
      attempts: 1,
      lastError: reason.slice(0, 500),
    })
    .onConflictDoUpdate({
      target: failureKey,
      set: {
        attempts: sql`${emailImportFailures.attempts} + 1`,
        lastError: reason.slice(0, 500),
        updatedAt: new Date(),
      },
    })
    .returning({ attempts: emailImportFailures.attempts });
  return row?.attempts ?? 1;
}

async function quarantine(db: Db, channel: Channel, at: MailboxAt, uid: number, reason: string) {
  await db
    .insert(emailImportFailures)
    .values({
      channelId: channel.id,
      organizationId: channel.organizationId,
      ...at,
      uid,
      attempts: 1,
      lastError: reason.slice(0, 500),
      quarantinedAt: new Date(),
    })
    .onConflictDoUpdate({
      target: failureKey,
      set: { quarantinedAt: new Date(), lastError: reason.slice(0, 500), updatedAt: new Date() },
    });
}

async function quarantinedUids(db: Db, channelId: string, at: MailboxAt, uids: number[]): Promise<Set<number>> {
  if (!uids.length) return new Set();
  const rows = await db
    .select({ uid: emailImportFailures.uid })
    .from(emailImportFailures)
    .where(
      and(
        eq(emailImportFailures.channelId, channelId),
        eq(emailImportFailures.mailbox, at.mailbox),
        eq(emailImportFailures.uidValidity, at.uidValidity),
        inArray(emailImportFailures.uid, uids),
        isNotNull(emailImportFailures.quarantinedAt),
      ),
    );
  return new Set(rows.map((row) => row.uid));
}

/** What the channel page shows about the poll. */
export async function pollStatus(db: Db, organizationId: string, channelId: string) {
  const [state] = await db
    .select()
    .from(emailMailboxes)
    .where(and(eq(emailMailboxes.organizationId, organizationId), eq(emailMailboxes.channelId, channelId)));
  const quarantined = await db
    .select({
      mailbox: emailImportFailures.mailbox,
      uid: emailImportFailures.uid,
      lastError: emailImportFailures.lastError,
      at: emailImportFailures.quarantinedAt,
    })
    .from(emailImportFailures)
    .where(
      and(
        eq(emailImportFailures.organizationId, organizationId),
        eq(emailImportFailures.channelId, channelId),
        isNotNull(emailImportFailures.quarantinedAt),
      ),
    )
    .orderBy(asc(emailImportFailures.uid))
    .limit(20);
  return {
    lastPollAt: state?.lastPollAt?.toISOString() ?? null,
    lastSuccessAt: state?.lastSuccessAt?.toISOString() ?? null,
    lastError: state?.lastError ?? null,
    quarantined: quarantined.map((row) => ({
      mailbox: row.mailbox,
      uid: row.uid,
      reason: row.lastError,
      at: row.at?.toISOString() ?? null,
    })),
  };
}
