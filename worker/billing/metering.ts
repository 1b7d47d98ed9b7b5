// Metering of model calls against the token ledger. Before the call, its estimated cost is reserved atomically
// (all that is left when less; 402 INSUFFICIENT_TOKENS and no call when nothing is), so concurrent calls can
// never spend the same tokens twice; after it, the reservation becomes the call's real cost; a call that fails
// costs nothing. With an idempotency key, a retried call is charged once.
import type { Db } from '../db/client';
import { releaseReservation, reserveTokens, settleReservation } from './tokens';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface MeterSpec {
  organizationId: string;
  /** The feature, as the ledger's reason: AI_REPLY, AI_ENHANCE, AI_FAQ, TRANSLATION. */
  reason: string;
  referenceId: string | null;
  /** The most the call is expected to cost (tokens); at least 1. */
  estimate: number;
  idempotencyKey?: string | null;
}

/** A rough token count for text sent to a model (about four characters a token). */
export function estimateTokens(texts: readonly string[], outputTokens: number): number {
  const chars = texts.reduce((n, text) => n + text.length, 0);
  return Math.ceil(chars / 4) + outputTokens;
}

/** What a call cost: its input and output tokens, at least one. */
export function costOf(usage: Usage): number {
  return Math.max(1, Math.ceil(usage.inputTokens + usage.outputTokens));
}

/**
 * Runs a metered call: reserves its estimate, runs it, and charges what it reports (`cost` reads the usage
 * from its result). Throws InsufficientTokensError before the call when no tokens are left.
 */
export async function metered<T>(
  db: Db,
  spec: MeterSpec,
  call: () => Promise<T>,
  cost: (result: T) => Usage,
): Promise<T> {
  const held = await reserveTokens(db, {
    organizationId: spec.organizationId,
    amount: Math.max(1, Math.ceil(spec.estimate)),
    reason: spec.reason,
    referenceId: spec.referenceId,
    idempotencyKey: spec.idempotencyKey,
  });
  // A retry of a call already charged runs again for free.
  if (held.kind !== 'applied') return call();
  const hold = { ledgerId: held.ledgerId, reserved: -held.delta, fromTopUp: held.fromTopUp };
  let result: T;
  try {
    result = await call();
  } catch (error) {
    await releaseReservation(db, spec.organizationId, hold);
    throw error;
  }
  await settleReservation(db, spec.organizationId, hold, costOf(cost(result)));
  return result;
}
