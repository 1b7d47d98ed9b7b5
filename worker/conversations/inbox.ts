// The inbox as agents use it: list and filter conversations, open one with its messages, change its state,
// reply. Reads come from D1 (the actor's projection); every change goes through the conversation's actor.
import { and, eq } from 'drizzle-orm';
import { enhanceDraft } from '../ai/replies';
import { deleteArchive } from '../archive/archive';
import { type ArchivedMessage, archiveBucket, readArchive } from '../archive/store';
import { debitTokens } from '../billing/tokens';
import { loadChannel } from '../channels/channels';
import { assertChannelTakes } from '../channels/registry';
import type { Db } from '../db/client';
import { type ChannelType, type ConversationStatus, conversations, memberships } from '../db/schema';
import type { AppBindings } from '../env';
import type { AuthContext } from '../http/context';
import { ValidationError } from '../lib/errors';
import { checkMentions, recordMentions } from '../notifications/mentions';
import { agentLanguage, primaryLanguage } from '../translation/detect';
import { type ConversationFilters, LIST_SELECT, listQueries } from './inbox-query';
import { openConversation, upsertContact } from './intake';
import { type ConversationPatch, type LogMessage, toApiMessage } from './log';
import { appendOutbound, prepareOutbound } from './pipeline';
import { conversationActor, loadConversation, refOf } from './refs';

type Row = Record<string, string | number | null>;

const iso = (value: string | number | null | undefined) =>
  value === null || value === undefined ? null : new Date(Number(value)).toISOString();

function presentConversation(row: Row) {
  return {
    id: row.id as string,
    organizationId: row.organization_id as string,
    channelId: row.channel_id as string,
    contactId: row.contact_id as string,
    status: row.status as ConversationStatus,
    priority: row.priority as string,
    assignedToId: row.assigned_to_id as string | null,
    language: row.language as string | null,
    subject: row.subject as string | null,
    notes: row.notes as string | null,
    unreadCount: Number(row.unread_count),
    messageCount: Number(row.message_count),
    lastMessageAt: iso(row.last_message_at),
    lastMessagePreview: row.last_message_preview as string | null,
    closedAt: iso(row.closed_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    contact: {
      id: row.contact_id as string,
      name: row.contact_name as string | null,
      email: row.contact_email as string | null,
      /** An https image (TikTok's avatar), or null. */
      avatarUrl: row.contact_avatar_url as string | null,
      /** The TikTok @handle without the `@`, or null. */
      handle: row.contact_handle as string | null,
    },
    channel: { id: row.channel_id as string, name: row.channel_name as string, type: row.channel_type as ChannelType },
    assignee: row.assigned_to_id
      ? { id: row.assigned_to_id as string, name: row.assignee_name as string, email: row.assignee_email as string }
      : null,
  };
}

export type InboxConversation = ReturnType<typeof presentConversation>;

/** Newest activity first. */
export async function listConversations(db: Db, organizationId: string, filters: ConversationFilters) {
  const queries = listQueries(organizationId, filters);
  const [items, count] = await db.$client.batch<Row>([
    db.$client.prepare(queries.items.sql).bind(...queries.items.params),
    db.$client.prepare(queries.count.sql).bind(...queries.count.params),
  ]);
  const total = Number(count?.results[0]?.total ?? 0);
  return {
    items: (items?.results ?? []).map(presentConversation),
    page: filters.page,
    pageSize: filters.pageSize,
    total,
    totalPages: Math.ceil(total / filters.pageSize),
  };
}

export async function getConversation(db: Db, organizationId: string, conversationId: string) {
  const row = await db.$client
    .prepare(`${LIST_SELECT} WHERE c.id = ? AND c.organization_id = ?`)
    .bind(conversationId, organizationId)
    .first<Row>();
  if (!row) {
    await loadConversation(db, organizationId, conversationId);
  }
  return presentConversation(row!);
}

export async function createConversation(
  env: AppBindings,
  db: Db,
  auth: AuthContext,
  input: {
    channelId: string;
    contact: { name?: string; email?: string; phone?: string; externalId?: string };
    subject?: string;
    content?: string;
  },
) {
  const channel = await loadChannel(db, auth.organization.id, input.channelId);
  const externalId =
    input.contact.externalId ??
    input.contact.email?.toLowerCase() ??
    input.contact.phone ??
    `manual_${crypto.randomUUID()}`;
  const contact = await upsertContact(db, channel, externalId, input.contact);
  const { conversation, created } = await openConversation(env, db, contact, { subject: input.subject });
  if (input.content) await sendReply(env, db, auth, conversation.id, { content: input.content });
  return { conversation: await getConversation(db, auth.organization.id, conversation.id), created };
}

async function assertAssignable(db: Db, organizationId: string, userId: string): Promise<void> {
  const [member] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(
      and(
        eq(memberships.organizationId, organizationId),
        eq(memberships.userId, userId),
        eq(memberships.status, 'ACTIVE'),
      ),
    );
  if (!member) throw ValidationError.field('assignedToId', 'Must be an active member of this organization');
}

export async function updateConversation(
  env: AppBindings,
  db: Db,
  organizationId: string,
  conversationId: string,
  patch: ConversationPatch,
  by: { userId?: string | null } = {},
) {
  const conversation = await loadConversation(db, organizationId, conversationId);
  if (patch.assignedToId) await assertAssignable(db, organizationId, patch.assignedToId);
  const normalized = patch.language ? { ...patch, language: patch.language.toLowerCase() } : patch;
  await conversationActor(env, conversation.id).update(refOf(conversation), normalized, by);
  return getConversation(db, organizationId, conversationId);
}

export async function deleteConversation(env: AppBindings, db: Db, organizationId: string, conversationId: string) {
  const conversation = await loadConversation(db, organizationId, conversationId);
  // The actor forgets first, so no pending projection can write into the deleted rows afterwards.
  await conversationActor(env, conversation.id).destroy();
  // Its archived messages (worker/archive/) go too; the archive's D1 rows go with the conversation's cascade.
  await deleteArchive(env, organizationId, conversation.id);
  await db
    .delete(conversations)
    .where(and(eq(conversations.id, conversationId), eq(conversations.organizationId, organizationId)));
}

export async function markRead(
  env: AppBindings,
  db: Db,
  organizationId: string,
  conversationId: string,
  read: boolean,
) {
  const conversation = await loadConversation(db, organizationId, conversationId);
  const actor = conversationActor(env, conversation.id);
  await (read ? actor.markRead(refOf(conversation)) : actor.markUnread(refOf(conversation)));
  return getConversation(db, organizationId, conversationId);
}

/** Marks the given conversations (or every unread one of the organisation) read; ids of other orgs are skipped. */
export async function bulkRead(env: AppBindings, db: Db, organizationId: string, conversationIds?: string[]) {
  const unread: { id: string }[] = [];
  if (conversationIds) {
    for (let i = 0; i < conversationIds.length; i += 90) {
      const chunk = conversationIds.slice(i, i + 90);
      const { results } = await db.$client
        .prepare(
          `SELECT id FROM conversations WHERE organization_id = ? AND unread_count > 0 AND id IN (${chunk.map(() => '?').join(',')})`,
        )
        .bind(organizationId, ...chunk)
        .all<{ id: string }>();
      unread.push(...results);
    }
  } else {
    const { results } = await db.$client
      .prepare('SELECT id FROM conversations WHERE organization_id = ? AND unread_count > 0')
      .bind(organizationId)
      .all<{ id: string }>();
    unread.push(...results);
  }
  // Read state belongs to each conversation's actor (its next projection would undo a direct D1 write).
  for (let i = 0; i < unread.length; i += 20) {
    await Promise.all(
      unread.slice(i, i + 20).map(({ id }) => conversationActor(env, id).markRead({ id, organizationId })),
    );
  }
  return { updated: unread.length };
}

function presentMessage(row: Row, events: Row[]) {
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    seq: Number(row.seq),
    direction: row.direction as LogMessage['direction'],
    isNote: Boolean(row.is_note),
    senderType: row.sender_type as LogMessage['senderType'],
    sender: row.sender_id ? { id: row.sender_id as string, name: row.sender_name as string | null } : null,
    content: row.content as string,
    originalContent: row.original_content as string | null,
    translatedContent: row.translated_content as string | null,
    language: row.language as string | null,
    translatedLanguage: row.translated_language as string | null,
    approvalStatus: row.approval_status as LogMessage['approvalStatus'],
    deliveryStatus: row.delivery_status as LogMessage['deliveryStatus'],
    events: events.map((e) => ({
      type: e.type as string,
      detail: e.detail as string | null,
      createdAt: iso(e.created_at),
    })),
    citations: row.citations ? JSON.parse(row.citations as string) : null,
    attachments: JSON.parse((row.attachments as string) ?? '[]') as string[],
    externalId: row.external_id as string | null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export type InboxMessage = ReturnType<typeof presentMessage>;

const MESSAGE_SELECT = `SELECT m.*, COALESCE(u.name, ct.name) AS sender_name FROM messages m
  LEFT JOIN users u ON u.id = m.sender_id
  LEFT JOIN contacts ct ON ct.id = m.sender_id`;

async function withEvents(db: Db, conversationId: string, rows: Row[]) {
  if (!rows.length) return [];
  const { results: events } = await db.$client
    .prepare(
      `SELECT e.message_id, e.type, e.detail, e.created_at FROM message_events e JOIN messages m ON m.id = e.message_id
       WHERE m.conversation_id = ? AND m.seq BETWEEN ? AND ? ORDER BY e.created_at`,
    )
    .bind(conversationId, rows[0]!.seq, rows[rows.length - 1]!.seq)
    .all<Row>();
  return rows.map((row) =>
    presentMessage(
      row,
      events.filter((e) => e.message_id === row.id),
    ),
  );
}

/** Oldest to newest, paged; a conversation's archived messages (worker/archive/) read exactly like D1's. */
export async function listMessages(
  db: Db,
  organizationId: string,
  conversationId: string,
  paging: { page: number; pageSize: number },
) {
  const conversation = await loadConversation(db, organizationId, conversationId);
  const [page, count, archived] = await db.$client.batch<Row>([
    db.$client
      .prepare(`${MESSAGE_SELECT} WHERE m.conversation_id = ? ORDER BY m.seq LIMIT ? OFFSET ?`)
      .bind(conversation.id, paging.pageSize, (paging.page - 1) * paging.pageSize),
    db.$client.prepare('SELECT COUNT(*) AS total FROM messages WHERE conversation_id = ?').bind(conversation.id),
    db.$client
      .prepare('SELECT object_key, last_seq FROM conversation_archives WHERE conversation_id = ?')
      .bind(conversation.id),
  ]);
  const archive = archived?.results[0];
  if (archive) {
    return listWithArchive(db, conversation.id, String(archive.object_key), Number(archive.last_seq), paging);
  }
  const total = Number(count?.results[0]?.total ?? 0);
  return {
    items: await withEvents(db, conversation.id, page?.results ?? []),
    page: paging.page,
    pageSize: paging.pageSize,
    total,
    totalPages: Math.ceil(total / paging.pageSize),
  };
}

/**
 * The messages of an archived conversation: the archive object (up to its last seq) with D1's rows laid over
 * it. D1 may hold a few archived messages again (the actor reprojected them after an update: its copy is the
 * newer, so it wins) and the messages written after a reopening (above the archive's last seq).
 */
async function listWithArchive(
  db: Db,
  conversationId: string,
  objectKey: string,
  lastSeq: number,
  paging: { page: number; pageSize: number },
) {
  const [archivedMessages, [overlaid, newer]] = await Promise.all([
    readArchive(archiveBucket(), objectKey),
    db.$client.batch<Row>([
      db.$client
        .prepare('SELECT id, seq FROM messages WHERE conversation_id = ? AND seq <= ?')
        .bind(conversationId, lastSeq),
      db.$client
        .prepare('SELECT COUNT(*) AS total FROM messages WHERE conversation_id = ? AND seq > ?')
        .bind(conversationId, lastSeq),
    ]),
  ]);
  const inD1 = new Map((overlaid?.results ?? []).map((r) => [String(r.id), Number(r.seq)]));
  // Everything up to lastSeq, in seq order: archived lines, or the id of the D1 row that replaces one.
  const head: ({ seq: number; archived: ArchivedMessage } | { seq: number; id: string })[] = [
    ...archivedMessages.filter((m) => !inD1.has(m.id)).map((m) => ({ seq: m.seq, archived: m })),
    ...[...inD1].map(([id, seq]) => ({ seq, id })),
  ].sort((a, b) => a.seq - b.seq);
  const total = head.length + Number(newer?.results[0]?.total ?? 0);
  const offset = (paging.page - 1) * paging.pageSize;
  const window = head.slice(offset, offset + paging.pageSize);
  const d1Ids = window.flatMap((entry) => ('id' in entry ? [entry.id] : []));
  const tailOffset = Math.max(0, offset - head.length);
  const tailLimit = paging.pageSize - window.length;
  const [overlaidRows, tailRows, names] = await Promise.all([
    d1Ids.length
      ? db.$client
          .prepare(
            `${MESSAGE_SELECT} WHERE m.conversation_id = ? AND m.id IN (SELECT value FROM json_each(?)) ORDER BY m.seq`,
          )
          .bind(conversationId, JSON.stringify(d1Ids))
          .all<Row>()
          .then((r) => withEvents(db, conversationId, r.results))
      : [],
    tailLimit > 0
      ? db.$client
          .prepare(`${MESSAGE_SELECT} WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ? OFFSET ?`)
          .bind(conversationId, lastSeq, tailLimit, tailOffset)
          .all<Row>()
          .then((r) => withEvents(db, conversationId, r.results))
      : [],
    senderNames(
      db,
      window.flatMap((entry) =>
        'archived' in entry && entry.archived.sender_id ? [String(entry.archived.sender_id)] : [],
      ),
    ),
  ]);
  const byId = new Map(overlaidRows.map((m) => [m.id, m]));
  const archivedById = new Map(archivedMessages.map((m) => [m.id, m]));
  const items = window.map((entry) => {
    if ('id' in entry) {
      // D1's copy is newer, but its row was deleted and re-inserted: the events recorded before archiving
      // are in the archive only.
      const message = byId.get(entry.id);
      if (!message) return null; // archived again between the two reads: gone from this page
      const earlier = (archivedById.get(entry.id)?.events ?? []).map((e) => ({
        type: e.type,
        detail: e.detail,
        createdAt: iso(e.created_at),
      }));
      const seen = new Set(message.events.map((e) => JSON.stringify(e)));
      const events = [...earlier.filter((e) => !seen.has(JSON.stringify(e))), ...message.events].sort((a, b) =>
        String(a.createdAt).localeCompare(String(b.createdAt)),
      );
      return { ...message, events };
    }
    const { events, ...row } = entry.archived;
    return presentMessage(
      { ...row, sender_name: names.get(String(row.sender_id)) ?? null },
      events as unknown as Row[],
    );
  });
  return {
    items: [...items.filter((m): m is InboxMessage => m !== null), ...tailRows],
    page: paging.page,
    pageSize: paging.pageSize,
    total,
    totalPages: Math.ceil(total / paging.pageSize),
  };
}

/** Names of message senders as MESSAGE_SELECT finds them (a user's name first, else a contact's). */
async function senderNames(db: Db, ids: string[]): Promise<Map<string, string | null>> {
  if (!ids.length) return new Map();
  const unique = JSON.stringify([...new Set(ids)]);
  const [users, contacts] = await db.$client.batch<{ id: string; name: string | null }>([
    db.$client.prepare('SELECT id, name FROM users WHERE id IN (SELECT value FROM json_each(?))').bind(unique),
    db.$client.prepare('SELECT id, name FROM contacts WHERE id IN (SELECT value FROM json_each(?))').bind(unique),
  ]);
  const names = new Map<string, string | null>();
  for (const c of contacts?.results ?? []) names.set(c.id, c.name);
  for (const u of users?.results ?? []) if (u.name !== null || !names.get(u.id)) names.set(u.id, u.name);
  return names;
}

/** One message as the inbox shows it (D1 has it once the actor returned); the actor's copy if D1 lags. */
export async function presentLogMessage(db: Db, message: LogMessage): Promise<InboxMessage> {
  const row = await db.$client.prepare(`${MESSAGE_SELECT} WHERE m.id = ?`).bind(message.id).first<Row>();
  if (!row) return { ...toApiMessage(message), events: [] };
  const [presented] = await withEvents(db, message.conversationId, [row]);
  return presented!;
}

/** An agent waits on the reply box, so enhancing gets less time than drafting a whole AI reply. */
const ENHANCE_TIMEOUT_MS = 10_000;

/** The reply rewritten by autoEnhance, or as written when that fails: enhancing never loses or blocks a reply. */
async function enhancedOrAsWritten(
  env: AppBindings,
  db: Db,
  organizationId: string,
  conversationId: string,
  content: string,
): Promise<string> {
  try {
    const enhanced = await enhanceDraft(
      env,
      db,
      { organizationId, conversationId, content },
      { timeoutMs: ENHANCE_TIMEOUT_MS },
    );
    return enhanced.content;
  } catch (error) {
    console.warn(
      `Auto-enhance failed in conversation ${conversationId}; the reply goes out as written:`,
      error instanceof Error ? error.message : error,
    );
    return content;
  }
}

/**
 * An agent's reply or internal note. A reply costs one token (402 and nothing created when the org has none);
 * notes are free and never delivered. On a channel that auto-enhances, the reply is rewritten first (the
 * agent's own words stay in originalContent), or goes out as written if that fails. When the customer writes
 * another language than the channel's agents and the channel translates, the reply waits for approval while
 * the message.translate job translates it. A retried post with the same clientMessageId returns the first
 * message and costs, enhances and translates nothing more.
 */
export async function sendReply(
  env: AppBindings,
  db: Db,
  auth: AuthContext,
  conversationId: string,
  input: { content: string; attachments?: string[]; isNote?: boolean; clientMessageId?: string; mentions?: string[] },
): Promise<{ message: LogMessage; created: boolean }> {
  const organizationId = auth.organization.id;
  // Only a note mentions, and only members of this organisation (they are notified through the note's event).
  const mentions = await checkMentions(db, organizationId, input);
  // Everything the reply refers to is checked before anything is charged or changed.
  const { conversation } = await prepareOutbound(db, {
    organizationId,
    conversationId,
    attachments: input.attachments,
  });
  const ref = refOf(conversation);
  if (input.clientMessageId) {
    const existing = await conversationActor(env, conversation.id).findByExternalId(
      ref,
      'AGENT',
      input.clientMessageId,
    );
    if (existing) {
      await recordMentions(db, existing, mentions);
      return { message: existing, created: false };
    }
  }
  const channel = await loadChannel(db, organizationId, conversation.channelId);
  const isNote = input.isNote ?? false;
  const agent = agentLanguage(channel);
  const customerLanguage = primaryLanguage(conversation.language);
  const needsTranslation = !isNote && channel.autoTranslate && customerLanguage !== null && customerLanguage !== agent;
  if (!isNote) {
    // A channel that cannot take the reply now (a closed messaging window) refuses it before it costs anything.
    await assertChannelTakes(env, db, channel, {
      organizationId,
      conversationId: conversation.id,
      senderType: 'AGENT',
    });
    await debitTokens(db, {
      organizationId,
      amount: 1,
      reason: 'MESSAGE_SENT',
      referenceId: conversation.id,
      // Racing retries of one post pay once (the second finds the key and is not charged).
      idempotencyKey: input.clientMessageId ? `reply:${conversation.id}:${input.clientMessageId}` : null,
    });
  }
  const content =
    !isNote && channel.autoEnhance
      ? await enhancedOrAsWritten(env, db, organizationId, conversation.id, input.content)
      : input.content;
  const { message, duplicate } = await appendOutbound(env, db, {
    organizationId,
    conversationId: conversation.id,
    senderType: 'AGENT',
    senderId: auth.user.id,
    content,
    attachments: input.attachments,
    isNote,
    approvalStatus: needsTranslation ? 'PENDING' : 'NONE',
    awaitingTranslation: needsTranslation,
    // Send original sends originalContent, so a held reply keeps its untranslated (enhanced) text there;
    // a reply sent at once keeps the agent's own words when enhancing changed them.
    originalContent: needsTranslation ? content : content !== input.content ? input.content : null,
    language: isNote ? null : agent,
    externalId: input.clientMessageId ?? null,
    mentions,
  });
  await recordMentions(db, message, mentions);
  // Replying makes an unassigned conversation the replier's (a note or a retried post does not).
  if (!isNote && !duplicate && !conversation.assignedToId && auth.role !== 'VIEWER') {
    await conversationActor(env, conversation.id).update(ref, { assignedToId: auth.user.id }, { userId: auth.user.id });
  }
  return { message, created: !duplicate };
}
