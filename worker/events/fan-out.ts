// Runs every subscriber of a domain event, each at most once per event: a run is claimed under the key
// (subscriber, event id) before it acts and marked DONE after, so a redelivered or concurrently duplicated
// event skips what already ran and retries only what failed.
import type { Db } from '../db/client';
import type { AppBindings } from '../env';
import type { DomainEvent, DomainEventType } from './types';

export interface Subscriber {
  name: string;
  on: readonly DomainEventType[];
  run(env: AppBindings, event: DomainEvent): Promise<void>;
}

/** A run still RUNNING after this long is assumed dead (the Worker was evicted) and taken over. */
export const RUN_LEASE_MS = 5 * 60_000;

type Claim = 'claimed' | 'done' | 'busy';

async function claim(db: Db, subscriber: string, event: DomainEvent, now: number): Promise<Claim> {
  const d1 = db.$client;
  const taken = await d1
    .prepare(
      `INSERT INTO event_runs (subscriber, event_id, organization_id, status, claimed_at) VALUES (?, ?, ?, 'RUNNING', ?)
       ON CONFLICT (subscriber, event_id) DO UPDATE SET claimed_at = excluded.claimed_at
       WHERE event_runs.status = 'RUNNING' AND event_runs.claimed_at < ?
       RETURNING status`,
    )
    .bind(subscriber, event.id, event.organizationId, now, now - RUN_LEASE_MS)
    .first();
  if (taken) return 'claimed';
  const row = await d1
    .prepare('SELECT status FROM event_runs WHERE subscriber = ? AND event_id = ?')
    .bind(subscriber, event.id)
    .first<{ status: string }>();
  return row?.status === 'DONE' ? 'done' : 'busy';
}

/**
 * Runs the event's subscribers in order (translation settles the language before AI replies are asked for).
 * Throws when any run failed or is still running elsewhere, so the queue redelivers the event; the runs
 * that finished are not repeated.
 */
export async function fanOut(env: AppBindings, db: Db, subscribers: readonly Subscriber[], event: DomainEvent) {
  const problems: string[] = [];
  for (const subscriber of subscribers) {
    if (!subscriber.on.includes(event.type)) continue;
    const outcome = await claim(db, subscriber.name, event, Date.now());
    if (outcome === 'done') continue;
    if (outcome === 'busy') {
      problems.push(`${subscriber.name}: still running elsewhere`);
      continue;
    }
    try {
      await subscriber.run(env, event);
      await db.$client
        .prepare("UPDATE event_runs SET status = 'DONE', finished_at = ? WHERE subscriber = ? AND event_id = ?")
        .bind(Date.now(), subscriber.name, event.id)
        .run();
    } catch (error) {
      // Release the claim so the redelivery can run it at once.
      await db.$client
        .prepare("DELETE FROM event_runs WHERE subscriber = ? AND event_id = ? AND status = 'RUNNING'")
        .bind(subscriber.name, event.id)
        .run();
      console.error(`Subscriber ${subscriber.name} failed on ${event.type} ${event.id}:`, error);
      problems.push(`${subscriber.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length) throw new Error(`Event ${event.type} ${event.id} not fully handled: ${problems.join('; ')}`);
}
