// The token ledger: every metered action debits the org's balance atomically, with a ledger row.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { organizations } from '../db/schema';
import { InsufficientTokensError } from '../lib/errors';

export interface LedgerEntry {
  organizationId: string;
  amount: number;
  reason: string;
  referenceId?: string;
}

// The ledger INSERT copies the new balance and runs only when the UPDATE before it changed the row
// (changes() = 1); both statements run in one D1 batch, which is a transaction.
const LEDGER_INSERT = `INSERT INTO token_ledger (id, organization_id, delta, reason, reference_id, balance_after, created_at)
  SELECT ?, id, ?, ?, ?, token_balance, ? FROM organizations WHERE id = ? AND changes() = 1`;

async function applyDelta(db: Db, entry: LedgerEntry, delta: number): Promise<number | null> {
  const d1 = db.$client;
  const update =
    delta < 0
      ? d1
          .prepare(
            'UPDATE organizations SET token_balance = token_balance + ? WHERE id = ? AND token_balance >= ? RETURNING token_balance',
          )
          .bind(delta, entry.organizationId, -delta)
      : d1
          .prepare('UPDATE organizations SET token_balance = token_balance + ? WHERE id = ? RETURNING token_balance')
          .bind(delta, entry.organizationId);
  const insert = d1
    .prepare(LEDGER_INSERT)
    .bind(crypto.randomUUID(), delta, entry.reason, entry.referenceId ?? null, Date.now(), entry.organizationId);
  const [updated] = await d1.batch<{ token_balance: number }>([update, insert]);
  return updated?.results[0]?.token_balance ?? null;
}

/**
 * Debits `amount` tokens and returns the new balance, or throws 402 INSUFFICIENT_TOKENS and changes
 * nothing when the balance is short. Concurrent debits can never overdraw.
 */
export async function debitTokens(db: Db, entry: LedgerEntry): Promise<number> {
  const balance = await applyDelta(db, entry, -Math.abs(entry.amount));
  if (balance === null) throw new InsufficientTokensError();
  return balance;
}

/** Credits tokens (plan grants, top-ups) and returns the new balance. */
export async function creditTokens(db: Db, entry: LedgerEntry): Promise<number> {
  return (await applyDelta(db, entry, Math.abs(entry.amount))) ?? 0;
}

export async function tokenBalance(db: Db, organizationId: string): Promise<number> {
  const [row] = await db
    .select({ balance: organizations.tokenBalance })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  return row?.balance ?? 0;
}
