// Runs every subscriber of a domain event, each at most once per event: a run is claimed under the key
// (subscriber, event id) before it acts and marked DONE after, so a redelivered or concurrently duplicated
// event skips what already ran and retries only what failed.
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type Channel, channels } from '../db/schema';
import type { AppBindings } from '../env';
import type { DomainEvent, DomainEventType } from './types';

/** What a queue batch's fan-out read once for all its events. */
export interface FanOutContext {
  /** The event's channel (null when it is gone or belongs to another organisation). */
  channel(event: DomainEvent): Channel | null;
  /**
   * What `load` reads for the whole batch, read once (on first use) and shared by every later run of the batch;
   * a load that failed is tried again by the next run that asks. Keyed by `load` itself, so each subscriber
   * module owns its lookups; each says why what it reads cannot go stale during the batch.
   */
  once<T>(load: BatchLoad<T>): Promise<T>;
}

/** A per-batch lookup: reads what the batch's events need, for all of them at once. */
export type BatchLoad<T> = (db: Db, events: readonly DomainEvent[]) => Promise<T>;

export interface Subscriber {
  name: string;
  on: readonly DomainEventType[];
  /**
   * Whether the event gives the subscriber anything to do, from the event and the batch's context alone (no
   * reads of its own). A subscriber that says no is neither claimed nor run for the event; without it, every
   * event of its types is.
   */
  wants?(event: DomainEvent, context: FanOutContext): boolean;
  /** `context`: the batch's, when the fan-out runs it (a direct call reads its own, `batchContext`). */
  run(env: AppBindings, event: DomainEvent, context?: FanOutContext): Promise<void>;
  /**
   * Once the batch's runs and outcomes are written: work for the batch's events together (`done`: those whose
   * run of this subscriber finished in this batch). Best effort: a failure is logged and the queue does not
   * redeliver for it, so it may only do what something else catches up on (analytics: the cron re-derives).
   */
  afterBatch?(env: AppBindings, context: FanOutContext, done: readonly DomainEvent[]): Promise<void>;
}

/** A run still RUNNING after this long is assumed dead (the Worker was evicted) and taken over. */
export const RUN_LEASE_MS = 5 * 60_000;

/** Claims the event for the named subscribers (one statement); returns the names it claimed. */
function claimStatement(d1: D1Database, names: string[], event: DomainEvent, now: number) {
  return d1
    .prepare(
      `INSERT INTO event_runs (subscriber, event_id, organization_id, status, claimed_at)
       VALUES ${names.map(() => "(?, ?, ?, 'RUNNING', ?)").join(', ')}
       ON CONFLICT (subscriber, event_id) DO UPDATE SET claimed_at = excluded.claimed_at
       WHERE event_runs.status = 'RUNNING' AND event_runs.claimed_at < ?
       RETURNING subscriber`,
    )
    .bind(...names.flatMap((name) => [name, event.id, event.organizationId, now]), now - RUN_LEASE_MS);
}

/** The statements that record how the event's runs went: DONE, or a failed run's claim released. */
function outcomeStatements(d1: D1Database, event: DomainEvent, done: string[], failed: string[]) {
  const list = (names: string[]) => names.map(() => '?').join(', ');
  return [
    ...(done.length
      ? [
          d1
            .prepare(
              `UPDATE event_runs SET status = 'DONE', finished_at = ? WHERE event_id = ? AND subscriber IN (${list(done)})`,
            )
            .bind(Date.now(), event.id, ...done),
        ]
      : []),
    // A failed run's claim is released so the redelivery can run it at once.
    ...(failed.length
      ? [
          d1
            .prepare(
              `DELETE FROM event_runs WHERE event_id = ? AND status = 'RUNNING' AND subscriber IN (${list(failed)})`,
            )
            .bind(event.id, ...failed),
        ]
      : []),
  ];
}

/**
 * Reads the channels of a batch's events once (the subscribers' `wants` and runs look them up here); the
 * subscribers' other lookups are read when first asked for (`once`).
 */
export async function batchContext(db: Db, events: readonly DomainEvent[]): Promise<FanOutContext> {
  const ids = [...new Set(events.map((event) => event.channelId))];
  const rows: Channel[] = [];
  for (let i = 0; i < ids.length; i += 90) {
    rows.push(
      ...(await db
        .select()
        .from(channels)
        .where(inArray(channels.id, ids.slice(i, i + 90)))),
    );
  }
  const byId = new Map(rows.map((row) => [row.id, row]));
  const loaded = new Map<BatchLoad<unknown>, Promise<unknown>>();
  return {
    channel: (event) => {
      const channel = byId.get(event.channelId);
      return channel && channel.organizationId === event.organizationId ? channel : null;
    },
    once<T>(load: BatchLoad<T>): Promise<T> {
      let value = loaded.get(load) as Promise<T> | undefined;
      if (!value) {
        value = load(db, events);
        loaded.set(load, value);
        // Forgotten when it fails: one event's failed read must not fail the batch's later events.
        value.catch(() => loaded.get(load) === value && loaded.delete(load));
      }
      return value;
    },
  };
}

/**
 * Runs each event's subscribers in order (translation settles the language before AI replies are asked for),
 * the events one after another in the batch's order. Returns, for each event, null when it is fully handled,
 * or the error saying which runs failed or are still running elsewhere (the queue redelivers that event; the
 * runs that finished are not repeated).
 *
 * D1 round trips: one read of the batch's channels, then one per event that claims its runs together with the
 * previous event's outcomes, and one for the last outcomes. A claim is taken only when its event is about to
 * run and an outcome is recorded before the next event runs, so a crash leaves at most one event's runs
 * claimed, as when every event had its own claim and outcome batches. The subscribers' own reads of the batch
 * go through the context (`once`), and their per-batch work (`afterBatch`) comes after the last outcome.
 */
export async function fanOutBatch(
  env: AppBindings,
  db: Db,
  subscribers: readonly Subscriber[],
  events: readonly DomainEvent[],
): Promise<(Error | null)[]> {
  const results: (Error | null)[] = events.map(() => null);
  if (!events.length) return results;
  const d1 = db.$client;
  let context: FanOutContext;
  try {
    context = await batchContext(db, events);
  } catch (error) {
    return events.map(() => asError(error));
  }
  // Per subscriber, the events whose run finished in this batch (for its `afterBatch`).
  const finished = new Map<Subscriber, DomainEvent[]>();
  await runEvents(env, d1, subscribers, events, context, results, finished);
  for (const [subscriber, done] of finished) {
    try {
      await subscriber.afterBatch?.(env, context, done);
    } catch (error) {
      console.error(`Subscriber ${subscriber.name} failed after its batch:`, error);
    }
  }
  return results;
}

/** `fanOutBatch`'s loop: each event's claims, runs and outcomes, into `results` and `finished`. */
async function runEvents(
  env: AppBindings,
  d1: D1Database,
  subscribers: readonly Subscriber[],
  events: readonly DomainEvent[],
  context: FanOutContext,
  results: (Error | null)[],
  finished: Map<Subscriber, DomainEvent[]>,
): Promise<void> {
  // The previous event's outcomes, still to be written, and which event they belong to.
  let pending: { index: number; statements: D1PreparedStatement[] } | null = null;
  for (const [index, event] of events.entries()) {
    const interested = subscribers.filter(
      (subscriber) => subscriber.on.includes(event.type) && (subscriber.wants?.(event, context) ?? true),
    );
    const names = interested.map((subscriber) => subscriber.name);
    const now = Date.now();
    const statements = [
      ...(pending?.statements ?? []),
      ...(names.length ? [claimStatement(d1, names, event, now)] : []),
    ];
    let claimed = new Set<string>();
    try {
      if (statements.length) {
        const written = await d1.batch<{ subscriber: string }>(statements);
        if (names.length) claimed = new Set(written.at(-1)!.results.map((row) => row.subscriber));
      }
    } catch (error) {
      // Neither the previous event's outcomes nor this event's claims are known to be written: both are
      // redelivered, and so is everything after them.
      for (let i = pending?.index ?? index; i < events.length; i++) results[i] = asError(error);
      return;
    }
    pending = null;
    if (!names.length) continue;
    const problems: string[] = [];
    const others = names.filter((name) => !claimed.has(name));
    if (others.length) {
      try {
        const { results: rows } = await d1
          .prepare(
            `SELECT subscriber FROM event_runs WHERE event_id = ? AND status = 'RUNNING' AND subscriber IN (${others.map(() => '?').join(',')})`,
          )
          .bind(event.id, ...others)
          .all<{ subscriber: string }>();
        problems.push(...rows.map((row) => `${row.subscriber}: still running elsewhere`));
      } catch (error) {
        problems.push(`claims: ${asError(error).message}`);
      }
    }
    const done: string[] = [];
    const failed: string[] = [];
    for (const subscriber of interested) {
      if (!claimed.has(subscriber.name)) continue;
      try {
        await subscriber.run(env, event, context);
        done.push(subscriber.name);
        if (subscriber.afterBatch) {
          if (!finished.has(subscriber)) finished.set(subscriber, []);
          finished.get(subscriber)!.push(event);
        }
      } catch (error) {
        console.error(`Subscriber ${subscriber.name} failed on ${event.type} ${event.id}:`, error);
        failed.push(subscriber.name);
        problems.push(`${subscriber.name}: ${asError(error).message}`);
      }
    }
    if (problems.length) {
      results[index] = new Error(`Event ${event.type} ${event.id} not fully handled: ${problems.join('; ')}`);
    }
    const outcomes = outcomeStatements(d1, event, done, failed);
    if (outcomes.length) pending = { index, statements: outcomes };
  }
  if (pending) {
    try {
      await d1.batch(pending.statements);
    } catch (error) {
      results[pending.index] = asError(error);
    }
  }
}

/** One event through `fanOutBatch`; throws when it was not fully handled, so the queue redelivers it. */
export async function fanOut(env: AppBindings, db: Db, subscribers: readonly Subscriber[], event: DomainEvent) {
  const [problem] = await fanOutBatch(env, db, subscribers, [event]);
  if (problem) throw problem;
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));
