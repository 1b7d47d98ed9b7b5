// The automations' and integrations' share of the minute cron: tokens refreshed before they expire, posts and
// the catalog kept in sync, comments whose evaluation job was lost sent again, the evaluation log trimmed to
// the last 50 per trigger, and expired OAuth states forgotten.
import { lt } from 'drizzle-orm';
import { createDb } from '../db/client';
import { integrationOauthStates } from '../db/schema';
import type { AppBindings } from '../env';
import { syncDueIntegrations } from '../integrations/sync';
import { refreshExpiringIntegrations } from '../integrations/tokens';
import { pruneEvaluations, sweepPendingComments } from './engine';

export async function runAutomationUpkeep(env: AppBindings, now = Date.now()): Promise<void> {
  const db = createDb(env.DB);
  const steps: [string, () => Promise<unknown>][] = [
    ['token refresh', () => refreshExpiringIntegrations(env, db, now)],
    ['sync', () => syncDueIntegrations(env, db, now)],
    ['pending comments', () => sweepPendingComments(env, db, now)],
    ['evaluation log', () => pruneEvaluations(env)],
    [
      'oauth states',
      () => db.delete(integrationOauthStates).where(lt(integrationOauthStates.expiresAt, new Date(now))),
    ],
  ];
  // One failing step (TikTok down) must not keep the others from running.
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (error) {
      console.error(`Automation upkeep (${name}) failed:`, error);
    }
  }
}
