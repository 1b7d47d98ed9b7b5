// The files attached to one conversation's messages, described for the thread (name, type, size, link), so
// the dashboard asks once per conversation instead of once per file.
import { and, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { media, messages } from '../db/schema';
import { presentMedia } from '../media/media';
import { loadConversation } from './refs';

export async function conversationAttachments(db: Db, organizationId: string, conversationId: string) {
  const conversation = await loadConversation(db, organizationId, conversationId);
  const attachedIds = sql`(SELECT json_each.value FROM ${messages}, json_each(${messages.attachments})
    WHERE ${messages.conversationId} = ${conversation.id} AND ${messages.organizationId} = ${organizationId})`;
  const rows = await db
    .select()
    .from(media)
    // The unary + keeps SQLite on the media primary key rather than walking all the organisation's files.
    .where(and(sql`+${media.organizationId} = ${organizationId}`, inArray(media.id, attachedIds)))
    .orderBy(media.createdAt);
  return rows.map(presentMedia);
}
