// The minute cron's billing work: start the next cycle of every account whose cycle ended (a fresh allowance,
// top-ups kept), then send what the contact cap held for those organisations.
import { createDb } from '../db/client';
import type { AppBindings } from '../env';
import { rollCycles } from './account';
import { releaseHeldMessages } from './contacts';

export async function runBillingUpkeep(env: AppBindings, now = Date.now()): Promise<void> {
  const db = createDb(env.DB);
  for (const organizationId of await rollCycles(env, db, now)) {
    try {
      await releaseHeldMessages(env, db, organizationId, now);
    } catch (error) {
      // The held messages stay held; the next reset or upgrade tries again.
      console.error(`Releasing held messages of ${organizationId} failed`, error);
    }
  }
}
