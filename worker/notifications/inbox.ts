// The notification centre: a member's in-app notifications, newest first, with the unread count; marking them
// read; and forgetting them after the retention period (the minute cron).
import { and, count, desc, eq, inArray, isNull, lt } from 'drizzle-orm';
import type { HubNotification } from '../conversations/frames';
import type { Db } from '../db/client';
import { notifications } from '../db/schema';

/** How long a notification is kept, read or not. */
export const NOTIFICATION_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
const CLEANUP_BATCH = 500;

type NotificationRow = typeof notifications.$inferSelect;

export function toApiNotification(row: NotificationRow): HubNotification {
  return {
    id: row.id,
    event: row.event,
    conversationId: row.conversationId,
    title: row.title,
    body: row.body,
    readAt: row.readAt ? row.readAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
  };
}

function mine(organizationId: string, userId: string) {
  return and(
    eq(notifications.userId, userId),
    eq(notifications.organizationId, organizationId),
    eq(notifications.inApp, true),
  );
}

export async function listNotifications(
  db: Db,
  organizationId: string,
  userId: string,
  { page, pageSize, unreadOnly }: { page: number; pageSize: number; unreadOnly?: boolean },
) {
  const where = unreadOnly
    ? and(mine(organizationId, userId), isNull(notifications.readAt))
    : mine(organizationId, userId);
  const [rows, [total], [unread]] = await Promise.all([
    db
      .select()
      .from(notifications)
      .where(where)
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    db.select({ n: count() }).from(notifications).where(where),
    db
      .select({ n: count() })
      .from(notifications)
      .where(and(mine(organizationId, userId), isNull(notifications.readAt))),
  ]);
  return { items: rows.map(toApiNotification), total: total?.n ?? 0, unreadCount: unread?.n ?? 0 };
}

/** Marks the given notifications (or all of the member's) read; ids of other members are ignored. */
export async function markRead(db: Db, organizationId: string, userId: string, ids?: string[]) {
  const now = new Date();
  const unreadMine = and(mine(organizationId, userId), isNull(notifications.readAt));
  const updated = await db
    .update(notifications)
    .set({ readAt: now })
    .where(ids ? and(unreadMine, inArray(notifications.id, ids)) : unreadMine)
    .returning({ id: notifications.id });
  const [unread] = await db.select({ n: count() }).from(notifications).where(unreadMine);
  return { marked: updated.length, unreadCount: unread?.n ?? 0 };
}

/** Deletes notifications older than the retention period, a bounded batch per run. */
export async function forgetOldNotifications(db: Db, now = Date.now()): Promise<number> {
  const old = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(lt(notifications.createdAt, new Date(now - NOTIFICATION_RETENTION_MS)))
    .limit(CLEANUP_BATCH);
  let deleted = 0;
  for (let i = 0; i < old.length; i += 90) {
    const ids = old.slice(i, i + 90).map((r) => r.id);
    await db.delete(notifications).where(inArray(notifications.id, ids));
    deleted += ids.length;
  }
  return deleted;
}
