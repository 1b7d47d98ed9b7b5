// The conversation actor: one Durable Object per conversation that serialises every change to it, keeps
// the ordered message log in its own SQLite, projects each change into D1 through an outbox it drains
// itself (retrying from an alarm), and talks live to the visitor over hibernating WebSockets.
import { DurableObject } from 'cloudflare:workers';
import { loadChannel } from '../channels/channels';
import { visitorMessageAllowed } from '../channels/website-chat/limits';
import { createDb, type Db } from '../db/client';
import type { Channel, Conversation } from '../db/schema';
import type { AppBindings } from '../env';
import type { DomainEvent, EventDraft } from '../events/types';
import type { Job } from '../jobs/types';
import { DomainError } from '../lib/errors';
import { assertVisitorMayAttach } from '../media/media';
import { withVisitorLinks } from '../media/visitor-links';
import { messageLanguage, primaryLanguage } from '../translation/detect';
import type { HubFrame, VisitorServerFrame } from './frames';
import { intake } from './intake';
import { commitThroughHub, publishAllToHub, publishToHub } from './live';
import {
  type ChangedBy,
  type ConversationPatch,
  type ConversationRef,
  type ConversationState,
  type Decision,
  type DecisionResult,
  isVisibleToVisitor,
  type LogMessage,
  type MessagePatch,
  type NewMessage,
  type PublicMessage,
  previewOf,
  toApiConversation,
  toApiMessage,
  toPublicMessage,
} from './log';
import type { DrainCommit, OutboxEntry, ProjectedEntry, ProjectedEvent } from './projection';

/** Who sits behind a widget socket; kept in the socket's attachment (small, survives hibernation). */
interface SocketInfo {
  visitorId: string;
  /** The visitor's IP when the socket opened: messages are limited per IP as over HTTP. */
  ip: string;
}

/** Set by the widget route on the upgrade request: which conversation the socket listens to. */
export interface SocketBinding {
  conversationId: string;
  organizationId: string;
  channelId: string;
  visitorId: string;
  /** false while the visitor has not written yet: the conversation row does not exist. */
  exists: boolean;
  ip: string;
  /**
   * When the socket opened, the channel's pre-chat form still wanted this visitor's email before a first
   * message. Only a `false` here lets a first message be acked before intake (absent on older sockets: true).
   */
  emailRequired?: boolean;
}

/** At most this many files per visitor message, each id at most this long (as over HTTP). */
const MAX_VISITOR_ATTACHMENTS = 10;
const MAX_ID_LENGTH = 100;

export const BINDING_HEADER = 'x-helpstack-binding';

const MAX_BACKOFF_MS = 60_000;
/** A drain hands the hub whole changes until it holds at least this many outbox entries (one change at least). */
const DRAIN_ENTRIES = 100;
/**
 * Every commit also schedules this alarm (unless one is already due sooner), written in the same atomic
 * storage batch: if the object dies between storing a change and draining it, the alarm wakes it to drain,
 * with no further traffic needed. It is not cancelled when a drain empties the outbox: ringing once over an
 * empty outbox costs less than cancelling and scheduling it again for every message.
 */
const SAFETY_ALARM_MS = 5_000;
/** A contact's last-seen time in D1 is kept to this precision while they chat (seenDue). */
const SEEN_PRECISION_MS = 60_000;
/** Version of the actor's own SQLite layout; see migrate(). */
const STORAGE_VERSION = 2;

/**
 * Retries are deduplicated per kind of sender: a visitor reusing an agent note's client id must neither see
 * the note nor lose their message, so the log's unique key is "<sender kind>:<external id>".
 */
function dedupeKey(senderType: LogMessage['senderType'], externalId: string | null | undefined): string | null {
  return externalId ? `${senderType}:${externalId}` : null;
}
const TOOL_TIMEOUT_MS = 5_000;

type Row = Record<string, SqlStorageValue>;

/** A message record() stored (or found already stored), with the conversation's state after it. */
type Recorded = { message: LogMessage; conversation: ConversationState; duplicate: boolean };

export class ConversationActor extends DurableObject<AppBindings> {
  /**
   * Hands a drain to the organisation's hub, which writes it to D1 with the other conversations' drains and then
   * sends its jobs (OrgHub.commit); a test swaps it to see what a change projects and queues, or to make D1 fail
   * and watch the alarm converge it.
   */
  commitDrain: (organizationId: string, drain: DrainCommit) => Promise<void> = (organizationId, drain) =>
    commitThroughHub(this.env, organizationId, drain);
  private draining: Promise<void> = Promise.resolve();
  /** A drain chained after the running one that has not started yet: later flushes share it. */
  private nextDrain: Promise<void> | null = null;
  /**
   * Dashboard frames about committed changes, told to the org hub in one call by the drain that projects
   * those changes (so a dashboard that refetches finds them in D1). Best effort, like every hub frame.
   */
  private hubQueue: HubFrame[] = [];
  /** When the safety alarm this instance scheduled is due; null once it ran or when unknown. */
  private alarmAt: number | null = null;
  private toolCalls = new Map<string, (outcome: { result?: unknown; error?: string }) => void>();
  /** The intake of pending first messages now running, if one is (settlePending). */
  private settling: Promise<void> | null = null;
  /** Finds or creates a first message's conversation in D1; a test swaps it to make intake fail. */
  runIntake: typeof intake = intake;

  constructor(ctx: DurableObjectState, env: AppBindings) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS log (
        id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, external_id TEXT UNIQUE, data TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS pending (client_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, data TEXT NOT NULL);`);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
    ctx.blockConcurrencyWhile(async () => {
      this.migrate();
      // A restart (deploy, eviction, crash) may leave projections that were never drained, or first messages
      // intake never took, and no alarm to retry them: do it now, so an acknowledged message reaches D1
      // without waiting for new traffic.
      const alarm = await ctx.storage.getAlarm();
      if ((this.outboxSize() > 0 || this.pendingSize() > 0) && alarm === null) {
        this.alarmAt = Date.now();
        await ctx.storage.setAlarm(this.alarmAt);
      } else this.alarmAt = alarm;
    });
  }

  /** Brings storage written by an older version of this class up to date. */
  private migrate(): void {
    const version = this.meta<number>('storageVersion') ?? 1;
    if (version >= STORAGE_VERSION) return;
    this.transact(() => {
      // v1 keyed dedupe on the bare external id; v2 scopes it to the sender kind.
      this.sql.exec(
        `UPDATE log SET external_id = json_extract(data, '$.senderType') || ':' || external_id
         WHERE external_id IS NOT NULL`,
      );
      this.setMeta('storageVersion', STORAGE_VERSION);
    });
  }

  private outboxSize(): number {
    const [row] = this.sql.exec<Row>('SELECT COUNT(*) AS n FROM outbox').toArray();
    return Number(row?.n ?? 0);
  }

  /** How many of the visitor's first messages wait for intake (see visitorFirstMessage). */
  private pendingSize(): number {
    if (this.pendingCache === null) {
      const [row] = this.sql.exec<Row>('SELECT COUNT(*) AS n FROM pending').toArray();
      this.pendingCache = Number(row?.n ?? 0);
    }
    return this.pendingCache;
  }

  /** The messages waiting for intake, as they were acked, in the order the visitor sent them. */
  private pendingMessages(afterSeq = 0): PublicMessage[] {
    if (this.pendingSize() === 0) return [];
    return this.sql
      .exec<Row>('SELECT data FROM pending WHERE seq > ? ORDER BY seq', afterSeq)
      .toArray()
      .map((row) => JSON.parse(row.data as string) as PublicMessage);
  }

  // ── Storage ──────────────────────────────────────────────────────────────

  private get sql() {
    return this.ctx.storage.sql;
  }

  private drizzle: Db | null = null;
  /** One drizzle client for the actor's life (building one walks the whole schema: visible in CPU profiles). */
  private db(): Db {
    this.drizzle ??= createDb(this.env.DB);
    return this.drizzle;
  }

  /**
   * Meta values as last read or written (storage stays the truth): a chat message reads the conversation's
   * state several times, and parsing it from SQLite each time was a visible share of a message's CPU. A
   * transaction that throws clears the cache (transact()), so it never holds a rolled-back value. Callers
   * treat the values as immutable (they spread a new state rather than change one).
   */
  private metaCache = new Map<string, unknown>();
  /** The log's highest seq, once known. */
  private seqCache: number | null = null;
  /** The latest inbound message's seq and sender name, once known (see contactName()). */
  private contactCache: { seq: number; name: string | null } | null = null;
  /** When this instance last projected the contact's last-seen time (see seenDue). */
  private seenProjectedAt: number | null = null;
  /** The number of rows in `pending`, once known. */
  private pendingCache: number | null = null;

  private meta<T>(key: string): T | null {
    if (this.metaCache.has(key)) return this.metaCache.get(key) as T | null;
    const [row] = this.sql.exec<Row>('SELECT value FROM meta WHERE key = ?', key).toArray();
    const value = row ? (JSON.parse(row.value as string) as T) : null;
    this.metaCache.set(key, value);
    return value;
  }

  private setMeta(key: string, value: unknown): void {
    this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, JSON.stringify(value));
    this.metaCache.set(key, value);
  }

  /** transactionSync, forgetting the caches if it throws (storage rolled back what they may have seen). */
  private transact(body: () => void): void {
    try {
      this.ctx.storage.transactionSync(body);
    } catch (error) {
      this.forgetCaches();
      throw error;
    }
  }

  private forgetCaches(): void {
    this.metaCache.clear();
    this.seqCache = null;
    this.contactCache = null;
    this.pendingCache = null;
  }

  private conversation(): ConversationState | null {
    return this.meta<ConversationState>('conversation');
  }

  private message(id: string): LogMessage | null {
    const [row] = this.sql.exec<Row>('SELECT data FROM log WHERE id = ?', id).toArray();
    return row ? (JSON.parse(row.data as string) as LogMessage) : null;
  }

  private messages(afterSeq = 0): LogMessage[] {
    return this.sql
      .exec<Row>('SELECT data FROM log WHERE seq > ? ORDER BY seq', afterSeq)
      .toArray()
      .map((row) => JSON.parse(row.data as string) as LogMessage);
  }

  private lastSeq(): number {
    if (this.seqCache === null) {
      const [row] = this.sql.exec<Row>('SELECT COALESCE(MAX(seq), 0) AS seq FROM log').toArray();
      this.seqCache = Number(row?.seq ?? 0);
    }
    return this.seqCache;
  }

  /** Keeps the caches in step with a message written to the log. */
  private logged(message: LogMessage): void {
    if (this.seqCache !== null) this.seqCache = Math.max(this.seqCache, message.seq);
    if (message.direction === 'INBOUND' && this.contactCache && message.seq >= this.contactCache.seq) {
      this.contactCache = { seq: message.seq, name: message.senderName ?? null };
    }
  }

  /**
   * One synchronous transaction: the log, the state and the outbox change together or not at all. A change's
   * outbox entries go in one outbox row (a chat message: its log row, the state and one outbox row, instead of
   * an outbox row per entry; rows written are what Durable Object storage bills).
   */
  private commit(change: {
    messages?: LogMessage[];
    conversation?: ConversationState;
    events?: ProjectedEvent[];
    domain?: DomainEvent[];
    jobs?: Job[];
    /** The contact wrote now: their last-seen time goes to D1 with the rest. */
    seen?: { contactId: string; at: number };
  }) {
    this.transact(() => {
      const entries: OutboxEntry[] = [];
      for (const message of change.messages ?? []) {
        this.sql.exec(
          'INSERT OR REPLACE INTO log (id, seq, external_id, data) VALUES (?, ?, ?, ?)',
          message.id,
          message.seq,
          dedupeKey(message.senderType, message.externalId),
          JSON.stringify(message),
        );
        this.logged(message);
        entries.push({ kind: 'message', message });
      }
      for (const event of change.events ?? []) entries.push({ kind: 'event', event });
      if (change.conversation) {
        this.setMeta('conversation', change.conversation);
        entries.push({ kind: 'conversation', conversation: change.conversation });
      }
      for (const event of change.domain ?? []) entries.push({ kind: 'domain', event });
      for (const job of change.jobs ?? []) entries.push({ kind: 'job', job });
      if (change.seen && change.conversation) {
        const { organizationId } = change.conversation;
        entries.push({ kind: 'seen', ...change.seen, organizationId });
      }
      if (entries.length) this.sql.exec('INSERT INTO outbox (entry) VALUES (?)', JSON.stringify(entries));
    });
    // No await between the transaction and this: the storage batches both into one atomic write.
    this.armSafetyAlarm();
  }

  /**
   * Schedules the safety alarm for a change just written (call it with no await in between, so the storage
   * writes both atomically). An alarm already due sooner covers this change too (it drains the whole outbox and
   * every pending first message), so it is left as it is.
   */
  private armSafetyAlarm(): void {
    const due = Date.now() + SAFETY_ALARM_MS;
    if (this.alarmAt === null || this.alarmAt > due) {
      this.alarmAt = due;
      this.ctx.storage.setAlarm(due).catch((error) => {
        console.error('Could not schedule the outbox safety alarm:', error);
      });
    }
  }

  /**
   * Whether a live message's time goes to D1 as the contact's last-seen time: the first since this instance
   * started, then at most once a minute (the profile shows it to the minute), so a chatting visitor's messages
   * do not each write the contact's row.
   */
  private seenDue(at: number): boolean {
    if (this.seenProjectedAt !== null && at - this.seenProjectedAt < SEEN_PRECISION_MS) return false;
    this.seenProjectedAt = at;
    return true;
  }

  /** A domain event about this conversation, committed with the change it describes. */
  private event(
    state: Pick<ConversationState, 'id' | 'organizationId'>,
    draft: EventDraft,
    at = Date.now(),
  ): DomainEvent {
    return {
      ...draft,
      id: crypto.randomUUID(),
      organizationId: state.organizationId,
      conversationId: state.id,
      occurredAt: at,
    } as DomainEvent;
  }

  // ── Loading ──────────────────────────────────────────────────────────────

  /** The actor's state, loaded once from D1 the first time this conversation's actor is used. */
  private async ensure(ref: ConversationRef): Promise<ConversationState> {
    let state = this.conversation();
    if (!state) {
      await this.ctx.blockConcurrencyWhile(async () => {
        if (!this.conversation()) await this.hydrate(ref);
      });
      state = this.conversation();
    }
    if (!state || state.id !== ref.id || state.organizationId !== ref.organizationId) {
      throw new Error('Conversation not found');
    }
    return state;
  }

  /**
   * The state of a conversation intake has just created for this actor: D1 holds no message of it yet, so
   * the row intake returned is all there is to know, and reading it back from D1 is skipped.
   */
  private seeded(conversation: Conversation): ConversationState {
    if (!this.conversation()) {
      const at = (date: Date) => date.getTime();
      this.transact(() => {
        this.setMeta('conversation', {
          id: conversation.id,
          organizationId: conversation.organizationId,
          channelId: conversation.channelId,
          contactId: conversation.contactId,
          status: conversation.status,
          priority: conversation.priority,
          assignedToId: conversation.assignedToId,
          language: conversation.language,
          subject: conversation.subject,
          notes: conversation.notes,
          unreadCount: conversation.unreadCount,
          messageCount: conversation.messageCount,
          lastMessageAt: at(conversation.lastMessageAt),
          lastMessagePreview: conversation.lastMessagePreview,
          closedAt: conversation.closedAt ? at(conversation.closedAt) : null,
          createdAt: at(conversation.createdAt),
          updatedAt: at(conversation.updatedAt),
        } satisfies ConversationState);
        this.setMeta('storageVersion', STORAGE_VERSION);
      });
    }
    const state = this.conversation();
    if (!state || state.id !== conversation.id || state.organizationId !== conversation.organizationId) {
      throw new Error('Conversation not found');
    }
    return state;
  }

  private async hydrate(ref: ConversationRef): Promise<void> {
    const d1 = this.env.DB;
    const row = await d1
      .prepare(
        `SELECT c.*, ct.external_id AS visitor_id FROM conversations c JOIN contacts ct ON ct.id = c.contact_id
         WHERE c.id = ? AND c.organization_id = ?`,
      )
      .bind(ref.id, ref.organizationId)
      .first<Record<string, string | number | null>>();
    if (!row) throw new Error('Conversation not found');
    const { results } = await d1
      .prepare(
        `SELECT m.*, u.name AS sender_name FROM messages m LEFT JOIN users u ON u.id = m.sender_id
         WHERE m.conversation_id = ? ORDER BY m.seq`,
      )
      .bind(ref.id)
      .all<Record<string, string | number | null>>();
    const state: ConversationState = {
      id: String(row.id),
      organizationId: String(row.organization_id),
      channelId: String(row.channel_id),
      contactId: String(row.contact_id),
      status: row.status as ConversationState['status'],
      priority: row.priority as ConversationState['priority'],
      assignedToId: (row.assigned_to_id as string | null) ?? null,
      language: (row.language as string | null) ?? null,
      subject: (row.subject as string | null) ?? null,
      notes: (row.notes as string | null) ?? null,
      unreadCount: Number(row.unread_count),
      messageCount: Number(row.message_count),
      lastMessageAt: Number(row.last_message_at),
      lastMessagePreview: (row.last_message_preview as string | null) ?? null,
      closedAt: row.closed_at === null ? null : Number(row.closed_at),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
    this.forgetCaches();
    this.transact(() => {
      for (const m of results) {
        const message: LogMessage = {
          id: String(m.id),
          organizationId: String(m.organization_id),
          conversationId: String(m.conversation_id),
          seq: Number(m.seq),
          direction: m.direction as LogMessage['direction'],
          isNote: Boolean(m.is_note),
          senderType: m.sender_type as LogMessage['senderType'],
          senderId: (m.sender_id as string | null) ?? null,
          senderName: (m.sender_name as string | null) ?? null,
          content: String(m.content),
          originalContent: (m.original_content as string | null) ?? null,
          translatedContent: (m.translated_content as string | null) ?? null,
          language: (m.language as string | null) ?? null,
          translatedLanguage: (m.translated_language as string | null) ?? null,
          attachments: JSON.parse(String(m.attachments ?? '[]')),
          files: [],
          externalId: (m.external_id as string | null) ?? null,
          providerMessageId: (m.provider_message_id as string | null) ?? null,
          approvalStatus: m.approval_status as LogMessage['approvalStatus'],
          deliveryStatus: m.delivery_status as LogMessage['deliveryStatus'],
          citations: m.citations ? JSON.parse(String(m.citations)) : null,
          createdAt: Number(m.created_at),
          updatedAt: Number(m.updated_at),
        };
        this.sql.exec(
          'INSERT OR REPLACE INTO log (id, seq, external_id, data) VALUES (?, ?, ?, ?)',
          message.id,
          message.seq,
          dedupeKey(message.senderType, message.externalId),
          JSON.stringify(message),
        );
      }
      this.setMeta('conversation', state);
      this.setMeta('storageVersion', STORAGE_VERSION);
    });
  }

  // ── Projection into D1 ───────────────────────────────────────────────────

  /**
   * Drains the outbox into D1; drains are chained so two never interleave, and changes committed while one
   * runs share the next one (one D1 batch, one job send and one hub call for all of them).
   */
  private flush(): Promise<void> {
    if (this.nextDrain) return this.nextDrain;
    const next = this.draining.then(() => {
      this.nextDrain = null;
      return this.drain();
    });
    this.nextDrain = next;
    this.draining = next;
    return next;
  }

  private async drain(): Promise<void> {
    // Frames queued before this drain describe changes committed before it: they go with its first commit, so
    // the dashboards hear of the changes once they are in D1.
    const frames = this.hubQueue.splice(0);
    const organizationId = this.conversation()?.organizationId;
    if (!organizationId) return;
    const told = await this.drainOutbox(organizationId, frames);
    // Live updates are best effort: frames whose changes could not be written now still go out.
    if (!told && frames.length) await publishAllToHub(this.env, organizationId, frames);
  }

  /**
   * Commits the outbox through the hub, whole changes of about 100 entries at a time; whether `frames` went with a
   * commit.
   */
  private async drainOutbox(organizationId: string, frames: HubFrame[]): Promise<boolean> {
    let told = false;
    for (;;) {
      const rows = this.sql.exec<Row>('SELECT id, entry FROM outbox ORDER BY id LIMIT 100').toArray();
      if (!rows.length) {
        // The safety alarm stays: when it rings it finds nothing to drain, which costs less than cancelling
        // and scheduling it again for every message.
        if (this.meta<number>('projectionFailures')) this.setMeta('projectionFailures', 0);
        return told;
      }
      const entries: OutboxEntry[] = [];
      let lastId = 0;
      for (const row of rows) {
        if (entries.length >= DRAIN_ENTRIES) break;
        // A row holds one change's entries; rows written before changes were grouped hold a single entry.
        const stored = JSON.parse(row.entry as string) as OutboxEntry | OutboxEntry[];
        entries.push(...(Array.isArray(stored) ? stored : [stored]));
        lastId = Number(row.id);
      }
      try {
        // The hub sends jobs and events after their rows are in D1; a retried drain may send one twice, and every
        // subscriber runs once per event id.
        await this.commitDrain(organizationId, {
          entries: entries.filter((e): e is ProjectedEntry => e.kind !== 'job' && e.kind !== 'domain'),
          jobs: entries.flatMap((e): Job[] =>
            e.kind === 'job' ? [e.job] : e.kind === 'domain' ? [{ kind: 'event', event: e.event }] : [],
          ),
          frames: told ? [] : frames,
        });
        told = true;
      } catch (error) {
        await this.afterProjectionFailure(error);
        return told;
      }
      this.sql.exec('DELETE FROM outbox WHERE id <= ?', lastId);
    }
  }

  private async afterProjectionFailure(error: unknown): Promise<void> {
    const state = this.conversation();
    if (state) {
      // A deleted conversation will never accept its projection: drop it rather than retry forever.
      const exists = await this.env.DB.prepare('SELECT 1 FROM conversations WHERE id = ?')
        .bind(state.id)
        .first()
        .catch(() => true);
      if (!exists) {
        this.sql.exec('DELETE FROM outbox');
        return;
      }
    }
    await this.retryLater('projectionFailures', 'Conversation projection', error);
  }

  /** Counts a failure under `counter` and retries from the alarm with exponential backoff. */
  private async retryLater(counter: string, what: string, error: unknown): Promise<void> {
    const failures = (this.meta<number>(counter) ?? 0) + 1;
    this.setMeta(counter, failures);
    console.error(`${what} failed (attempt ${failures}), retrying from the alarm:`, error);
    this.alarmAt = Date.now() + Math.min(MAX_BACKOFF_MS, 500 * 2 ** failures);
    await this.ctx.storage.setAlarm(this.alarmAt);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (this.pendingSize() > 0) await this.settlePending();
    await this.flush();
  }

  /** Changes whose outbox entries are not yet in D1 (0 once D1 has converged). */
  async pendingProjections(): Promise<number> {
    return this.outboxSize();
  }

  // ── Live fan-out ─────────────────────────────────────────────────────────

  private visitorSockets(except?: WebSocket): WebSocket[] {
    return this.ctx.getWebSockets('visitor').filter((ws) => ws !== except);
  }

  private send(ws: WebSocket, frame: VisitorServerFrame): void {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // The socket closed between listing and sending; the client resyncs on reconnect.
    }
  }

  private toVisitors(frame: VisitorServerFrame, except?: WebSocket): void {
    for (const ws of this.visitorSockets(except)) this.send(ws, frame);
  }

  private async toHub(organizationId: string, frame: HubFrame): Promise<void> {
    await publishToHub(this.env, organizationId, frame);
  }

  // ── Messages ─────────────────────────────────────────────────────────────

  /**
   * Appends a message (or returns the one already stored under the same external id), persists it,
   * fans it out, and projects it into D1 before returning.
   */
  async append(
    ref: ConversationRef,
    draft: NewMessage,
  ): Promise<{ message: LogMessage; conversation: ConversationState; duplicate: boolean }> {
    return this.appendFrom(ref, draft);
  }

  private async appendFrom(ref: ConversationRef, draft: NewMessage, sender?: WebSocket) {
    // The visitor's first messages waiting for intake come first: they were acked before this one arrived.
    if (!this.conversation() && this.pendingSize() > 0) await this.settlePending();
    const result = this.record(await this.ensure(ref), draft, { sender });
    await this.afterRecord(result);
    return result;
  }

  /** Projects what record() stored and tells the dashboards (a duplicate: whatever is still pending). */
  private async afterRecord(result: Recorded) {
    if (!result.duplicate) await this.publish(result.message, result.conversation);
    else if (this.outboxSize() > 0) await this.flush();
  }

  /**
   * Stores a message in the actor (durable once this returns) and shows it to the visitor; an inbound
   * message carries its `message.accepted` follow-up in the same transaction, so the job cannot be lost.
   */
  private record(
    state: ConversationState,
    draft: NewMessage,
    how: {
      /** The socket it came from (it gets an ack, not the message). */
      sender?: WebSocket;
      /** The contact wrote it live: record when they were last seen (intake does it on the other roads). */
      seen?: boolean;
      /** The visitor's sockets were shown it already (a first message acked before intake). */
      shown?: boolean;
    } = {},
  ): Recorded {
    const { sender, seen = false, shown = false } = how;
    const key = dedupeKey(draft.senderType, draft.externalId);
    if (key) {
      const [row] = this.sql.exec<Row>('SELECT id FROM log WHERE external_id = ?', key).toArray();
      if (row) return { message: this.message(String(row.id))!, conversation: state, duplicate: true };
    }
    const now = Date.now();
    const createdAt = draft.createdAt ?? now;
    const inbound = draft.direction === 'INBOUND';
    const language = inbound ? inboundLanguage(draft, state.language) : null;
    const message: LogMessage = {
      id: draft.id ?? crypto.randomUUID(),
      organizationId: state.organizationId,
      conversationId: state.id,
      seq: this.lastSeq() + 1,
      direction: draft.direction,
      isNote: draft.isNote ?? false,
      senderType: draft.senderType,
      senderId: draft.senderId ?? null,
      senderName: draft.senderName ?? null,
      content: draft.content,
      originalContent: draft.originalContent ?? null,
      translatedContent: draft.translatedContent ?? null,
      language: language ? language.message : (draft.language ?? null),
      translatedLanguage: null,
      attachments: draft.attachments ?? [],
      files: draft.files ?? [],
      externalId: draft.externalId ?? null,
      approvalStatus: draft.approvalStatus ?? 'NONE',
      deliveryStatus: draft.direction === 'INBOUND' ? 'DELIVERED' : 'NOT_SENT',
      citations: draft.citations ?? null,
      createdAt,
      updatedAt: now,
    };
    const conversation: ConversationState = {
      ...state,
      language: language ? language.conversation : state.language,
      messageCount: state.messageCount + 1,
      unreadCount: inbound ? state.unreadCount + 1 : state.unreadCount,
      // A customer answering a conversation that waited on them puts it back in front of the team.
      status: inbound && state.status === 'PENDING' ? 'OPEN' : state.status,
      lastMessageAt: message.isNote ? state.lastMessageAt : Math.max(state.lastMessageAt, createdAt),
      // The list shows what was last said in the thread: a note, or a reply held for approval (an AI draft, a
      // reply awaiting translation), leaves the preview alone until it is approved (approve sets it then).
      lastMessagePreview:
        message.isNote || message.approvalStatus === 'PENDING' ? state.lastMessagePreview : previewOf(message.content),
      updatedAt: now,
    };
    const about = { messageId: message.id, channelId: state.channelId };
    const domain: DomainEvent[] = [];
    if (state.messageCount === 0) {
      domain.push(
        this.event(
          state,
          {
            type: 'conversation.opened',
            channelId: state.channelId,
            contactId: state.contactId,
            actor: actorOf(message),
          },
          now,
        ),
      );
    }
    domain.push(
      this.event(
        state,
        inbound
          ? {
              type: 'message.accepted',
              ...about,
              first: state.messageCount === 0,
              language: message.language,
              actor: actorOf(message),
            }
          : {
              type: 'message.posted',
              ...about,
              actor: actorOf(message),
              senderType: message.senderType,
              isNote: message.isNote,
              approvalStatus: message.approvalStatus,
              awaitingTranslation: draft.awaitingTranslation ?? false,
              ...(message.isNote && draft.mentions?.length ? { mentions: draft.mentions } : {}),
            },
        now,
      ),
    );
    this.commit({
      messages: [message],
      conversation,
      domain,
      seen: seen && this.seenDue(message.createdAt) ? { contactId: state.contactId, at: message.createdAt } : undefined,
    });
    if (isVisibleToVisitor(message) && !shown) this.showToVisitors(message, sender);
    return { message, conversation, duplicate: false };
  }

  /** Projects a recorded message into D1 and tells the organisation's dashboards. */
  private async publish(message: LogMessage, conversation: ConversationState): Promise<void> {
    this.hubQueue.push({
      type: 'message.created',
      conversationId: conversation.id,
      message: toApiMessage(message),
      conversation: toApiConversation(conversation),
    });
    await this.flush();
  }

  /** The message a sender of this kind already stored under this external id, if any. */
  async findByExternalId(
    ref: ConversationRef,
    senderType: LogMessage['senderType'],
    externalId: string,
  ): Promise<LogMessage | null> {
    await this.ensure(ref);
    const key = dedupeKey(senderType, externalId);
    const [row] = this.sql.exec<Row>('SELECT id FROM log WHERE external_id = ?', key).toArray();
    return row ? this.message(String(row.id)) : null;
  }

  async getMessage(ref: ConversationRef, messageId: string): Promise<LogMessage | null> {
    await this.ensure(ref);
    return this.message(messageId);
  }

  /** What a visitor may see after `afterSeq`: never notes, never unapproved drafts. */
  async publicHistory(ref: ConversationRef, afterSeq = 0): Promise<PublicMessage[]> {
    const state = await this.ensure(ref);
    return this.forVisitor(state.channelId, this.messages(afterSeq).filter(isVisibleToVisitor));
  }

  /** Messages as the visitor sees them, with freshly signed links to their files. */
  private forVisitor(channelId: string, messages: LogMessage[]): Promise<PublicMessage[]> {
    return withVisitorLinks(this.env.SESSION_SECRET, channelId, messages.map(toPublicMessage));
  }

  /**
   * Pushes a message to the visitor's sockets. A message without files goes out at once (record() stays
   * synchronous); one with files waits for its signed links (the widget orders messages by seq).
   */
  private showToVisitors(message: LogMessage, except?: WebSocket): void {
    const channelId = this.conversation()?.channelId ?? this.meta<SocketBinding>('binding')?.channelId;
    if (!message.files.length || !channelId) {
      this.toVisitors({ type: 'message', message: toPublicMessage(message) }, except);
      return;
    }
    this.forVisitor(channelId, [message])
      .then(([shown]) => this.toVisitors({ type: 'message', message: shown! }, except))
      .catch((error) => console.error('Could not sign the links of a message for the visitor:', error));
  }

  /**
   * Approves, rejects, or approves-with-the-original a PENDING message. Approving a draft rejects every
   * older draft still pending in this conversation: the newest answer wins.
   */
  async decide(
    ref: ConversationRef,
    messageId: string,
    decision: Decision,
    by: ChangedBy = {},
    /** Approve with the agent's edit: it is what the customer gets; the draft as written stays in originalContent. */
    editedContent?: string,
  ): Promise<DecisionResult> {
    const state = await this.ensure(ref);
    const target = this.message(messageId);
    if (!target) return { ok: false, reason: 'NOT_FOUND' };
    if (target.approvalStatus !== 'PENDING') return { ok: false, reason: 'NOT_PENDING' };
    const now = Date.now();
    if (decision === 'reject') {
      const rejected = { ...target, approvalStatus: 'REJECTED' as const, updatedAt: now };
      const event = this.event(
        state,
        {
          type: 'message.rejected',
          messageId,
          channelId: state.channelId,
          senderType: target.senderType,
          actor: userActor(by),
        },
        now,
      );
      this.commit({ messages: [rejected], domain: [event] });
      await this.announceUpdates(state, [rejected]);
      return { ok: true, message: rejected, rejectedIds: [] };
    }
    const older = this.messages()
      .filter((m) => m.seq < target.seq && m.approvalStatus === 'PENDING')
      .map((m) => ({ ...m, approvalStatus: 'REJECTED' as const, updatedAt: now }));
    const edited = decision === 'approve' && editedContent !== undefined && editedContent !== target.content;
    const approved: LogMessage = {
      ...target,
      approvalStatus: 'APPROVED',
      content: edited
        ? editedContent
        : decision === 'send-original' && target.originalContent
          ? target.originalContent
          : target.content,
      originalContent: edited ? (target.originalContent ?? target.content) : target.originalContent,
      updatedAt: now,
    };
    this.commit({
      messages: [...older, approved],
      conversation: { ...state, lastMessagePreview: previewOf(approved.content), updatedAt: now },
      domain: [
        ...older.map((m) =>
          this.event(
            state,
            {
              type: 'message.rejected',
              messageId: m.id,
              channelId: state.channelId,
              senderType: m.senderType,
              actor: userActor(by),
            },
            now,
          ),
        ),
        this.event(
          state,
          {
            type: 'message.approved',
            edited,
            messageId,
            channelId: state.channelId,
            senderType: target.senderType,
            actor: userActor(by),
          },
          now,
        ),
      ],
    });
    if (isVisibleToVisitor(approved)) this.showToVisitors(approved);
    await this.announceUpdates(state, [...older, approved]);
    return { ok: true, message: approved, rejectedIds: older.map((m) => m.id) };
  }

  /** Records what the channel did with an outbound message, as its delivery status and an event. */
  async recordDelivery(
    ref: ConversationRef,
    messageId: string,
    status: LogMessage['deliveryStatus'],
    detail: string | null = null,
    options: DeliveryOptions = {},
  ): Promise<LogMessage | null> {
    const state = await this.ensure(ref);
    const message = this.message(messageId);
    if (!message) return null;
    // Receipts arrive late and out of order: a state never goes backwards (read stays read).
    if (options.receipt && !receiptAdvances(message.deliveryStatus, status)) return message;
    const now = Date.now();
    const updated: LogMessage = {
      ...message,
      deliveryStatus: status,
      providerMessageId: options.providerMessageId ?? message.providerMessageId ?? null,
      updatedAt: now,
    };
    const event: ProjectedEvent = {
      id: crypto.randomUUID(),
      organizationId: state.organizationId,
      messageId,
      type: status,
      detail,
      createdAt: now,
    };
    const domain = DELIVERY_EVENTS[status]
      ? [
          this.event(
            state,
            { type: DELIVERY_EVENTS[status], messageId, channelId: state.channelId, detail, actor: { type: 'SYSTEM' } },
            now,
          ),
        ]
      : [];
    this.commit({ messages: [updated], events: [event], domain });
    await this.announceUpdates(state, [updated]);
    return updated;
  }

  /**
   * Notes something that happened to a message without changing it (e.g. a translation that failed). The
   * event id is the caller's, so recording the same event twice keeps one.
   */
  async recordEvent(
    ref: ConversationRef,
    messageId: string,
    event: Pick<ProjectedEvent, 'id' | 'type' | 'detail'>,
  ): Promise<LogMessage | null> {
    const state = await this.ensure(ref);
    const message = this.message(messageId);
    if (!message) return null;
    this.commit({ events: [{ ...event, organizationId: state.organizationId, messageId, createdAt: Date.now() }] });
    await this.announceUpdates(state, [message]);
    return message;
  }

  /** Translation and AI write their results onto an existing message through here. */
  async patchMessage(ref: ConversationRef, messageId: string, patch: MessagePatch): Promise<LogMessage | null> {
    const state = await this.ensure(ref);
    const message = this.message(messageId);
    if (!message) return null;
    const updated: LogMessage = { ...message, ...patch, updatedAt: Date.now() };
    this.commit({ messages: [updated] });
    await this.announceUpdates(state, [updated]);
    return updated;
  }

  /** Projects the committed change into D1, then tells the org's dashboards about messages whose state changed. */
  private async announceUpdates(state: ConversationState, updated: LogMessage[]): Promise<void> {
    for (const message of updated) {
      this.hubQueue.push({ type: 'message.updated', conversationId: state.id, message: toApiMessage(message) });
    }
    await this.flush();
  }

  // ── Conversation state ───────────────────────────────────────────────────

  async state(ref: ConversationRef): Promise<ConversationState> {
    return this.ensure(ref);
  }

  /** Status, priority, assignment, language, notes. Closing stamps closedAt; reopening clears it. */
  async update(ref: ConversationRef, patch: ConversationPatch, by: ChangedBy = {}): Promise<ConversationState> {
    const state = await this.ensure(ref);
    const now = Date.now();
    const next: ConversationState = { ...state, ...patch, updatedAt: now };
    const actor = userActor(by);
    const domain: DomainEvent[] = [];
    if (patch.status && patch.status !== state.status) {
      const closing = patch.status === 'CLOSED' || patch.status === 'ARCHIVED';
      next.closedAt = closing ? (state.closedAt ?? now) : null;
      domain.push(
        this.event(
          state,
          {
            type: 'conversation.status_changed',
            channelId: state.channelId,
            from: state.status,
            to: patch.status,
            actor,
          },
          now,
        ),
      );
    }
    if (patch.assignedToId !== undefined && patch.assignedToId !== state.assignedToId) {
      domain.push(
        this.event(
          state,
          {
            type: 'conversation.assigned',
            channelId: state.channelId,
            assignedToId: patch.assignedToId,
            previousAssigneeId: state.assignedToId,
            actor,
          },
          now,
        ),
      );
    }
    if (patch.priority && patch.priority !== state.priority) {
      domain.push(
        this.event(
          state,
          {
            type: 'conversation.priority_changed',
            channelId: state.channelId,
            from: state.priority,
            to: patch.priority,
            actor,
          },
          now,
        ),
      );
    }
    const saved = await this.saveState(next, domain);
    const resolved = (status: string) => status === 'CLOSED' || status === 'ARCHIVED';
    // The visitor's widget shows the "Conversation resolved" divider and offers a rating at once.
    if (resolved(next.status) && !resolved(state.status))
      this.toVisitors({ type: 'resolved', conversationId: state.id });
    return saved;
  }

  async markRead(ref: ConversationRef): Promise<ConversationState> {
    const state = await this.ensure(ref);
    const next = await this.saveState({ ...state, unreadCount: 0, updatedAt: Date.now() });
    this.toVisitors({ type: 'read', upToSeq: this.lastSeq() });
    return next;
  }

  async markUnread(ref: ConversationRef): Promise<ConversationState> {
    const state = await this.ensure(ref);
    return this.saveState({ ...state, unreadCount: Math.max(1, state.unreadCount), updatedAt: Date.now() });
  }

  private async saveState(next: ConversationState, domain: DomainEvent[] = []): Promise<ConversationState> {
    this.commit({ conversation: next, domain });
    this.hubQueue.push({
      type: 'conversation.updated',
      conversationId: next.id,
      conversation: toApiConversation(next),
    });
    await this.flush();
    return next;
  }

  /** An agent typing in the dashboard, forwarded by the org hub to the visitor. */
  async agentTyping(ref: ConversationRef, isTyping: boolean): Promise<void> {
    await this.ensure(ref);
    this.toVisitors({ type: 'typing', isTyping });
  }

  /**
   * Runs a CLIENT_SIDE tool in the visitor's page: sends `tool_call` to the visitor's sockets and waits
   * (at most 5 s) for the first `tool_result`.
   */
  async callClientTool(
    ref: ConversationRef,
    call: { callId: string; name: string; arguments: unknown },
    timeoutMs = TOOL_TIMEOUT_MS,
  ): Promise<{ result?: unknown; error?: string }> {
    await this.ensure(ref);
    const sockets = this.visitorSockets();
    if (!sockets.length) return { error: 'The visitor is not connected' };
    const outcome = new Promise<{ result?: unknown; error?: string }>((resolve) => {
      const timer = setTimeout(() => {
        this.toolCalls.delete(call.callId);
        resolve({ error: `The visitor's page did not answer within ${timeoutMs} ms` });
      }, timeoutMs);
      this.toolCalls.set(call.callId, (result) => {
        clearTimeout(timer);
        this.toolCalls.delete(call.callId);
        resolve(result);
      });
    });
    for (const ws of sockets) this.send(ws, { type: 'tool_call', ...call });
    return outcome;
  }

  /** The conversation was deleted: forget everything, stop retrying, close the sockets. */
  async destroy(): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) ws.close(4004, 'Conversation deleted');
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.alarmAt = null;
    this.forgetCaches();
  }

  // ── Widget sockets ───────────────────────────────────────────────────────

  override async fetch(request: Request): Promise<Response> {
    const raw = request.headers.get(BINDING_HEADER);
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket' || !raw) {
      return new Response('Expected a WebSocket upgrade', { status: 426 });
    }
    const binding = JSON.parse(raw) as SocketBinding;
    if (!this.conversation()) this.setMeta('binding', binding);
    const history = [
      ...(binding.exists
        ? await this.publicHistory({ id: binding.conversationId, organizationId: binding.organizationId })
        : []),
      ...this.pendingMessages(),
    ];
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, ['visitor']);
    server.serializeAttachment({ visitorId: binding.visitorId, ip: binding.ip } satisfies SocketInfo);
    this.send(server, {
      type: 'history',
      conversationId: this.conversation()?.id ?? null,
      messages: history,
    });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
    } catch {
      return this.send(ws, { type: 'error', message: 'Frames must be JSON' });
    }
    switch (frame.type) {
      case 'message':
        return this.visitorMessage(ws, frame);
      case 'sync': {
        const state = this.conversation();
        const afterSeq = Number(frame.afterSeq ?? 0) || 0;
        const messages = [
          ...(state ? await this.publicHistory(state, afterSeq) : []),
          ...this.pendingMessages(afterSeq),
        ];
        return this.send(ws, { type: 'history', conversationId: state?.id ?? null, messages });
      }
      case 'typing': {
        const state = this.conversation();
        if (state) {
          await this.toHub(state.organizationId, {
            type: 'typing',
            conversationId: state.id,
            isTyping: frame.isTyping === true,
          });
        }
        return;
      }
      case 'tool_result': {
        const resolve = this.toolCalls.get(String(frame.callId));
        resolve?.(frame.error !== undefined ? { error: String(frame.error) } : { result: frame.result });
        return;
      }
      case 'read':
        // Visitor read receipts are not tracked yet; the frame is part of the protocol, so it is accepted.
        return;
      default:
        return this.send(ws, { type: 'error', message: `Unknown frame type "${String(frame.type)}"` });
    }
  }

  private async visitorMessage(ws: WebSocket, frame: Record<string, unknown>): Promise<void> {
    const clientMessageId = typeof frame.clientMessageId === 'string' ? frame.clientMessageId : null;
    const content = typeof frame.content === 'string' ? frame.content.trim() : '';
    const attachments: unknown[] = Array.isArray(frame.attachments) ? frame.attachments : [];
    if (
      !clientMessageId ||
      clientMessageId.length > MAX_ID_LENGTH ||
      (!content && !attachments.length) ||
      content.length > 10_000 ||
      attachments.length > MAX_VISITOR_ATTACHMENTS ||
      !attachments.every((a): a is string => typeof a === 'string' && a.length > 0 && a.length <= MAX_ID_LENGTH)
    ) {
      return this.send(ws, {
        type: 'error',
        message:
          'A message needs a clientMessageId (≤ 100 characters), 1 to 10,000 characters of content or files, and at most 10 file ids',
        clientMessageId,
      });
    }
    const socket = ws.deserializeAttachment() as SocketInfo;
    // A first message that intake must check against D1 (files, a required email) reads its channel while the
    // limits are checked: a read only, nothing is stored before the limits allow the message.
    const early =
      this.conversation() || this.firstMayWait(attachments)
        ? null
        : this.channelOf(this.meta<SocketBinding>('binding'));
    if (!(await visitorMessageAllowed(this.env, { visitorId: socket.visitorId, ip: socket.ip ?? 'unknown' }))) {
      return this.send(ws, {
        type: 'error',
        message: 'Too many messages, slow down and try again shortly',
        clientMessageId,
      });
    }
    const binding = this.meta<SocketBinding>('binding');
    if (!this.conversation() && this.firstMayWait(attachments)) {
      return this.visitorFirstMessage(ws, clientMessageId, content);
    }
    // Anything else comes after the first messages already acked: intake takes them first.
    if (!this.conversation() && this.pendingSize() > 0) await this.settlePending();
    if (!this.conversation() && this.pendingSize() > 0) {
      return this.send(ws, { type: 'error', message: 'The message could not be sent', clientMessageId });
    }
    const state = this.conversation();
    if (state && (state.status === 'OPEN' || state.status === 'PENDING') && !attachments.length) {
      return this.visitorMessageFast(ws, state, clientMessageId, content);
    }
    const organizationId = state?.organizationId ?? binding?.organizationId;
    const channelId = state?.channelId ?? binding?.channelId;
    const { visitorId } = socket;
    if (!organizationId || !channelId) return this.send(ws, { type: 'error', message: 'Unknown conversation' });
    let recorded: Recorded | null = null;
    try {
      const db = this.db();
      // A visitor attaches only files they uploaded or that were sent to them.
      await assertVisitorMayAttach(db, { organizationId, channelId, visitorId }, attachments as string[]);
      const { conversation, created, draft } = await intake(
        this.env,
        db,
        {
          organizationId,
          channelId,
          externalContactId: visitorId,
          externalMessageId: clientMessageId,
          content,
          attachments: attachments as string[],
        },
        { announce: false, channel: await early },
      );
      const ref = { id: conversation.id, organizationId };
      const own = conversation.id === (state?.id ?? binding?.conversationId);
      if (created) {
        // The dashboards hear of a new conversation just before its first message: for this actor's own, in
        // the same hub call after the ack (not on the visitor's wait); for another actor's, before it stores it.
        const announced: HubFrame = { type: 'conversation.created', conversationId: conversation.id, conversation };
        if (own) this.hubQueue.push(announced);
        else await publishToHub(this.env, organizationId, announced);
      }
      // This actor's own conversation: acked once stored here, projected into D1 afterwards (the outbox
      // guarantees it), as on the fast path. Another actor's: acked once it stored and projected it.
      recorded = own
        ? this.record(created ? this.seeded(conversation) : await this.ensure(ref), draft, { sender: ws })
        : null;
      const result = recorded ?? (await this.peer(conversation.id).append(ref, draft));
      const [shown] = await this.forVisitor(channelId, [result.message]);
      this.send(ws, { type: 'ack', clientMessageId, message: shown! });
      if (result.conversation.id !== (this.conversation()?.id ?? binding?.conversationId)) {
        // The visitor's last conversation was closed and a new one started on another actor: reconnect there.
        ws.close(4001, 'Conversation moved');
      }
    } catch (error) {
      // Refusals (an unknown file, an unknown channel) are said as they are; anything else is masked.
      if (!(error instanceof DomainError)) console.error('Visitor message failed:', error);
      this.send(ws, {
        type: 'error',
        message: error instanceof DomainError ? error.message : 'The message could not be sent',
        clientMessageId,
      });
    }
    if (recorded) await this.afterRecord(recorded);
  }

  /**
   * A visitor writing into the open conversation this actor already holds: the actor knows the contact and
   * the conversation, so the message is acked as soon as it is stored here, and D1 and the dashboards hear
   * of it afterwards (the outbox guarantees D1 gets it). Attachments and first or reopening messages take
   * the full pipeline, which checks media and finds or opens the conversation in D1.
   */
  private async visitorMessageFast(
    ws: WebSocket,
    state: ConversationState,
    clientMessageId: string,
    content: string,
  ): Promise<void> {
    const result = this.record(
      state,
      {
        direction: 'INBOUND',
        senderType: 'CONTACT',
        senderId: state.contactId,
        senderName: this.contactName(),
        content,
        externalId: clientMessageId,
      },
      { sender: ws, seen: true },
    );
    this.send(ws, { type: 'ack', clientMessageId, message: toPublicMessage(result.message) });
    if (result.duplicate) {
      if (this.outboxSize() > 0) await this.flush();
      return;
    }
    await this.publish(result.message, result.conversation);
  }

  /**
   * Whether a message to this actor, which holds no conversation yet, may be acked before intake gives it one:
   * text only (files are checked against D1 first) from a visitor the pre-chat form lets start as they are.
   */
  private firstMayWait(attachments: unknown[]): boolean {
    const binding = this.meta<SocketBinding>('binding');
    return !attachments.length && binding?.exists === false && binding.emailRequired === false;
  }

  /**
   * A visitor's first message (or a later one while intake has not run yet): stored here and acked without
   * waiting for D1, then handed to intake, which finds or creates the contact's conversation in D1 and records
   * the waiting messages into it in the order they were acked, under the ids and seqs the visitor was given.
   * Stored with the safety alarm, so a crash before intake still gets it there with no further traffic.
   */
  private async visitorFirstMessage(ws: WebSocket, clientMessageId: string, content: string): Promise<void> {
    const [known] = this.sql.exec<Row>('SELECT data FROM pending WHERE client_id = ?', clientMessageId).toArray();
    let message: PublicMessage;
    if (known) message = JSON.parse(known.data as string) as PublicMessage;
    else {
      message = {
        id: crypto.randomUUID(),
        seq: this.lastSeq() + this.pendingSize() + 1,
        direction: 'INBOUND',
        senderType: 'CONTACT',
        senderName: null,
        content,
        attachments: [],
        clientMessageId,
        createdAt: new Date().toISOString(),
      };
      this.sql.exec(
        'INSERT INTO pending (client_id, seq, data) VALUES (?, ?, ?)',
        clientMessageId,
        message.seq,
        JSON.stringify(message),
      );
      this.pendingCache = this.pendingSize() + 1;
      this.armSafetyAlarm();
      this.toVisitors({ type: 'message', message }, ws);
    }
    this.send(ws, { type: 'ack', clientMessageId, message });
    await this.settlePending();
  }

  /** Runs intake for the pending first messages; calls while one runs share it. */
  private settlePending(): Promise<void> {
    this.settling ??= this.intakePending().finally(() => {
      this.settling = null;
    });
    return this.settling;
  }

  private async intakePending(): Promise<void> {
    while (this.pendingSize() > 0) {
      const binding = this.meta<SocketBinding>('binding');
      const [head] = this.pendingMessages();
      if (!binding || !head) return;
      const { organizationId, channelId } = binding;
      let taken: Awaited<ReturnType<typeof intake>>;
      let state: ConversationState | null = null;
      try {
        taken = await this.runIntake(
          this.env,
          this.db(),
          {
            organizationId,
            channelId,
            externalContactId: binding.visitorId,
            externalMessageId: head.clientMessageId,
            content: head.content,
            receivedAt: new Date(head.createdAt),
          },
          { announce: false },
        );
        const { conversation, created } = taken;
        const own = conversation.id === binding.conversationId;
        if (own) state = created ? this.seeded(conversation) : await this.ensure(conversation);
        else await this.movePending(taken);
      } catch (error) {
        if (error instanceof DomainError) return this.refusePending(error);
        return this.retryLater('intakeFailures', "Intake of a visitor's first message", error);
      }
      if (this.meta<number>('intakeFailures')) this.setMeta('intakeFailures', 0);
      if (!state) continue;
      const { conversation, created, draft } = taken;
      if (created) this.hubQueue.push({ type: 'conversation.created', conversationId: conversation.id, conversation });
      // From here to the end of the loop nothing is awaited: every message acked so far is recorded in order,
      // and the storage writes each record together with the removal of its pending copy.
      const recorded: Recorded[] = [];
      for (const waiting of this.pendingMessages()) {
        // Shown again only when it lands under another seq than acked (another road wrote first).
        const shown = waiting.seq === this.lastSeq() + 1;
        const result = this.record(state, pendingDraft(draft, waiting), { shown });
        this.deletePending(waiting.clientMessageId!);
        recorded.push(result);
        state = result.conversation;
      }
      await Promise.all(recorded.map((result) => this.afterRecord(result)));
    }
  }

  /**
   * The contact's conversation is another actor's (one was opened elsewhere meanwhile): the waiting messages go
   * there under the same ids, and the visitor's sockets are told to reconnect to it.
   */
  private async movePending({ conversation, created, draft }: Awaited<ReturnType<typeof intake>>): Promise<void> {
    const { organizationId } = conversation;
    if (created) {
      await publishToHub(this.env, organizationId, {
        type: 'conversation.created',
        conversationId: conversation.id,
        conversation,
      });
    }
    for (const waiting of this.pendingMessages()) {
      await this.peer(conversation.id).append({ id: conversation.id, organizationId }, pendingDraft(draft, waiting));
      this.deletePending(waiting.clientMessageId!);
    }
    for (const ws of this.visitorSockets()) ws.close(4001, 'Conversation moved');
  }

  private deletePending(clientMessageId: string): void {
    this.sql.exec('DELETE FROM pending WHERE client_id = ?', clientMessageId);
    this.pendingCache = null;
  }

  /**
   * Intake refused the messages (the channel was removed, or its pre-chat form now wants an email, since the
   * socket opened): nothing can take them, so the visitor is told for each and they are dropped.
   */
  private refusePending(error: DomainError): void {
    for (const m of this.pendingMessages()) {
      this.toVisitors({ type: 'error', message: error.message, clientMessageId: m.clientMessageId });
      this.deletePending(m.clientMessageId!);
    }
    console.warn("Intake refused a visitor's first messages:", error.message);
  }

  /** The binding's channel, or null when it cannot be read now (intake then reads it and says why). */
  private channelOf(binding: SocketBinding | null | undefined): Promise<Channel | null> {
    if (!binding) return Promise.resolve(null);
    return loadChannel(this.db(), binding.organizationId, binding.channelId).catch(() => null);
  }

  /** Another conversation's actor (the visitor's next conversation after this one closed). */
  private peer(conversationId: string): DurableObjectStub<ConversationActor> {
    const namespace = this.env.CONVERSATIONS as DurableObjectNamespace<ConversationActor>;
    return namespace.get(namespace.idFromName(conversationId));
  }

  /** The name the contact's latest message was stored under (the widget sends no name with a message). */
  private contactName(): string | null {
    if (!this.contactCache) {
      const [row] = this.sql
        .exec<Row>(
          "SELECT seq, data FROM log WHERE json_extract(data, '$.direction') = 'INBOUND' ORDER BY seq DESC LIMIT 1",
        )
        .toArray();
      this.contactCache = row
        ? { seq: Number(row.seq), name: (JSON.parse(row.data as string) as LogMessage).senderName ?? null }
        : { seq: 0, name: null };
    }
    return this.contactCache.name;
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'Closing');
    } catch {
      // Already closed.
    }
  }
}

export interface DeliveryOptions {
  /** The channel's id for the sent message, kept so its receipts can find it. */
  providerMessageId?: string | null;
  /** A provider's receipt (delivered, read, failed) rather than our own send attempt. */
  receipt?: boolean;
}

const RECEIPT_RANK: Record<LogMessage['deliveryStatus'], number> = {
  NOT_SENT: 0,
  QUEUED: 1,
  SENT: 2,
  FAILED: 3,
  DELIVERED: 4,
  READ: 5,
};

/** A receipt moves a message forward only: FAILED can follow SENT, nothing follows READ. */
function receiptAdvances(current: LogMessage['deliveryStatus'], next: LogMessage['deliveryStatus']): boolean {
  return RECEIPT_RANK[next] > RECEIPT_RANK[current];
}

const DELIVERY_EVENTS: Partial<
  Record<LogMessage['deliveryStatus'], 'message.sent' | 'message.delivered' | 'message.read' | 'message.failed'>
> = { SENT: 'message.sent', DELIVERED: 'message.delivered', READ: 'message.read', FAILED: 'message.failed' };

/**
 * A customer message's language, settled as it is stored (one projection, no later patch): detected from its
 * text, else the conversation's, else what the channel said of the contact. A detected language the
 * conversation did not have becomes the conversation's. When none of these tells it, the message stays
 * without one and the translation subscriber tries the channel's fallback language (events/translation.ts).
 */
function inboundLanguage(
  draft: NewMessage,
  conversationLanguage: string | null,
): { message: string | null; conversation: string | null } {
  const current = primaryLanguage(conversationLanguage);
  const guess = messageLanguage(draft.content, { conversationLanguage: current });
  if (!guess.language) return { message: draft.language ?? null, conversation: conversationLanguage };
  const adopt = !current || (guess.detected && guess.language !== current);
  return { message: guess.language, conversation: adopt ? guess.language : conversationLanguage };
}

/** A first message acked before intake, as its conversation's actor records it (intake's draft gives the sender). */
function pendingDraft(draft: NewMessage, acked: PublicMessage): NewMessage {
  return {
    ...draft,
    id: acked.id,
    content: acked.content,
    externalId: acked.clientMessageId,
    createdAt: Date.parse(acked.createdAt),
  };
}

function actorOf(message: LogMessage): DomainEvent['actor'] {
  switch (message.senderType) {
    case 'CONTACT':
      return { type: 'CONTACT', id: message.senderId };
    case 'AGENT':
      return { type: 'USER', id: message.senderId };
    case 'AI':
      return { type: 'AI' };
    default:
      return { type: 'SYSTEM' };
  }
}

function userActor(by: ChangedBy): DomainEvent['actor'] {
  return by.userId ? { type: 'USER', id: by.userId } : { type: 'SYSTEM' };
}
