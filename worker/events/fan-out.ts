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

const CLAIM = `INSERT INTO event_runs (subscriber, event_id, organization_id, status, claimed_at)
  VALUES (?, ?, ?, 'RUNNING', ?)
  ON CONFLICT (subscriber, event_id) DO UPDATE SET claimed_at = excluded.claimed_at
  WHERE event_runs.status = 'RUNNING' AND event_runs.claimed_at < ?
  RETURNING subscriber`;

/**
 * Claims the event for every subscriber at once (one D1 batch): the claimed ones run now; the others have
 * either run already (DONE) or are running elsewhere (busy).
 */
async function claimAll(db: Db, names: string[], event: DomainEvent, now: number) {
  const d1 = db.$client;
  const results = await d1.batch<{ subscriber: string }>(
    names.map((name) => d1.prepare(CLAIM).bind(name, event.id, event.organizationId, now, now - RUN_LEASE_MS)),
  );
  const claimed = new Set(results.flatMap((result) => result.results.map((row) => row.subscriber)));
  const others = names.filter((name) => !claimed.has(name));
  let busy: string[] = [];
  if (others.length) {
    const { results: rows } = await d1
      .prepare(
        `SELECT subscriber FROM event_runs WHERE event_id = ? AND status = 'RUNNING' AND subscriber IN (${others.map(() => '?').join(',')})`,
      )
      .bind(event.id, ...others)
      .all<{ subscriber: string }>();
    busy = rows.map((row) => row.subscriber);
  }
  return { claimed, busy };
}

/**
 * Runs the event's subscribers in order (translation settles the language before AI replies are asked for).
 * Throws when any run failed or is still running elsewhere, so the queue redelivers the event; the runs
 * that finished are not repeated. Claims and outcomes are one D1 batch each, whatever the number of
 * subscribers.
 */
export async function fanOut(env: AppBindings, db: Db, subscribers: readonly Subscriber[], event: DomainEvent) {
  const interested = subscribers.filter((subscriber) => subscriber.on.includes(event.type));
  if (!interested.length) return;
  const { claimed, busy } = await claimAll(
    db,
    interested.map((subscriber) => subscriber.name),
    event,
    Date.now(),
  );
  const problems = busy.map((name) => `${name}: still running elsewhere`);
  const done: string[] = [];
  const failed: string[] = [];
  for (const subscriber of interested) {
    if (!claimed.has(subscriber.name)) continue;
    try {
      await subscriber.run(env, event);
      done.push(subscriber.name);
    } catch (error) {
      console.error(`Subscriber ${subscriber.name} failed on ${event.type} ${event.id}:`, error);
      failed.push(subscriber.name);
      problems.push(`${subscriber.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const d1 = db.$client;
  const outcomes = [
    ...done.map((name) =>
      d1
        .prepare("UPDATE event_runs SET status = 'DONE', finished_at = ? WHERE subscriber = ? AND event_id = ?")
        .bind(Date.now(), name, event.id),
    ),
    // A failed run's claim is released so the redelivery can run it at once.
    ...failed.map((name) =>
      d1
        .prepare("DELETE FROM event_runs WHERE subscriber = ? AND event_id = ? AND status = 'RUNNING'")
        .bind(name, event.id),
    ),
  ];
  if (outcomes.length) await d1.batch(outcomes);
  if (problems.length) throw new Error(`Event ${event.type} ${event.id} not fully handled: ${problems.join('; ')}`);
}
