// Turns the actor's outbox entries into idempotent D1 statements: replaying an entry that D1 already
// has changes nothing, so the actor can retry a whole batch after any failure.
import type { MessageEvent } from '../db/schema';
import type { DomainEvent } from '../events/types';
import type { Job } from '../jobs/types';
import type { HubFrame } from './frames';
import type { ConversationState, LogMessage } from './log';

export interface ProjectedEvent {
  id: string;
  organizationId: string;
  messageId: string;
  type: MessageEvent['type'];
  detail: string | null;
  createdAt: number;
}

export type OutboxEntry =
  | { kind: 'message'; message: LogMessage }
  | { kind: 'event'; event: ProjectedEvent }
  | { kind: 'conversation'; conversation: ConversationState }
  /** The contact wrote at `at` (contacts.last_seen_at; only a batch's newest is written). */
  | { kind: 'seen'; contactId: string; organizationId: string; at: number }
  /** A follow-up job, sent once the batch it came with is in D1 (so the job finds its rows). */
  | { kind: 'job'; job: Job }
  /** A domain event, sent to the subscribers once the batch it came with is in D1. */
  | { kind: 'domain'; event: DomainEvent };

export type ProjectedEntry = Exclude<OutboxEntry, { kind: 'job' } | { kind: 'domain' }>;

const UPSERT_MESSAGE = `INSERT INTO messages (id, organization_id, conversation_id, seq, direction, is_note, sender_type,
  sender_id, content, original_content, translated_content, language, translated_language, attachments, external_id,
  provider_message_id, approval_status, delivery_status, citations, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET content = excluded.content, original_content = excluded.original_content,
  translated_content = excluded.translated_content, language = excluded.language,
  translated_language = excluded.translated_language, attachments = excluded.attachments,
  provider_message_id = excluded.provider_message_id,
  approval_status = excluded.approval_status, delivery_status = excluded.delivery_status,
  citations = excluded.citations, updated_at = excluded.updated_at`;

const INSERT_EVENT = `INSERT OR IGNORE INTO message_events (id, organization_id, message_id, type, detail, created_at)
  VALUES (?, ?, ?, ?, ?, ?)`;

const UPDATE_CONVERSATION = `UPDATE conversations SET status = ?, priority = ?, assigned_to_id = ?, language = ?,
  notes = ?, unread_count = ?, message_count = ?, last_message_at = ?, last_message_preview = ?, closed_at = ?,
  updated_at = ? WHERE id = ? AND organization_id = ?`;

const UPDATE_LAST_SEEN = 'UPDATE contacts SET last_seen_at = ? WHERE id = ? AND organization_id = ?';

function statement(d1: D1Database, entry: ProjectedEntry): D1PreparedStatement {
  switch (entry.kind) {
    case 'message': {
      const m = entry.message;
      return d1
        .prepare(UPSERT_MESSAGE)
        .bind(
          m.id,
          m.organizationId,
          m.conversationId,
          m.seq,
          m.direction,
          m.isNote ? 1 : 0,
          m.senderType,
          m.senderId,
          m.content,
          m.originalContent,
          m.translatedContent,
          m.language,
          m.translatedLanguage,
          JSON.stringify(m.attachments),
          m.externalId,
          m.providerMessageId ?? null,
          m.approvalStatus,
          m.deliveryStatus,
          m.citations ? JSON.stringify(m.citations) : null,
          m.createdAt,
          m.updatedAt,
        );
    }
    case 'event': {
      const e = entry.event;
      return d1.prepare(INSERT_EVENT).bind(e.id, e.organizationId, e.messageId, e.type, e.detail, e.createdAt);
    }
    case 'conversation': {
      const c = entry.conversation;
      return d1
        .prepare(UPDATE_CONVERSATION)
        .bind(
          c.status,
          c.priority,
          c.assignedToId,
          c.language,
          c.notes,
          c.unreadCount,
          c.messageCount,
          c.lastMessageAt,
          c.lastMessagePreview,
          c.closedAt,
          c.updatedAt,
          c.id,
          c.organizationId,
        );
    }
    case 'seen':
      return d1.prepare(UPDATE_LAST_SEEN).bind(entry.at, entry.contactId, entry.organizationId);
  }
}

/**
 * The D1 statements of one conversation's pending entries, in the order one batch (a transaction) runs them.
 * Only the newest conversation snapshot and last-seen time matter, so older ones are skipped; a message written
 * several times (stored, then patched) is written once, as it is last; messages go before events, which reference
 * them.
 */
export function projectionStatements(d1: D1Database, entries: ProjectedEntry[]): D1PreparedStatement[] {
  const lastConversation = entries.findLast((e) => e.kind === 'conversation');
  const lastSeen = entries.findLast((e) => e.kind === 'seen');
  const messages = new Map<string, ProjectedEntry>();
  for (const e of entries) if (e.kind === 'message') messages.set(e.message.id, e);
  const ordered: ProjectedEntry[] = [
    ...messages.values(),
    ...entries.filter((e) => e.kind === 'event'),
    ...(lastConversation ? [lastConversation] : []),
    ...(lastSeen ? [lastSeen] : []),
  ];
  return ordered.map((entry) => statement(d1, entry));
}

/**
 * What a conversation actor's drain hands to its organisation's hub (OrgHub.commit): the D1 rows of one
 * conversation's changes, the jobs and events to send once they are in D1, and the dashboard frames about them.
 */
export interface DrainCommit {
  entries: ProjectedEntry[];
  jobs: Job[];
  frames: HubFrame[];
}
