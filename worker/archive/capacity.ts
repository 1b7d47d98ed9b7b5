// Seeing the D1 ceiling coming (docs/capacity.md): the minute cron reads the database's size and logs a warning
// at 70 % and an error at 85 % of the cap, when the level changes and then at most once an hour while it lasts.
import type { AppBindings } from '../env';

/** D1's per-database cap (10 GB); D1_CAPACITY_BYTES overrides it (a plan with another cap, or a test). */
export const D1_CAPACITY_BYTES = 10_000_000_000;
export const WARN_RATIO = 0.7;
export const CRITICAL_RATIO = 0.85;
const REPEAT_MS = 60 * 60 * 1000;

export type SizeLevel = 'ok' | 'warn' | 'critical';

export interface SizeCheck {
  bytes: number;
  capacity: number;
  ratio: number;
  level: SizeLevel;
  /** Whether this check logged (a new level, or an hour since the last log at this level). */
  logged: boolean;
}

export function capacityBytes(env: AppBindings): number {
  const value = Number(env.D1_CAPACITY_BYTES);
  return env.D1_CAPACITY_BYTES && Number.isFinite(value) && value > 0 ? value : D1_CAPACITY_BYTES;
}

export function levelOf(ratio: number): SizeLevel {
  return ratio >= CRITICAL_RATIO ? 'critical' : ratio >= WARN_RATIO ? 'warn' : 'ok';
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

export async function checkDatabaseSize(env: AppBindings, now = Date.now()): Promise<SizeCheck> {
  const d1 = env.DB;
  // D1 reports the database's size after every statement; a trivial one costs nothing.
  const probe = await d1.prepare("SELECT value FROM archive_state WHERE key = 'size_alert'").all<{ value: string }>();
  const bytes = Number(probe.meta.size_after ?? 0);
  const capacity = capacityBytes(env);
  const ratio = bytes / capacity;
  const level = levelOf(ratio);
  const previous = probe.results[0]
    ? (JSON.parse(probe.results[0].value) as { level: SizeLevel; at: number })
    : { level: 'ok' as SizeLevel, at: 0 };
  const logged = level !== previous.level || (level !== 'ok' && now - previous.at >= REPEAT_MS);
  if (logged) {
    const figure = `D1 holds ${gb(bytes)} of its ${gb(capacity)} cap (${(ratio * 100).toFixed(1)} %)`;
    if (level === 'critical') {
      console.error(
        `[capacity] ${figure}: writes fail at the cap. Lower ARCHIVE_AFTER_DAYS or move organisations out (docs/capacity.md).`,
      );
    } else if (level === 'warn') {
      console.warn(`[capacity] ${figure}: plan the next step now (docs/capacity.md).`);
    } else {
      console.log(`[capacity] ${figure}: back under ${WARN_RATIO * 100} %.`);
    }
    await d1
      .prepare(
        "INSERT INTO archive_state (key, value) VALUES ('size_alert', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .bind(JSON.stringify({ level, at: now }))
      .run();
  }
  return { bytes, capacity, ratio, level, logged };
}
