// Web push subscriptions (one per browser: the endpoint is the device) and the notification.push job, which
// sends one notification to each of the member's devices at most once: a device's delivery is claimed before
// the send and marked SENT after, so a retried or duplicated job skips the devices already done.
import { and, eq, sql } from 'drizzle-orm';
import { createDb, type Db } from '../db/client';
import { notifications, pushDeliveries, pushSubscriptions } from '../db/schema';
import type { AppBindings } from '../env';
import type { JobOf } from '../jobs/types';
import { ValidationError } from '../lib/errors';
import { nonPublicHostReason } from '../lib/public-host';
import { sendWebPush, vapidFromEnv } from './web-push';

/** A SENDING claim older than this is assumed dead (the Worker was evicted mid-send) and taken over. */
const PUSH_LEASE_MS = 2 * 60_000;

export interface SubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  userAgent?: string | null;
}

/** The push service's URL is called by the Worker: https and a public host only. */
export function checkPushEndpoint(endpoint: string): void {
  const url = new URL(endpoint);
  if (url.protocol !== 'https:') throw ValidationError.field('endpoint', 'Push endpoints must use https');
  const reason = nonPublicHostReason(url);
  if (reason) throw ValidationError.field('endpoint', `Push endpoint refused: ${reason}`);
}

/** Devices per member; subscribing one more forgets the oldest (a browser long gone). */
export const MAX_DEVICES_PER_USER = 20;

/** Stores this browser's subscription for the member; the same browser subscribing again replaces its row. */
export async function saveSubscription(db: Db, organizationId: string, userId: string, input: SubscriptionInput) {
  checkPushEndpoint(input.endpoint);
  await db.$client
    .prepare(
      `DELETE FROM push_subscriptions WHERE id IN (
         SELECT id FROM push_subscriptions WHERE user_id = ? AND endpoint <> ? ORDER BY created_at DESC LIMIT -1 OFFSET ?)`,
    )
    .bind(userId, input.endpoint, MAX_DEVICES_PER_USER - 1)
    .run();
  const [row] = await db
    .insert(pushSubscriptions)
    .values({
      organizationId,
      userId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      userAgent: input.userAgent ?? null,
    })
    .onConflictDoUpdate({
      target: pushSubscriptions.endpoint,
      // The browser's endpoint is the device: whoever subscribes on it last receives its pushes.
      set: {
        organizationId,
        userId,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
        userAgent: input.userAgent ?? null,
      },
    })
    .returning({
      id: pushSubscriptions.id,
      endpoint: pushSubscriptions.endpoint,
      createdAt: pushSubscriptions.createdAt,
    });
  return row!;
}

/** Removes this browser's subscription (the member turned push off here, or logged out of it). */
export async function removeSubscription(db: Db, organizationId: string, userId: string, endpoint: string) {
  const removed = await db
    .delete(pushSubscriptions)
    .where(
      and(
        eq(pushSubscriptions.endpoint, endpoint),
        eq(pushSubscriptions.userId, userId),
        eq(pushSubscriptions.organizationId, organizationId),
      ),
    )
    .returning({ id: pushSubscriptions.id });
  return { removed: removed.length > 0 };
}

export async function isSubscribed(db: Db, organizationId: string, userId: string, endpoint: string) {
  const [row] = await db
    .select({ id: pushSubscriptions.id })
    .from(pushSubscriptions)
    .where(
      and(
        eq(pushSubscriptions.endpoint, endpoint),
        eq(pushSubscriptions.userId, userId),
        eq(pushSubscriptions.organizationId, organizationId),
      ),
    );
  return Boolean(row);
}

async function claim(db: Db, notificationId: string, subscriptionId: string, now: number): Promise<boolean> {
  const taken = await db.$client
    .prepare(
      `INSERT INTO push_deliveries (notification_id, subscription_id, status, claimed_at) VALUES (?, ?, 'SENDING', ?)
       ON CONFLICT (notification_id, subscription_id) DO UPDATE SET claimed_at = excluded.claimed_at
       WHERE push_deliveries.status = 'SENDING' AND push_deliveries.claimed_at < ?
       RETURNING status`,
    )
    .bind(notificationId, subscriptionId, now, now - PUSH_LEASE_MS)
    .first()
    .catch((error: Error) => {
      // The device unsubscribed (or its service said 410) since we listed it: nothing to send.
      if (/FOREIGN KEY/.test(error.message)) return null;
      throw error;
    });
  return taken !== null;
}

/** The push message the service worker shows (dashboard/public/sw.js reads these fields). */
export function pushPayload(row: typeof notifications.$inferSelect) {
  return {
    id: row.id,
    event: row.event,
    title: row.title,
    body: row.body ?? '',
    url: row.conversationId ? `/conversations/${row.conversationId}` : '/conversations',
    tag: row.conversationId ?? row.id,
  };
}

/** notification.push: one notification to every device of its member; throws so the queue retries failures. */
export async function onNotificationPush(env: AppBindings, job: JobOf<'notification.push'>): Promise<void> {
  const vapid = vapidFromEnv(env);
  if (!vapid) {
    console.warn('Web push is not configured (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY); push notification skipped');
    return;
  }
  const db = createDb(env.DB);
  const [row] = await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.id, job.notificationId), eq(notifications.organizationId, job.organizationId)));
  if (!row) return;
  const devices = await db
    .select()
    .from(pushSubscriptions)
    .where(and(eq(pushSubscriptions.userId, row.userId), eq(pushSubscriptions.organizationId, row.organizationId)));
  const failures: string[] = [];
  for (const device of devices) {
    if (!(await claim(db, row.id, device.id, Date.now()))) continue;
    const outcome = await sendWebPush(device, pushPayload(row), vapid);
    if (outcome.kind === 'sent') {
      await db
        .update(pushDeliveries)
        .set({ status: 'SENT' })
        .where(and(eq(pushDeliveries.notificationId, row.id), eq(pushDeliveries.subscriptionId, device.id)));
    } else if (outcome.kind === 'gone') {
      // The browser unsubscribed or the subscription expired: forget the device (its deliveries go with it).
      await db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, device.id));
    } else {
      await db
        .delete(pushDeliveries)
        .where(
          and(
            eq(pushDeliveries.notificationId, row.id),
            eq(pushDeliveries.subscriptionId, device.id),
            sql`${pushDeliveries.status} = 'SENDING'`,
          ),
        );
      failures.push(`${new URL(device.endpoint).host}: ${outcome.detail}`);
    }
  }
  if (failures.length) throw new Error(`Push not delivered to ${failures.length} device(s): ${failures.join('; ')}`);
}
