// @mentions in internal notes: which members a note may mention (active members of its organisation, each of
// whom reads every conversation) and the record of whom each note mentioned. The note's message.posted event
// carries the ids, and the notifications subscriber tells each of them (dispatch.ts).
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { memberships, noteMentions } from '../db/schema';
import { ValidationError } from '../lib/errors';

export const MAX_MENTIONS = 20;

/** The distinct members a note mentions; refuses mentions in a reply and ids that are not active members. */
export async function checkMentions(
  db: Db,
  organizationId: string,
  input: { mentions?: string[]; isNote?: boolean },
): Promise<string[]> {
  const ids = [...new Set(input.mentions ?? [])];
  if (!ids.length) return [];
  if (!input.isNote) throw ValidationError.field('mentions', 'Only an internal note can mention teammates');
  const rows = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(
      and(
        eq(memberships.organizationId, organizationId),
        eq(memberships.status, 'ACTIVE'),
        inArray(memberships.userId, ids),
      ),
    );
  if (rows.length !== ids.length) {
    throw ValidationError.field('mentions', 'Only active members of this workspace can be mentioned');
  }
  return ids;
}

/** Stores whom a note mentioned; a retried post stores nothing twice. */
export async function recordMentions(
  db: Db,
  note: { id: string; organizationId: string; conversationId: string; createdAt: number },
  userIds: readonly string[],
): Promise<void> {
  if (!userIds.length) return;
  await db
    .insert(noteMentions)
    .values(
      userIds.map((userId) => ({
        messageId: note.id,
        organizationId: note.organizationId,
        conversationId: note.conversationId,
        userId,
        createdAt: new Date(note.createdAt),
      })),
    )
    .onConflictDoNothing();
}
