// The visitor's whole history with a website chat channel, read from D1: every conversation of their contact in
// the order they began, each with the messages a visitor may see (never notes, never unapproved drafts), its
// resolution and the visitor's rating. The live socket covers the current conversation; this covers the rest,
// so a reload or a new conversation after a resolved one never loses or scrambles the earlier thread.
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { PublicMessage } from '../../conversations/log';
import type { Db } from '../../db/client';
import {
  type Channel,
  type Contact,
  contacts,
  conversationHandoffs,
  conversationRatings,
  conversations,
  media,
  messages,
  users,
} from '../../db/schema';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { withVisitorLinks } from '../../media/visitor-links';
import type { Rating, VisitorConversation, VisitorSelf } from './history-shape';

export type { Rating, VisitorConversation, VisitorSelf } from './history-shape';

/** The most recent conversations shown (older ones stay in the dashboard). */
export const HISTORY_CONVERSATIONS = 30;
/** The most recent messages shown across those conversations. */
export const HISTORY_MESSAGES = 1000;
/** D1 allows 100 bound parameters per statement. */
const CHUNK = 90;

export async function findVisitorContact(db: Db, channel: Pick<Channel, 'id'>, visitorId: string) {
  const [contact] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.channelId, channel.id), eq(contacts.externalId, visitorId)))
    .limit(1);
  return contact ?? null;
}

function chunks<T>(values: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

/** Every conversation of this visitor on this channel, oldest first, with the messages they may see. */
export async function visitorHistory(
  db: Db,
  secret: string,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  visitorId: string,
): Promise<VisitorConversation[]> {
  const contact = await findVisitorContact(db, channel, visitorId);
  if (!contact) return [];
  const rows = (
    await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.organizationId, channel.organizationId), eq(conversations.contactId, contact.id)))
      .orderBy(desc(conversations.createdAt))
      .limit(HISTORY_CONVERSATIONS)
  ).reverse();
  if (!rows.length) return [];
  const ids = rows.map((row) => row.id);
  const found = [];
  const ratings = [];
  const handoffs = new Set<string>();
  for (const part of chunks(ids)) {
    found.push(
      ...(await db
        .select({
          id: messages.id,
          conversationId: messages.conversationId,
          seq: messages.seq,
          direction: messages.direction,
          senderType: messages.senderType,
          userName: users.name,
          content: messages.content,
          attachments: messages.attachments,
          externalId: messages.externalId,
          createdAt: messages.createdAt,
        })
        .from(messages)
        .leftJoin(users, eq(users.id, messages.senderId))
        .where(
          and(
            eq(messages.organizationId, channel.organizationId),
            inArray(messages.conversationId, part),
            eq(messages.isNote, false),
            inArray(messages.approvalStatus, ['NONE', 'APPROVED']),
          ),
        )
        .orderBy(desc(messages.createdAt))
        .limit(HISTORY_MESSAGES)),
    );
    ratings.push(
      ...(await db.select().from(conversationRatings).where(inArray(conversationRatings.conversationId, part))),
    );
    const flagged = await db
      .select({ id: conversationHandoffs.conversationId })
      .from(conversationHandoffs)
      .where(inArray(conversationHandoffs.conversationId, part));
    for (const row of flagged) handoffs.add(row.id);
  }
  const fileIds = [...new Set(found.flatMap((m) => m.attachments))];
  const files = new Map<string, { id: string; fileName: string; contentType: string; size: number }>();
  for (const part of chunks(fileIds)) {
    const rowsOfFiles = await db
      .select({ id: media.id, fileName: media.fileName, contentType: media.contentType, size: media.size })
      .from(media)
      .where(and(eq(media.organizationId, channel.organizationId), inArray(media.id, part)));
    for (const file of rowsOfFiles) files.set(file.id, file);
  }
  const byConversation = new Map<string, PublicMessage[]>(ids.map((id) => [id, []]));
  for (const m of found.sort((a, b) => a.seq - b.seq)) {
    byConversation.get(m.conversationId)?.push({
      id: m.id,
      seq: m.seq,
      direction: m.direction,
      senderType: m.senderType,
      // The names the conversation actor gives outbound messages (conversations/pipeline.ts).
      senderName: m.direction === 'OUTBOUND' ? (m.senderType === 'AI' ? 'AI assistant' : (m.userName ?? null)) : null,
      content: m.content,
      attachments: m.attachments.flatMap((fileId) => {
        const file = files.get(fileId);
        return file ? [{ ...file, url: `/api/widget/media/${file.id}` }] : [];
      }),
      clientMessageId: m.direction === 'INBOUND' ? m.externalId : null,
      createdAt: m.createdAt.toISOString(),
    });
  }
  const ratingOf = new Map(ratings.map((r) => [r.conversationId, r]));
  return Promise.all(
    rows.map(async (row) => {
      const rating = ratingOf.get(row.id);
      return {
        id: row.id,
        status: row.status,
        resolved: row.status === 'CLOSED' || row.status === 'ARCHIVED',
        createdAt: row.createdAt.toISOString(),
        closedAt: row.closedAt ? row.closedAt.toISOString() : null,
        rating: rating ? { rating: rating.rating, comment: rating.comment } : null,
        needsHuman: handoffs.has(row.id),
        messages: await withVisitorLinks(secret, channel.id, byConversation.get(row.id) ?? []),
      };
    }),
  );
}

/** The visitor's own name and email, as they gave them (never another contact's). */
export async function visitorSelf(db: Db, channel: Pick<Channel, 'id'>, visitorId: string): Promise<VisitorSelf> {
  const contact = await findVisitorContact(db, channel, visitorId);
  const identity = (contact?.metadata?.identity ?? null) as { verified?: boolean } | null;
  // A generated name ("Amber Otter") is ours, not theirs: only a name the visitor or the site gave counts.
  return { name: identity ? (contact?.name ?? null) : null, email: contact?.email ?? null };
}

/**
 * Stores the visitor's rating of one of their own resolved conversations (a second rating replaces the first).
 * Another visitor's conversation, or one on another channel, is not found; an open one cannot be rated yet.
 */
export async function rateConversation(
  db: Db,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  input: { visitorId: string; conversationId: string; rating: Rating; comment?: string | null },
) {
  const contact: Contact | null = await findVisitorContact(db, channel, input.visitorId);
  const [conversation] = contact
    ? await db
        .select()
        .from(conversations)
        .where(
          and(
            eq(conversations.id, input.conversationId),
            eq(conversations.organizationId, channel.organizationId),
            eq(conversations.contactId, contact.id),
          ),
        )
        .limit(1)
    : [];
  if (!contact || !conversation) throw new NotFoundError('Conversation');
  if (conversation.status !== 'CLOSED' && conversation.status !== 'ARCHIVED') {
    throw new ConflictError('Only a resolved conversation can be rated');
  }
  const now = new Date();
  const comment = input.comment?.trim() || null;
  const [row] = await db
    .insert(conversationRatings)
    .values({
      conversationId: conversation.id,
      organizationId: channel.organizationId,
      channelId: channel.id,
      contactId: contact.id,
      rating: input.rating,
      comment,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: conversationRatings.conversationId,
      set: { rating: input.rating, comment, updatedAt: now },
    })
    .returning();
  return { conversationId: row!.conversationId, rating: row!.rating, comment: row!.comment, ratedAt: row!.updatedAt };
}

/** The visitor's rating of a conversation, for the agent (null when not rated). */
export async function conversationRating(db: Db, organizationId: string, conversationId: string) {
  const [conversation] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.id, conversationId), eq(conversations.organizationId, organizationId)))
    .limit(1);
  if (!conversation) throw new NotFoundError('Conversation');
  const [row] = await db
    .select()
    .from(conversationRatings)
    .where(eq(conversationRatings.conversationId, conversationId))
    .orderBy(asc(conversationRatings.createdAt))
    .limit(1);
  return row ? { rating: row.rating, comment: row.comment, ratedAt: row.updatedAt.toISOString() } : null;
}
