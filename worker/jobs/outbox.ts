// Durable job sends for changes made straight in D1 (outside a conversation actor): the job is written in the
// same D1 batch as the change, sent right after, and deleted once the queue has it. If the Worker dies in
// between, or the queue refuses the send, the scheduled sweep sends it later: the follow-up is never lost.

import { and, eq, lt } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Db } from '../db/client';
import { pendingJobs } from '../db/schema';
import type { AppBindings } from '../env';
import { enqueue, type Job } from './types';

/** Rows younger than this belong to a request that may still be sending them. */
export const SWEEP_AFTER_MS = 60_000;
const SWEEP_BATCH = 100;

/**
 * Runs `writes` and records `job` in one D1 transaction, then sends the job. Returns the writes' results.
 * A failed send is logged, not thrown: the change is durable and the sweep will send its job.
 */
export async function writeWithJob<T extends [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]>(
  env: AppBindings,
  db: Db,
  job: Job,
  writes: T,
) {
  const id = crypto.randomUUID();
  const results = await db.batch([...writes, db.insert(pendingJobs).values({ id, payload: job })]);
  await sendPending(env, db, id, job).catch((error) => {
    console.error(`Job ${job.kind} was stored but not sent; the sweep will send it:`, error);
  });
  return results.slice(0, writes.length) as unknown as { [K in keyof T]: Awaited<T[K]> };
}

async function sendPending(env: AppBindings, db: Db, id: string, job: Job): Promise<void> {
  await enqueue(env.JOBS, job);
  await db.delete(pendingJobs).where(eq(pendingJobs.id, id));
}

/** Sends the jobs a crash or a queue outage left behind (oldest first, bounded per run). */
export async function sweepPendingJobs(env: AppBindings, db: Db, now = Date.now()): Promise<number> {
  const rows = await db
    .select()
    .from(pendingJobs)
    .where(and(lt(pendingJobs.createdAt, new Date(now - SWEEP_AFTER_MS))))
    .orderBy(pendingJobs.createdAt)
    .limit(SWEEP_BATCH);
  let sent = 0;
  for (const row of rows) {
    try {
      await sendPending(env, db, row.id, row.payload as Job);
      sent++;
    } catch (error) {
      console.error(`Sweep could not send job ${row.id}; next sweep retries:`, error);
    }
  }
  return sent;
}
