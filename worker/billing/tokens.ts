// The token ledger. organizations.token_balance is the spendable balance (this cycle's allowance left plus
// top-up tokens left); every change to it is one D1 batch (a transaction) that writes a token_ledger row with
// its reason and reference and moves the balance by exactly that row's delta, so the balance always equals
// the sum of the ledger. A debit is refused (and changes nothing) when the balance is short, so concurrent
// debits can never overdraw. An idempotency key makes a retried charge or credit a no-op.
// Top-ups: billing_accounts.top_up_balance is the bought part of the balance. The allowance is spent first,
// so after every debit the top-up part is min(top-up, balance); a cycle reset renews only the allowance.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { organizations } from '../db/schema';
import { InsufficientTokensError } from '../lib/errors';

export interface LedgerEntry {
  organizationId: string;
  amount: number;
  reason: string;
  referenceId?: string | null;
  /** A retried call with the same key is not charged (or credited) again. */
  idempotencyKey?: string | null;
}

/** How a ledger change is computed from the balance (`?` is the amount). */
type Mode = 'debit' | 'debit-up-to' | 'credit' | 'top-up';

export type Applied =
  | { kind: 'applied'; ledgerId: string; delta: number; balance: number; fromTopUp: number }
  | { kind: 'duplicate'; balance: number }
  | { kind: 'refused' };

const DELTA: Record<Mode, string> = {
  debit: '-?',
  'debit-up-to': '-MIN(o.token_balance, ?)',
  credit: '?',
  'top-up': '?',
};
const CONDITION: Record<Mode, string> = {
  debit: 'o.token_balance >= ?',
  'debit-up-to': 'o.token_balance > 0 AND ? > 0',
  credit: '? >= 0',
  'top-up': '? >= 0',
};

/** The clamp that keeps the top-up part within the balance (the allowance is spent first). */
export const CLAMP_TOP_UP = `UPDATE billing_accounts SET top_up_balance = MIN(top_up_balance,
  (SELECT token_balance FROM organizations WHERE id = ?1)) WHERE organization_id = ?1 RETURNING top_up_balance`;

async function apply(db: Db, entry: LedgerEntry, mode: Mode): Promise<Applied> {
  const d1 = db.$client;
  const amount = Math.abs(Math.trunc(entry.amount));
  const ledgerId = crypto.randomUUID();
  const key = entry.idempotencyKey ?? null;
  const org = entry.organizationId;
  const keyFree = key
    ? 'AND NOT EXISTS (SELECT 1 FROM token_charge_keys k WHERE k.organization_id = o.id AND k.key = ?7)'
    : '';
  const written = 'EXISTS (SELECT 1 FROM token_ledger WHERE id = ?1)';
  const delta = DELTA[mode].replace('?', '?3');
  const statements = [
    d1.prepare('SELECT top_up_balance FROM billing_accounts WHERE organization_id = ?').bind(org),
    d1
      .prepare(
        `INSERT INTO token_ledger (id, organization_id, delta, reason, reference_id, balance_after, created_at)
         SELECT ?1, o.id, ${delta}, ?4, ?5, o.token_balance + ${delta}, ?6 FROM organizations o
         WHERE o.id = ?2 AND ${CONDITION[mode].replace('?', '?3')} ${keyFree} RETURNING delta`,
      )
      .bind(ledgerId, org, amount, entry.reason, entry.referenceId ?? null, Date.now(), ...(key ? [key] : [])),
    d1
      .prepare(
        `UPDATE organizations SET token_balance = token_balance + (SELECT delta FROM token_ledger WHERE id = ?1)
         WHERE id = ?2 AND ${written} RETURNING token_balance`,
      )
      .bind(ledgerId, org),
  ];
  if (key) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO token_charge_keys (organization_id, key, ledger_id, created_at) SELECT ?2, ?3, ?1, ?4 WHERE ${written}`,
        )
        .bind(ledgerId, org, key, Date.now()),
    );
  }
  if (mode === 'top-up') {
    statements.push(
      d1
        .prepare(
          `UPDATE billing_accounts SET top_up_balance = top_up_balance + (SELECT delta FROM token_ledger WHERE id = ?1)
           WHERE organization_id = ?2 AND ${written}`,
        )
        .bind(ledgerId, org),
    );
  }
  statements.push(d1.prepare(CLAMP_TOP_UP).bind(org));
  const results = await d1.batch<Record<string, number>>(statements);
  const updated = results[2]?.results[0]?.token_balance;
  if (updated === undefined) {
    if (key) {
      const seen = await d1
        .prepare('SELECT 1 FROM token_charge_keys WHERE organization_id = ? AND key = ?')
        .bind(org, key)
        .first();
      if (seen) return { kind: 'duplicate', balance: await tokenBalance(db, org) };
    }
    return { kind: 'refused' };
  }
  const topUpBefore = results[0]?.results[0]?.top_up_balance ?? 0;
  const topUpAfter = results.at(-1)?.results[0]?.top_up_balance ?? 0;
  return {
    kind: 'applied',
    ledgerId,
    delta: results[1]?.results[0]?.delta ?? 0,
    balance: updated,
    fromTopUp: mode === 'top-up' ? 0 : Math.max(0, topUpBefore - topUpAfter),
  };
}

/**
 * Debits `amount` tokens and returns the new balance, or throws 402 INSUFFICIENT_TOKENS and changes nothing
 * when the balance is short. With an idempotency key already charged, charges nothing and returns the balance.
 */
export async function debitTokens(db: Db, entry: LedgerEntry): Promise<number> {
  const result = await apply(db, entry, 'debit');
  if (result.kind === 'refused') throw new InsufficientTokensError();
  return result.balance;
}

/**
 * Debits up to `amount` (all that is left when less), for holding tokens before a metered call; 402 when
 * nothing is left. Tells how much was taken from the top-up part, so a refund can give it back there.
 */
export async function reserveTokens(db: Db, entry: LedgerEntry): Promise<Applied> {
  const result = await apply(db, entry, 'debit-up-to');
  if (result.kind === 'refused') throw new InsufficientTokensError();
  return result;
}

/** Credits tokens to the allowance part (plan grants, refunds) and returns the new balance. */
export async function creditTokens(db: Db, entry: LedgerEntry): Promise<number> {
  const result = await apply(db, entry, 'credit');
  return result.kind === 'refused' ? tokenBalance(db, entry.organizationId) : result.balance;
}

/**
 * Credits bought tokens: they are spent after the allowance and survive cycle resets. The organisation's
 * billing account must exist (billing/account.ts ensureAccount). Reports whether this call credited them.
 */
export async function creditTopUp(db: Db, entry: LedgerEntry): Promise<{ credited: boolean; balance: number }> {
  const result = await apply(db, entry, 'top-up');
  if (result.kind === 'applied') return { credited: true, balance: result.balance };
  return { credited: false, balance: await tokenBalance(db, entry.organizationId) };
}

/**
 * Settles a reservation: the ledger row becomes the call's real cost. Unused tokens go back (to the top-up
 * part first, as far as the reservation took from it); a call that cost more takes the rest from what is
 * left, never below zero.
 */
export async function settleReservation(
  db: Db,
  organizationId: string,
  hold: { ledgerId: string; reserved: number; fromTopUp: number },
  cost: number,
): Promise<void> {
  const d1 = db.$client;
  const written = 'EXISTS (SELECT 1 FROM token_ledger WHERE id = ?2)';
  if (cost <= hold.reserved) {
    const refund = hold.reserved - cost;
    await d1.batch([
      d1
        .prepare(`UPDATE organizations SET token_balance = token_balance + ?3 WHERE id = ?1 AND ${written}`)
        .bind(organizationId, hold.ledgerId, refund),
      d1
        .prepare(
          `UPDATE billing_accounts SET top_up_balance = top_up_balance + ?3 WHERE organization_id = ?1 AND ${written}`,
        )
        .bind(organizationId, hold.ledgerId, Math.min(refund, hold.fromTopUp)),
      d1
        .prepare(
          'UPDATE token_ledger SET delta = ?3, balance_after = (SELECT token_balance FROM organizations WHERE id = ?1) WHERE id = ?2',
        )
        .bind(organizationId, hold.ledgerId, -cost),
      d1.prepare(CLAMP_TOP_UP).bind(organizationId),
    ]);
    return;
  }
  const extra = cost - hold.reserved;
  await d1.batch([
    d1
      .prepare(
        'UPDATE token_ledger SET delta = delta - MIN((SELECT token_balance FROM organizations WHERE id = ?1), ?3) WHERE id = ?2',
      )
      .bind(organizationId, hold.ledgerId, extra),
    d1
      .prepare(
        `UPDATE organizations SET token_balance = token_balance - MIN(token_balance, ?3) WHERE id = ?1 AND ${written}`,
      )
      .bind(organizationId, hold.ledgerId, extra),
    d1
      .prepare(
        'UPDATE token_ledger SET balance_after = (SELECT token_balance FROM organizations WHERE id = ?1) WHERE id = ?2',
      )
      .bind(organizationId, hold.ledgerId),
    d1.prepare(CLAMP_TOP_UP).bind(organizationId),
  ]);
}

/** Undoes a reservation whose call failed: the tokens go back, the ledger row and its key are removed. */
export async function releaseReservation(
  db: Db,
  organizationId: string,
  hold: { ledgerId: string; reserved: number; fromTopUp: number },
): Promise<void> {
  const d1 = db.$client;
  const written = 'EXISTS (SELECT 1 FROM token_ledger WHERE id = ?2)';
  await d1.batch([
    d1
      .prepare(
        `UPDATE organizations SET token_balance = token_balance - (SELECT delta FROM token_ledger WHERE id = ?2) WHERE id = ?1 AND ${written}`,
      )
      .bind(organizationId, hold.ledgerId),
    d1
      .prepare(
        `UPDATE billing_accounts SET top_up_balance = top_up_balance + ?3 WHERE organization_id = ?1 AND ${written}`,
      )
      .bind(organizationId, hold.ledgerId, hold.fromTopUp),
    d1
      .prepare('DELETE FROM token_charge_keys WHERE organization_id = ?1 AND ledger_id = ?2')
      .bind(organizationId, hold.ledgerId),
    d1.prepare('DELETE FROM token_ledger WHERE organization_id = ?1 AND id = ?2').bind(organizationId, hold.ledgerId),
    d1.prepare(CLAMP_TOP_UP).bind(organizationId),
  ]);
}

export async function tokenBalance(db: Db, organizationId: string): Promise<number> {
  const [row] = await db
    .select({ balance: organizations.tokenBalance })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  return row?.balance ?? 0;
}
