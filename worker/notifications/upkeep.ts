// The notifications' share of the minute cron: mail the batches that are due, forget expired notifications and
// integration deliveries too old to be redelivered.
import { lt } from 'drizzle-orm';
import { createDb } from '../db/client';
import { integrationDeliveries } from '../db/schema';
import type { AppBindings } from '../env';
import { flushNotificationEmails } from './email';
import { forgetOldNotifications } from './inbox';

/** Far beyond the queue's retries: an integration delivery this old can no longer be redelivered. */
const DELIVERY_RETENTION_MS = 14 * 24 * 60 * 60 * 1000;

export async function runNotificationUpkeep(env: AppBindings, now = Date.now()): Promise<void> {
  const db = createDb(env.DB);
  await flushNotificationEmails(env, now);
  await forgetOldNotifications(db, now);
  await db
    .delete(integrationDeliveries)
    .where(lt(integrationDeliveries.claimedAt, new Date(now - DELIVERY_RETENTION_MS)));
}
