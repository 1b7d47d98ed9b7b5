// Metering of model calls against the token ledger: refuse before a call when nothing is left, charge what
// the call cost after it.
import type { Db } from '../db/client';
import { InsufficientTokensError } from '../lib/errors';
import { debitTokens, tokenBalance } from './tokens';

/** Refuses before any model call when the organisation has no tokens left. */
export async function assertTokens(db: Db, organizationId: string): Promise<void> {
  if ((await tokenBalance(db, organizationId)) < 1) throw new InsufficientTokensError();
}

/**
 * Charges a model call. The balance was checked before the call; if the call cost more than was left,
 * what is left is taken rather than losing work the provider already did.
 */
export async function charge(
  db: Db,
  organizationId: string,
  usage: { inputTokens: number; outputTokens: number },
  reason: string,
  referenceId: string,
): Promise<void> {
  const amount = Math.max(1, usage.inputTokens + usage.outputTokens);
  try {
    await debitTokens(db, { organizationId, amount, reason, referenceId });
  } catch (error) {
    if (!(error instanceof InsufficientTokensError)) throw error;
    const left = await tokenBalance(db, organizationId);
    if (left > 0) await debitTokens(db, { organizationId, amount: left, reason, referenceId }).catch(() => undefined);
  }
}
