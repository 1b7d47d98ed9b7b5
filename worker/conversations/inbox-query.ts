// The inbox list query as plain SQL, free of runtime imports so the benchmark (bench/inbox-list.mjs) runs the
// very same statements against SQLite directly.
import type { ChannelType, ConversationStatus } from '../db/schema';

export interface ConversationFilters {
  page: number;
  pageSize: number;
  status?: ConversationStatus;
  channelId?: string;
  channelType?: ChannelType;
  unread?: boolean;
  /** A user id, or "unassigned". */
  assignedToId?: string;
  language?: string;
  /** One customer's conversations (the contact panel's "Earlier conversations"). */
  contactId?: string;
  search?: string;
  /** Conversations carrying this label (labels/labels.ts). */
  labelId?: string;
  /** Conversations the AI handed to a human and no teammate has taken yet (events/needs-human.ts). */
  needsHuman?: boolean;
  /** Automations (automations/flows/): the conversation's Bot / Human / Waiting / Closed state. */
  automationState?: 'BOT' | 'HUMAN' | 'WAITING' | 'CLOSED';
  /** State HUMAN and nobody assigned yet ("Unassigned humans"). */
  unassignedHumans?: boolean;
  /** The contact carries this tag (contact_tags). */
  contactTag?: string;
  /** The trigger that started the conversation's automation. */
  triggerId?: string;
}

/** FTS5 query from free text: every word must match as a prefix; quotes keep operators literal. */
export function ftsQuery(text: string): string | null {
  const words = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean)
    .slice(0, 8);
  return words.length ? words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ') : null;
}

/**
 * The WHERE clause of the inbox list; every branch keeps to an index that leads with organization_id, except a
 * contact's own few conversations, which come from conversations_contact.
 */
export function listWhere(organizationId: string, filters: Omit<ConversationFilters, 'page' | 'pageSize'>) {
  // Without statistics SQLite would walk the whole organisation through conversations_org_last (it saves the
  // sort); the unary + keeps the organisation check as a filter so the contact index drives the lookup.
  const clauses = [filters.contactId ? '+c.organization_id = ?' : 'c.organization_id = ?'];
  const params: (string | number)[] = [organizationId];
  if (filters.contactId) {
    clauses.push('c.contact_id = ?');
    params.push(filters.contactId);
  }
  if (filters.status) {
    clauses.push('c.status = ?');
    params.push(filters.status);
  }
  if (filters.channelId) {
    clauses.push('c.channel_id = ?');
    params.push(filters.channelId);
  }
  if (filters.channelType) {
    clauses.push('c.channel_id IN (SELECT id FROM channels WHERE organization_id = ? AND type = ?)');
    params.push(organizationId, filters.channelType);
  }
  if (filters.unread === true) clauses.push('c.unread_count > 0');
  if (filters.unread === false) clauses.push('c.unread_count = 0');
  if (filters.assignedToId === 'unassigned') clauses.push('c.assigned_to_id IS NULL');
  else if (filters.assignedToId) {
    clauses.push('c.assigned_to_id = ?');
    params.push(filters.assignedToId);
  }
  if (filters.language) {
    clauses.push('c.language = ?');
    params.push(filters.language.toLowerCase());
  }
  if (filters.labelId) {
    clauses.push(
      'c.id IN (SELECT conversation_id FROM conversation_labels WHERE organization_id = ? AND label_id = ?)',
    );
    params.push(organizationId, filters.labelId);
  }
  if (filters.needsHuman !== undefined) {
    clauses.push(
      `c.id ${filters.needsHuman ? '' : 'NOT '}IN (SELECT conversation_id FROM conversation_handoffs WHERE organization_id = ?)`,
    );
    params.push(organizationId);
  }
  if (filters.automationState) {
    clauses.push(
      'c.id IN (SELECT conversation_id FROM conversation_automation WHERE organization_id = ? AND state = ?)',
    );
    params.push(organizationId, filters.automationState);
  }
  if (filters.unassignedHumans) {
    clauses.push(
      "c.assigned_to_id IS NULL AND c.id IN (SELECT conversation_id FROM conversation_automation WHERE organization_id = ? AND state = 'HUMAN')",
    );
    params.push(organizationId);
  }
  if (filters.triggerId) {
    clauses.push(
      'c.id IN (SELECT conversation_id FROM conversation_automation WHERE organization_id = ? AND trigger_id = ?)',
    );
    params.push(organizationId, filters.triggerId);
  }
  if (filters.contactTag) {
    clauses.push('c.contact_id IN (SELECT contact_id FROM contact_tags WHERE organization_id = ? AND tag = ?)');
    params.push(organizationId, filters.contactTag);
  }
  const match = filters.search ? ftsQuery(filters.search) : null;
  if (filters.search && !match) clauses.push('0');
  if (match) {
    // Archived conversations (worker/archive/) match on their one compact row of distinct words.
    clauses.push(`(c.id IN (SELECT conversation_id FROM messages_fts WHERE messages_fts MATCH ? AND organization_id = ?)
      OR c.contact_id IN (SELECT contact_id FROM contacts_fts WHERE contacts_fts MATCH ? AND organization_id = ?)
      OR c.id IN (SELECT conversation_id FROM archived_conversations_fts
        WHERE archived_conversations_fts MATCH ? AND organization_id = ?))`);
    params.push(match, organizationId, match, organizationId, match, organizationId);
  }
  return { sql: clauses.join(' AND '), params };
}

export const LIST_SELECT = `SELECT c.*, ct.name AS contact_name, ct.email AS contact_email, ch.name AS channel_name,
  ct.avatar_url AS contact_avatar_url, json_extract(ct.metadata, '$.tiktok.handle') AS contact_handle,
  ch.type AS channel_type, u.name AS assignee_name, u.email AS assignee_email
  FROM conversations c
  JOIN contacts ct ON ct.id = c.contact_id
  JOIN channels ch ON ch.id = c.channel_id
  LEFT JOIN users u ON u.id = c.assigned_to_id`;

/** The page and the total of one inbox list request. */
export function listQueries(organizationId: string, filters: ConversationFilters) {
  const where = listWhere(organizationId, filters);
  return {
    items: {
      sql: `${LIST_SELECT} WHERE ${where.sql} ORDER BY c.last_message_at DESC LIMIT ? OFFSET ?`,
      params: [...where.params, filters.pageSize, (filters.page - 1) * filters.pageSize],
    },
    count: { sql: `SELECT COUNT(*) AS total FROM conversations c WHERE ${where.sql}`, params: where.params },
  };
}
