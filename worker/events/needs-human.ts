// "Needs a human": the AI said it cannot answer (the built-in provider's hand-off) and a teammate must take over.
// The flag is set once, by the auto-reply job, which then stays silent on the conversation instead of repeating
// itself; an agent's reply or resolving the conversation clears it. The inbox filters on it (needsHuman=true).
import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { createDb } from '../db/client';
import { conversationHandoffs, messages } from '../db/schema';
import type { Subscriber } from './fan-out';

/** Flags the conversation; true when this call set it (false when it was flagged already). */
export async function markNeedsHuman(
  db: Db,
  ref: { organizationId: string; conversationId: string },
  reason: string,
): Promise<boolean> {
  const rows = await db
    .insert(conversationHandoffs)
    .values({ conversationId: ref.conversationId, organizationId: ref.organizationId, reason })
    .onConflictDoNothing()
    .returning({ id: conversationHandoffs.conversationId });
  return rows.length > 0;
}

export async function needsHuman(db: Db, organizationId: string, conversationId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: conversationHandoffs.conversationId })
    .from(conversationHandoffs)
    .where(
      and(
        eq(conversationHandoffs.organizationId, organizationId),
        eq(conversationHandoffs.conversationId, conversationId),
      ),
    )
    .limit(1);
  return Boolean(row);
}

/** Whether a teammate replied (not a note) after the customer's message: the AI does not talk over them. */
export async function humanAnsweredSince(
  db: Db,
  organizationId: string,
  conversationId: string,
  messageId: string,
): Promise<boolean> {
  const [source] = await db
    .select({ seq: messages.seq })
    .from(messages)
    .where(and(eq(messages.organizationId, organizationId), eq(messages.id, messageId)))
    .limit(1);
  if (!source) return false;
  const [reply] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.organizationId, organizationId),
        eq(messages.conversationId, conversationId),
        eq(messages.senderType, 'AGENT'),
        eq(messages.isNote, false),
        gt(messages.seq, source.seq),
      ),
    )
    .limit(1);
  return Boolean(reply);
}

/** A human took over: an agent's reply (not a note) or the conversation resolved. */
export const needsHumanSubscriber: Subscriber = {
  name: 'needs-human',
  on: ['message.posted', 'conversation.status_changed'],
  async run(env, event) {
    const tookOver =
      (event.type === 'message.posted' && event.senderType === 'AGENT' && !event.isNote) ||
      (event.type === 'conversation.status_changed' && (event.to === 'CLOSED' || event.to === 'ARCHIVED'));
    if (!tookOver) return;
    await createDb(env.DB)
      .delete(conversationHandoffs)
      .where(
        and(
          eq(conversationHandoffs.organizationId, event.organizationId),
          eq(conversationHandoffs.conversationId, event.conversationId),
        ),
      );
  },
};
