// Login throttling per account, across all IPs: after MAX_ATTEMPTS attempts for one email within a window,
// further attempts are refused for a delay that doubles with each back-off (capped), then allowed again.
// Attempts are counted before the password is checked, so parallel guesses cannot slip past the count.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { loginThrottles } from '../db/schema';
import { RateLimitError } from '../lib/errors';

export const MAX_ATTEMPTS = 10;
export const WINDOW_MS = 15 * 60 * 1000;
export const FIRST_DELAY_MS = 60 * 1000;
export const MAX_DELAY_MS = 15 * 60 * 1000;
/** A row untouched this long (and not locked) is forgotten, and with it the back-off history. */
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

/** The delay of the nth back-off (1-based): 1, 2, 4, 8, then 15 minutes. */
export function backOffDelay(lockouts: number): number {
  return Math.min(FIRST_DELAY_MS * 2 ** Math.max(0, lockouts - 1), MAX_DELAY_MS);
}

function refusal(lockedUntil: Date, now: number): RateLimitError {
  const minutes = Math.max(1, Math.ceil((lockedUntil.getTime() - now) / 60_000));
  return new RateLimitError(
    `Too many login attempts for this account; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
  );
}

/**
 * Counts one login attempt for an email, or throws RateLimitError while the email is backing off (the
 * attempt that crosses the limit starts the next back-off). Call before checking the password.
 */
export async function countLoginAttempt(db: Db, email: string): Promise<void> {
  const now = Date.now();
  const at = new Date(now);
  const [current] = await db.select().from(loginThrottles).where(eq(loginThrottles.email, email)).limit(1);
  if (current?.lockedUntil && current.lockedUntil.getTime() > now) throw refusal(current.lockedUntil, now);

  const windowStart = now - WINDOW_MS;
  const forgetBefore = now - FORGET_AFTER_MS;
  // One atomic statement, so concurrent attempts from many IPs are each counted.
  const [row] = await db
    .insert(loginThrottles)
    .values({ email, attempts: 1, windowStartedAt: at, lockouts: 0, updatedAt: at })
    .onConflictDoUpdate({
      target: loginThrottles.email,
      set: {
        attempts: sql`CASE WHEN ${loginThrottles.windowStartedAt} <= ${windowStart} THEN 1 ELSE ${loginThrottles.attempts} + 1 END`,
        windowStartedAt: sql`CASE WHEN ${loginThrottles.windowStartedAt} <= ${windowStart} THEN ${now} ELSE ${loginThrottles.windowStartedAt} END`,
        lockouts: sql`CASE WHEN ${loginThrottles.updatedAt} <= ${forgetBefore} THEN 0 ELSE ${loginThrottles.lockouts} END`,
        updatedAt: at,
      },
    })
    .returning();
  if (!row || row.attempts <= MAX_ATTEMPTS) return;

  const lockouts = row.lockouts + 1;
  const lockedUntil = new Date(now + backOffDelay(lockouts));
  // Guarded by the count, so of several attempts crossing the limit together only one extends the lock.
  await db
    .update(loginThrottles)
    .set({ attempts: 0, windowStartedAt: at, lockouts, lockedUntil, updatedAt: at })
    .where(and(eq(loginThrottles.email, email), sql`${loginThrottles.attempts} > ${MAX_ATTEMPTS}`));
  throw refusal(lockedUntil, now);
}

/** A successful login clears the email's count and back-off history; stale rows of others are dropped. */
export async function clearLoginAttempts(db: Db, email: string): Promise<void> {
  const now = Date.now();
  await db.batch([
    db.delete(loginThrottles).where(eq(loginThrottles.email, email)),
    db
      .delete(loginThrottles)
      .where(
        and(
          lt(loginThrottles.updatedAt, new Date(now - FORGET_AFTER_MS)),
          or(isNull(loginThrottles.lockedUntil), lt(loginThrottles.lockedUntil, new Date(now))),
        ),
      ),
  ]);
}
