// Moves the messages of conversations closed (CLOSED or ARCHIVED) for ARCHIVE_AFTER_DAYS out of D1 into the
// media bucket under archive/, one JSON-lines object per conversation, so D1 stays bounded by the live part of the history.
// The minute cron walks closed conversations in (closed_at, id) order from a cursor, a bounded batch per run.
// Each conversation: its actor is loaded first (so the actor, which holds the full log, has hydrated from D1
// while D1 still has every row), the object is written, then one D1 transaction deletes exactly the rows that
// were written (same id and updated_at: a row the actor reprojected meanwhile stays), records the archive and
// its search row. A crash anywhere leaves either the rows in D1 (the next run merges them into the object
// again) or the archive complete: the work is idempotent and resumable.

import { conversationActor } from '../conversations/refs';
import type { AppBindings } from '../env';
import {
  type ArchivedEvent,
  type ArchivedMessage,
  archiveKey,
  mergeArchive,
  readArchive,
  serializeArchive,
} from './store';
import { archiveSearchTerms } from './terms';

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_ARCHIVE_AFTER_DAYS = 30;
export const DEFAULT_ARCHIVE_BATCH_SIZE = 50;
/** Conversations archived at once within a run (actor calls, R2 writes and D1 batches in flight). */
const CONCURRENCY = 8;
/** Message ids per DELETE statement (its JSON parameter stays far below D1's statement limits). */
const DELETE_CHUNK = 500;

export interface ArchiveConfig {
  afterDays: number;
  batchSize: number;
}

function intSetting(raw: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  console.warn(`${name}=${JSON.stringify(raw)} is not an integer in ${min}–${max}; using ${fallback}`);
  return fallback;
}

export function archiveConfig(env: AppBindings): ArchiveConfig {
  return {
    afterDays: intSetting(env.ARCHIVE_AFTER_DAYS, DEFAULT_ARCHIVE_AFTER_DAYS, 1, 36_500, 'ARCHIVE_AFTER_DAYS'),
    batchSize: intSetting(env.ARCHIVE_BATCH_SIZE, DEFAULT_ARCHIVE_BATCH_SIZE, 1, 5_000, 'ARCHIVE_BATCH_SIZE'),
  };
}

interface Cursor {
  closedAt: number;
  id: string;
}

interface Candidate {
  id: string;
  organization_id: string;
  closed_at: number;
}

export type ConversationOutcome = 'archived' | 'nothing' | 'busy';

export interface ArchiveRun {
  /** Conversations whose messages were written to R2 and removed from D1 in this run. */
  archived: number;
  /** Messages removed from D1. */
  messages: number;
  /** Bytes written to R2 (whole objects, including messages archived earlier and merged again). */
  bytes: number;
  /** Eligible conversations left for a later run (the batch was full, or an actor was still projecting). */
  more: boolean;
}

async function readCursor(d1: D1Database): Promise<Cursor> {
  const row = await d1.prepare("SELECT value FROM archive_state WHERE key = 'cursor'").first<{ value: string }>();
  return row ? (JSON.parse(row.value) as Cursor) : { closedAt: 0, id: '' };
}

function writeCursor(d1: D1Database, cursor: Cursor): D1PreparedStatement {
  return d1
    .prepare(
      "INSERT INTO archive_state (key, value) VALUES ('cursor', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )
    .bind(JSON.stringify(cursor));
}

/** One cron step: archives up to batchSize conversations closed before now − afterDays, resuming at the cursor. */
export async function archiveClosedConversations(
  env: AppBindings,
  now = Date.now(),
  config: ArchiveConfig = archiveConfig(env),
): Promise<ArchiveRun> {
  const d1 = env.DB;
  const cursor = await readCursor(d1);
  const cutoff = now - config.afterDays * DAY_MS;
  // conversations_closed_at (0003): a range walk, never a scan of the conversations table.
  const { results: candidates } = await d1
    .prepare(
      `SELECT id, organization_id, closed_at FROM conversations
       WHERE closed_at IS NOT NULL AND closed_at <= ? AND closed_at >= ? AND (closed_at > ? OR id > ?)
         AND status IN ('CLOSED', 'ARCHIVED')
       ORDER BY closed_at, id LIMIT ?`,
    )
    .bind(cutoff, cursor.closedAt, cursor.closedAt, cursor.id, config.batchSize)
    .all<Candidate>();
  const run: ArchiveRun = { archived: 0, messages: 0, bytes: 0, more: candidates.length === config.batchSize };
  const outcomes: (ConversationOutcome | 'failed')[] = new Array(candidates.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, candidates.length) }, async () => {
      while (next < candidates.length) {
        const index = next++;
        const candidate = candidates[index]!;
        try {
          const result = await archiveConversation(env, candidate, now);
          outcomes[index] = result.outcome;
          run.messages += result.messages;
          run.bytes += result.bytes;
          if (result.outcome === 'archived') run.archived++;
        } catch (error) {
          outcomes[index] = 'failed';
          console.error(`Archiving conversation ${candidate.id} failed; the next run retries it:`, error);
        }
      }
    }),
  );
  // The cursor passes only the conversations done in order: a busy or failed one is retried next run (with
  // whatever follows it, which finds nothing left to move if it was done).
  let done = 0;
  while (done < outcomes.length && (outcomes[done] === 'archived' || outcomes[done] === 'nothing')) done++;
  if (done < outcomes.length) run.more = true;
  if (done > 0) {
    const last = candidates[done - 1]!;
    await writeCursor(d1, { closedAt: Number(last.closed_at), id: last.id }).run();
  }
  return run;
}

/**
 * Archives one closed conversation's D1 messages (merging them into its existing archive object, if any).
 * 'busy' when its actor still has projections to write: the rows may be about to change, so it waits a run.
 */
export async function archiveConversation(
  env: AppBindings,
  conversation: Candidate,
  now = Date.now(),
): Promise<{ outcome: ConversationOutcome; messages: number; bytes: number }> {
  const d1 = env.DB;
  const ref = { id: conversation.id, organizationId: conversation.organization_id };
  const actor = conversationActor(env, conversation.id);
  // Loading the actor hydrates its log from D1 if it never held this conversation (imported data): after
  // this, the actor has every message, whatever D1 keeps.
  await actor.state(ref);
  if ((await actor.pendingProjections()) > 0) return { outcome: 'busy', messages: 0, bytes: 0 };

  const [rows, events] = await d1.batch<Record<string, string | number | null>>([
    d1.prepare('SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq').bind(conversation.id),
    d1
      .prepare(
        `SELECT e.id, e.message_id, e.type, e.detail, e.created_at FROM message_events e
         JOIN messages m ON m.id = e.message_id WHERE m.conversation_id = ? ORDER BY e.created_at`,
      )
      .bind(conversation.id),
  ]);
  const live = rows?.results ?? [];
  if (!live.length) return { outcome: 'nothing', messages: 0, bytes: 0 };
  const eventsOf = new Map<string, ArchivedEvent[]>();
  for (const e of events?.results ?? []) {
    const list = eventsOf.get(String(e.message_id)) ?? [];
    list.push({
      id: String(e.id),
      type: String(e.type),
      detail: e.detail as string | null,
      created_at: Number(e.created_at),
    });
    eventsOf.set(String(e.message_id), list);
  }
  const newer: ArchivedMessage[] = live.map((row) => ({
    ...row,
    id: String(row.id),
    conversation_id: String(row.conversation_id),
    seq: Number(row.seq),
    updated_at: Number(row.updated_at),
    events: eventsOf.get(String(row.id)) ?? [],
  }));

  const bucket = env.MEDIA;
  const key = archiveKey(conversation.organization_id, conversation.id);
  const merged = mergeArchive(await readArchive(bucket, key), newer);
  const body = serializeArchive(merged);
  const bytes = new TextEncoder().encode(body).byteLength;
  const lastSeq = merged.at(-1)!.seq;
  // Written (and durable) before a single D1 row goes.
  await bucket.put(key, body, {
    httpMetadata: { contentType: 'application/x-ndjson; charset=utf-8' },
    customMetadata: { conversationId: conversation.id, messages: String(merged.length), lastSeq: String(lastSeq) },
  });

  const terms = archiveSearchTerms(merged.map((m) => String(m.content ?? '')));
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < newer.length; i += DELETE_CHUNK) {
    const pairs = JSON.stringify(newer.slice(i, i + DELETE_CHUNK).map((m) => [m.id, m.updated_at]));
    // Only the rows exactly as archived: one the actor reprojected since (newer updated_at) stays in D1.
    const archivedRows = `SELECT m.rowid FROM json_each(?) j
      JOIN messages m ON m.id = json_extract(j.value, '$[0]') AND m.updated_at = json_extract(j.value, '$[1]')
      WHERE m.conversation_id = ?`;
    statements.push(
      d1
        .prepare(
          `DELETE FROM message_events WHERE message_id IN (SELECT id FROM messages WHERE rowid IN (${archivedRows}))`,
        )
        .bind(pairs, conversation.id),
      d1.prepare(`DELETE FROM messages WHERE rowid IN (${archivedRows})`).bind(pairs, conversation.id),
    );
  }
  statements.push(
    d1
      .prepare(
        `INSERT INTO conversation_archives (conversation_id, organization_id, object_key, message_count, last_seq, bytes,
           closed_at, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(conversation_id) DO UPDATE SET object_key = excluded.object_key,
           message_count = excluded.message_count, last_seq = excluded.last_seq, bytes = excluded.bytes,
           closed_at = excluded.closed_at, archived_at = excluded.archived_at`,
      )
      .bind(
        conversation.id,
        conversation.organization_id,
        key,
        merged.length,
        lastSeq,
        bytes,
        Number(conversation.closed_at),
        now,
      ),
    d1
      .prepare(
        'DELETE FROM archived_conversations_fts WHERE rowid = (SELECT rowid FROM conversation_archives WHERE conversation_id = ?)',
      )
      .bind(conversation.id),
    d1
      .prepare(
        `INSERT INTO archived_conversations_fts (rowid, terms, conversation_id, organization_id)
         SELECT rowid, ?, conversation_id, organization_id FROM conversation_archives WHERE conversation_id = ?`,
      )
      .bind(terms, conversation.id),
  );
  await d1.batch(statements);
  return { outcome: 'archived', messages: live.length, bytes };
}

/** Deletes a conversation's archive object (its D1 rows go with the conversation's cascade). */
export async function deleteArchive(env: AppBindings, organizationId: string, conversationId: string): Promise<void> {
  await env.MEDIA.delete(archiveKey(organizationId, conversationId));
}
