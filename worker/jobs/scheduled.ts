// The cron trigger (every minute): sends jobs a crash left behind and forgets subscriber runs old enough that
// the queue can no longer redeliver their event.
import { and, eq, lt } from 'drizzle-orm';
import { flushAll as flushAnalytics } from '../analytics/store';
import { runArchiveUpkeep } from '../archive/upkeep';
import { syncDueOrders } from '../attribution/shop';
import { runFlowUpkeep } from '../automations/flows/runs';
import { runAutomationUpkeep } from '../automations/upkeep';
import { runBillingUpkeep } from '../billing/upkeep';
import { pollEmailChannels } from '../channels/email/poll';
import { pruneMetaInboundIds } from '../channels/meta/inbound';
import { createDb } from '../db/client';
import { eventRuns } from '../db/schema';
import type { AppBindings } from '../env';
import { runNotificationUpkeep } from '../notifications/upkeep';
import { wakeSnoozedConversations } from '../snoozes/snoozes';
import { sweepPendingJobs } from './outbox';

/** Far beyond the queue's retries and the dead-letter path. */
const RUN_RETENTION_MS = 14 * 24 * 60 * 60 * 1000;

export async function runScheduled(env: AppBindings, now = Date.now()): Promise<void> {
  const db = createDb(env.DB);
  await sweepPendingJobs(env, db, now);
  await pruneMetaInboundIds(env, now);
  await runNotificationUpkeep(env, now);
  await flushAnalytics(env.DB);
  await runBillingUpkeep(env, now);
  await wakeSnoozedConversations(env, db, now);
  await runAutomationUpkeep(env, now);
  await runFlowUpkeep(env, now);
  await syncDueOrders(env, db, now);
  await runArchiveUpkeep(env, now);
  // Last: the IMAP poll may take up to its 45-second budget.
  await pollEmailChannels(env);
  await db
    .delete(eventRuns)
    .where(and(eq(eventRuns.status, 'DONE'), lt(eventRuns.claimedAt, new Date(now - RUN_RETENTION_MS))));
}
