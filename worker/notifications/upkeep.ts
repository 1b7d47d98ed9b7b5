// The notifications' share of the minute cron: mail the batches that are due, forget expired notifications.
import { createDb } from '../db/client';
import type { AppBindings } from '../env';
import { flushNotificationEmails } from './email';
import { forgetOldNotifications } from './inbox';

export async function runNotificationUpkeep(env: AppBindings, now = Date.now()): Promise<void> {
  await flushNotificationEmails(env, now);
  await forgetOldNotifications(createDb(env.DB), now);
}
