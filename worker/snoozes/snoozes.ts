// Snooze: a conversation put aside until a time. Snoozing sets it PENDING through its actor and records the
// time here; the minute cron sets every due one back to OPEN through the actor (which commits the
// conversation.status_changed event the notifications subscriber tells members about) and forgets the snooze.
// A customer message does not end a snooze early: the conversation is already in the list as unread.
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import { updateConversation } from '../conversations/inbox';
import { publishToHub } from '../conversations/live';
import { loadConversation } from '../conversations/refs';
import type { Db } from '../db/client';
import { conversationSnoozes } from '../db/schema';
import type { AppBindings } from '../env';
import { ValidationError } from '../lib/errors';

export const SNOOZE_MAX_MS = 365 * 24 * 60 * 60 * 1000;
/** Snoozes woken per cron run; the rest wait for the next minute. */
const WAKE_BATCH = 50;

function present(row: typeof conversationSnoozes.$inferSelect) {
  return { conversationId: row.conversationId, until: row.until.toISOString(), snoozedById: row.snoozedById };
}

export async function listSnoozes(db: Db, organizationId: string) {
  const rows = await db
    .select()
    .from(conversationSnoozes)
    .where(eq(conversationSnoozes.organizationId, organizationId))
    .orderBy(asc(conversationSnoozes.until));
  return rows.map(present);
}

export async function snoozeConversation(
  env: AppBindings,
  db: Db,
  organizationId: string,
  conversationId: string,
  input: { until: Date; userId: string },
  now = Date.now(),
) {
  const until = input.until.getTime();
  if (until <= now + 60_000) throw ValidationError.field('until', 'Choose a time at least a minute from now');
  if (until > now + SNOOZE_MAX_MS) throw ValidationError.field('until', 'Snooze for at most a year');
  const conversation = await loadConversation(db, organizationId, conversationId);
  if (conversation.status === 'CLOSED' || conversation.status === 'ARCHIVED') {
    throw ValidationError.field('until', 'Reopen a resolved conversation before snoozing it');
  }
  await db
    .insert(conversationSnoozes)
    .values({ conversationId, organizationId, until: input.until, snoozedById: input.userId })
    .onConflictDoUpdate({
      target: conversationSnoozes.conversationId,
      set: { until: input.until, snoozedById: input.userId },
    });
  const updated = await updateConversation(
    env,
    db,
    organizationId,
    conversationId,
    { status: 'PENDING' },
    {
      userId: input.userId,
    },
  );
  await publishToHub(env, organizationId, {
    type: 'conversation.snoozed',
    conversationId,
    until: input.until.toISOString(),
  });
  return { conversation: updated, until: input.until.toISOString() };
}

/** Ends a snooze early: the conversation is OPEN again at once. */
export async function unsnoozeConversation(
  env: AppBindings,
  db: Db,
  organizationId: string,
  conversationId: string,
  userId: string,
) {
  await loadConversation(db, organizationId, conversationId);
  const removed = await db
    .delete(conversationSnoozes)
    .where(
      and(
        eq(conversationSnoozes.organizationId, organizationId),
        eq(conversationSnoozes.conversationId, conversationId),
      ),
    )
    .returning();
  if (!removed.length) throw ValidationError.field('conversationId', 'This conversation is not snoozed');
  const updated = await updateConversation(env, db, organizationId, conversationId, { status: 'OPEN' }, { userId });
  await publishToHub(env, organizationId, { type: 'conversation.snoozed', conversationId, until: null });
  return updated;
}

/**
 * The cron's part: every snooze that is due sets its conversation back to OPEN (by the system, so every member
 * is notified) and is forgotten. A conversation someone resolved meanwhile stays resolved.
 */
export async function wakeSnoozedConversations(env: AppBindings, db: Db, now = Date.now()): Promise<number> {
  const due = await db
    .select()
    .from(conversationSnoozes)
    .where(lte(conversationSnoozes.until, new Date(now)))
    .orderBy(asc(conversationSnoozes.until))
    .limit(WAKE_BATCH);
  let woken = 0;
  for (const snooze of due) {
    try {
      const conversation = await loadConversation(db, snooze.organizationId, snooze.conversationId);
      if (conversation.status === 'PENDING') {
        await updateConversation(env, db, snooze.organizationId, snooze.conversationId, { status: 'OPEN' });
        woken++;
      }
    } catch (error) {
      // One broken conversation must not hold up the others; it is retried next minute.
      console.error(`Waking snoozed conversation ${snooze.conversationId} failed:`, error);
      continue;
    }
    await db
      .delete(conversationSnoozes)
      .where(
        and(
          inArray(conversationSnoozes.conversationId, [snooze.conversationId]),
          lte(conversationSnoozes.until, new Date(now)),
        ),
      );
    await publishToHub(env, snooze.organizationId, {
      type: 'conversation.snoozed',
      conversationId: snooze.conversationId,
      until: null,
    });
  }
  return woken;
}
