import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { signUpOwner } from '../../test/client';
import { createDb } from '../db/client';
import { billingAccounts, organizations, tokenLedger } from '../db/schema';
import { InsufficientTokensError } from '../lib/errors';
import { changePlan, ensureAccount, resetCycle, rollCycles } from './account';
import { cycleContaining } from './cycle';
import { metered } from './metering';
import { creditTopUp, debitTokens, tokenBalance } from './tokens';

const db = createDb(env.DB);
const FREE = Number(env.FREE_PLAN_TOKENS);

async function org(balance?: number) {
  const { organization } = await signUpOwner();
  const organizationId = organization.id as string;
  if (balance !== undefined) await setAllowance(organizationId, balance);
  return organizationId;
}

/** Sets the allowance part through the ledger (an adjusting row), so the ledger still sums to the balance. */
async function setAllowance(organizationId: string, balance: number) {
  const now = await tokenBalance(db, organizationId);
  await db.insert(tokenLedger).values({ organizationId, delta: balance - now, reason: 'TEST', balanceAfter: balance });
  await db.update(organizations).set({ tokenBalance: balance }).where(eq(organizations.id, organizationId));
}

async function ledger(organizationId: string) {
  return db.select().from(tokenLedger).where(eq(tokenLedger.organizationId, organizationId));
}

async function expectBalanceIsLedgerSum(organizationId: string) {
  const sum = (await ledger(organizationId)).reduce((n, row) => n + row.delta, 0);
  expect(await tokenBalance(db, organizationId)).toBe(sum);
}

async function topUpPart(organizationId: string) {
  const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId));
  return account!.topUpBalance;
}

const call = (cost: number) => async () => ({ usage: { inputTokens: cost / 2, outputTokens: cost / 2 } });
const spec = (organizationId: string, extra: Partial<Parameters<typeof metered>[1]> = {}) => ({
  organizationId,
  reason: 'AI_REPLY',
  referenceId: 'm-1',
  estimate: 100,
  ...extra,
});

describe('metered calls', () => {
  it('20 concurrent calls with a balance for 10: exactly 10 succeed, 10 get 402, nothing is overdrawn', async () => {
    const organizationId = await org(1000);
    let ran = 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        metered(
          db,
          spec(organizationId, { referenceId: `m-${i}` }),
          async () => {
            ran += 1;
            return call(100)();
          },
          (r) => r.usage,
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(refused).toHaveLength(10);
    for (const o of refused) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientTokensError);
    // A refused call never reached the model and was never charged.
    expect(ran).toBe(10);
    expect(await tokenBalance(db, organizationId)).toBe(0);
    const charges = (await ledger(organizationId)).filter((row) => row.reason === 'AI_REPLY');
    expect(charges.map((row) => row.delta)).toEqual(Array(10).fill(-100));
    await expectBalanceIsLedgerSum(organizationId);
  });

  it('charges what the call cost: unused reservation goes back, a dearer call takes the rest, never below zero', async () => {
    const organizationId = await org(1000);
    await metered(db, spec(organizationId, { estimate: 300 }), call(40), (r) => r.usage);
    expect(await tokenBalance(db, organizationId)).toBe(960);
    await metered(db, spec(organizationId, { estimate: 100 }), call(200), (r) => r.usage);
    expect(await tokenBalance(db, organizationId)).toBe(760);
    await metered(db, spec(organizationId, { estimate: 100 }), call(5000), (r) => r.usage);
    expect(await tokenBalance(db, organizationId)).toBe(0);
    const deltas = (await ledger(organizationId)).filter((row) => row.reason === 'AI_REPLY').map((row) => row.delta);
    expect(deltas.sort((a, b) => a - b)).toEqual([-760, -200, -40]);
    await expect(metered(db, spec(organizationId), call(1), (r) => r.usage)).rejects.toBeInstanceOf(
      InsufficientTokensError,
    );
    await expectBalanceIsLedgerSum(organizationId);
  });

  it('a call that fails costs nothing and leaves no ledger row', async () => {
    const organizationId = await org(1000);
    const failing = async (): Promise<{ usage: { inputTokens: number; outputTokens: number } }> => {
      throw new Error('provider down');
    };
    await expect(
      metered(db, spec(organizationId, { idempotencyKey: 'k-fail' }), failing, (r) => r.usage),
    ).rejects.toThrow('provider down');
    expect(await tokenBalance(db, organizationId)).toBe(1000);
    expect((await ledger(organizationId)).filter((row) => row.reason === 'AI_REPLY')).toEqual([]);
    // The key was released with it: the retry that succeeds is charged.
    await metered(db, spec(organizationId, { idempotencyKey: 'k-fail' }), call(10), (r) => r.usage);
    expect(await tokenBalance(db, organizationId)).toBe(990);
  });

  it('a retried call with the same idempotency key is charged once, even when the retries race', async () => {
    const organizationId = await org(1000);
    await Promise.all(
      Array.from({ length: 5 }, () =>
        metered(db, spec(organizationId, { idempotencyKey: 'ai.reply:m-1' }), call(30), (r) => r.usage),
      ),
    );
    expect(await tokenBalance(db, organizationId)).toBe(970);
    await debitTokens(db, { organizationId, amount: 7, reason: 'MESSAGE_SENT', idempotencyKey: 'reply:c-1' });
    await debitTokens(db, { organizationId, amount: 7, reason: 'MESSAGE_SENT', idempotencyKey: 'reply:c-1' });
    expect(await tokenBalance(db, organizationId)).toBe(963);
    expect(
      (await ledger(organizationId))
        .filter((row) => row.delta < 0 && row.reason !== 'TEST')
        .map((row) => row.delta)
        .sort(),
    ).toEqual([-30, -7]);
    await expectBalanceIsLedgerSum(organizationId);
  });

  it('a refused debit changes nothing', async () => {
    const organizationId = await org(50);
    const before = await ledger(organizationId);
    await expect(
      debitTokens(db, { organizationId, amount: 51, reason: 'MESSAGE_SENT', idempotencyKey: 'k-1' }),
    ).rejects.toBeInstanceOf(InsufficientTokensError);
    expect(await tokenBalance(db, organizationId)).toBe(50);
    expect(await ledger(organizationId)).toEqual(before);
    // The refused call did not burn its key.
    await debitTokens(db, { organizationId, amount: 50, reason: 'MESSAGE_SENT', idempotencyKey: 'k-1' });
    expect(await tokenBalance(db, organizationId)).toBe(0);
  });
});

describe('top-ups and cycles', () => {
  it('spends the allowance before top-up tokens, and a reset keeps what was bought', async () => {
    const organizationId = await org(300);
    await ensureAccount(db, organizationId);
    const first = await creditTopUp(db, { organizationId, amount: 1000, reason: 'TOP_UP', idempotencyKey: 'cs_1' });
    const replay = await creditTopUp(db, { organizationId, amount: 1000, reason: 'TOP_UP', idempotencyKey: 'cs_1' });
    expect([first.credited, replay.credited]).toEqual([true, false]);
    expect(await tokenBalance(db, organizationId)).toBe(1300);
    expect(await topUpPart(organizationId)).toBe(1000);

    await debitTokens(db, { organizationId, amount: 200, reason: 'MESSAGE_SENT' });
    expect(await topUpPart(organizationId)).toBe(1000); // still allowance
    await debitTokens(db, { organizationId, amount: 250, reason: 'MESSAGE_SENT' });
    expect(await tokenBalance(db, organizationId)).toBe(850);
    expect(await topUpPart(organizationId)).toBe(850); // allowance gone, 150 from the top-up

    // A reservation that dipped into the top-up gives its unused part back there.
    await metered(db, spec(organizationId, { estimate: 100 }), call(20), (r) => r.usage);
    expect(await topUpPart(organizationId)).toBe(830);

    const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId));
    const reset = await resetCycle(env, db, account!, account!.cycleEnd.getTime() + 1000);
    expect(reset).toBe(true);
    expect(await tokenBalance(db, organizationId)).toBe(830 + FREE);
    expect(await topUpPart(organizationId)).toBe(830);
    const [row] = (await ledger(organizationId)).filter((r) => r.reason === 'CYCLE_RESET');
    expect(row).toMatchObject({ delta: FREE, balanceAfter: 830 + FREE });
    await expectBalanceIsLedgerSum(organizationId);
  });

  it('unused allowance does not carry over, and a cycle resets once however often the cron runs', async () => {
    const organizationId = await org(FREE - 400);
    const account = await ensureAccount(db, organizationId);
    const after = account.cycleEnd.getTime() + 60_000;
    const runs = await Promise.all([
      resetCycle(env, db, account, after),
      resetCycle(env, db, account, after),
      rollCycles(env, db, after),
    ]);
    expect(
      runs.filter((r) => r === true).length + (runs[2] as string[]).filter((id) => id === organizationId).length,
    ).toBe(1);
    expect(await tokenBalance(db, organizationId)).toBe(FREE);
    expect((await ledger(organizationId)).filter((r) => r.reason === 'CYCLE_RESET')).toHaveLength(1);
    const [renewed] = await db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId));
    expect(renewed!.cycleStart.getTime()).toBe(account.cycleEnd.getTime());
    await expectBalanceIsLedgerSum(organizationId);
  });

  it('a plan change moves the allowance left by the difference; a new subscription starts a new cycle', async () => {
    const organizationId = await org(FREE - 1000);
    await ensureAccount(db, organizationId);
    await changePlan(env, db, organizationId, 'STARTER');
    expect(await tokenBalance(db, organizationId)).toBe(1_000_000 - 1000);
    await changePlan(env, db, organizationId, 'FREE');
    expect(await tokenBalance(db, organizationId)).toBe(FREE - 1000);
    const anchor = Date.UTC(2026, 0, 31, 12);
    await changePlan(env, db, organizationId, 'GROWTH', { anchor, now: Date.UTC(2026, 1, 15) });
    expect(await tokenBalance(db, organizationId)).toBe(5_000_000);
    const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId));
    expect(account!.cycleStart.toISOString()).toBe('2026-01-31T12:00:00.000Z');
    expect(account!.cycleEnd.toISOString()).toBe('2026-02-28T12:00:00.000Z');
    await expectBalanceIsLedgerSum(organizationId);
  });
});

describe('cycleContaining', () => {
  it('runs monthly from the anniversary, clamped to short months', () => {
    const anchor = Date.UTC(2026, 0, 31, 9, 30);
    expect(cycleContaining(anchor, Date.UTC(2026, 1, 10))).toEqual({
      start: Date.UTC(2026, 0, 31, 9, 30),
      end: Date.UTC(2026, 1, 28, 9, 30),
    });
    expect(cycleContaining(anchor, Date.UTC(2026, 2, 31, 9, 30))).toEqual({
      start: Date.UTC(2026, 2, 31, 9, 30),
      end: Date.UTC(2026, 3, 30, 9, 30),
    });
    expect(cycleContaining(anchor, Date.UTC(2026, 2, 31, 9, 29))).toEqual({
      start: Date.UTC(2026, 1, 28, 9, 30),
      end: Date.UTC(2026, 2, 31, 9, 30),
    });
    expect(cycleContaining(anchor, Date.UTC(2025, 5, 1))).toEqual({ start: anchor, end: Date.UTC(2026, 1, 28, 9, 30) });
  });
});
