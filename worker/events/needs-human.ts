// "Needs a human": the AI said it cannot answer (the built-in provider's hand-off) and a teammate must take over.
// The flag is set once, by the auto-reply job, which then stays silent on the conversation instead of repeating
// itself; an agent's reply or resolving the conversation clears it. The inbox filters on it (needsHuman=true).
// The team is told (NEEDS_HUMAN notification: in-app, push and email by each member's preferences).
import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { createDb } from '../db/client';
import { contacts, conversationHandoffs, conversations, messages } from '../db/schema';
import type { AppBindings } from '../env';
import { deliver } from '../notifications/dispatch';
import type { Subscriber } from './fan-out';
import type { DomainEvent } from './types';

const PREVIEW_MAX = 200;

/**
 * The AI hands the conversation over: the team is notified, then the flag is set. Notifying first means a crash
 * in between is retried by the job (the flag would stop it); the notification is keyed by the customer's message,
 * so the retry tells nobody twice.
 */
export async function handOff(
  env: AppBindings,
  db: Db,
  ref: { organizationId: string; conversationId: string; messageId: string },
  reason: string,
): Promise<boolean> {
  await notifyHandoff(env, db, ref);
  return markNeedsHuman(db, ref, reason);
}

async function notifyHandoff(
  env: AppBindings,
  db: Db,
  ref: { organizationId: string; conversationId: string; messageId: string },
) {
  const [row] = await db
    .select({ assignedToId: conversations.assignedToId, name: contacts.name, email: contacts.email })
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId))
    .where(and(eq(conversations.id, ref.conversationId), eq(conversations.organizationId, ref.organizationId)));
  if (!row) return;
  const [question] = await db
    .select({ content: messages.content })
    .from(messages)
    .where(and(eq(messages.organizationId, ref.organizationId), eq(messages.id, ref.messageId)));
  const flat = question?.content.replace(/\s+/g, ' ').trim() || null;
  const title = `${row.name || row.email || 'A visitor'} needs a human: the AI could not answer`;
  await deliver(
    env,
    db,
    {
      id: `needs-human:${ref.conversationId}:${ref.messageId}`,
      organizationId: ref.organizationId,
      occurredAt: Date.now(),
      actor: { type: 'AI' },
    },
    [
      {
        event: 'NEEDS_HUMAN',
        conversationId: ref.conversationId,
        assigneeId: row.assignedToId,
        audience: 'members',
        title,
        publicTitle: title,
        body: flat && flat.length > PREVIEW_MAX ? `${flat.slice(0, PREVIEW_MAX - 1)}…` : flat,
      },
    ],
  );
}

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

const humanTookOver = (event: DomainEvent) =>
  (event.type === 'message.posted' && event.senderType === 'AGENT' && !event.isNote) ||
  (event.type === 'conversation.status_changed' && (event.to === 'CLOSED' || event.to === 'ARCHIVED'));

/** A human took over: an agent's reply (not a note) or the conversation resolved. */
export const needsHumanSubscriber: Subscriber = {
  name: 'needs-human',
  on: ['message.posted', 'conversation.status_changed'],
  wants: (event) => humanTookOver(event),
  async run(env, event) {
    if (!humanTookOver(event)) return;
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
