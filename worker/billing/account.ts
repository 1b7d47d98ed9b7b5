// An organisation's billing account: its plan's limits, the current cycle, the allowance reset at each
// anniversary and plan changes. Without Stripe all of this still runs locally (the minute cron resets cycles).
import { eq, isNull, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type BillingAccount, billingAccounts, organizations } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError } from '../lib/errors';
import { cycleContaining } from './cycle';
import { type Plan, type PlanLimits, planLimits } from './plans';
import { CLAMP_TOP_UP } from './tokens';

export function limitsOf(env: AppBindings, plan: Plan, account: BillingAccount | null): PlanLimits {
  return planLimits(plan, { freeTokens: env.FREE_PLAN_TOKENS, custom: account });
}

/** The organisation's billing account, created on first use with cycles anchored at its sign-up. */
export async function ensureAccount(db: Db, organizationId: string, now = Date.now()): Promise<BillingAccount> {
  const [existing] = await db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId));
  if (existing) return existing;
  const [org] = await db
    .select({ createdAt: organizations.createdAt })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw new NotFoundError('Organization');
  const anchor = org.createdAt.getTime();
  const cycle = cycleContaining(anchor, now);
  await db
    .insert(billingAccounts)
    .values({
      organizationId,
      cycleAnchor: new Date(anchor),
      cycleStart: new Date(cycle.start),
      cycleEnd: new Date(cycle.end),
    })
    .onConflictDoNothing();
  const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId));
  return account!;
}

export async function organizationPlan(db: Db, organizationId: string): Promise<Plan> {
  const [org] = await db
    .select({ plan: organizations.plan })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw new NotFoundError('Organization');
  return org.plan;
}

/**
 * Renews the allowance in one transaction: the balance becomes the top-up part plus `allowance` (unused
 * allowance does not carry over), with one ledger row for the difference. Runs only while the account still
 * matches `guard` (the cycle end or anchor it was read with), so two runs cannot grant twice.
 */
async function renewAllowance(
  db: Db,
  organizationId: string,
  input: {
    allowance: number;
    anchor: number;
    cycle: { start: number; end: number };
    guard: { column: 'cycle_end' | 'cycle_anchor'; value: number };
    reason: 'CYCLE_RESET' | 'PLAN_CHANGE';
    plan?: Plan;
  },
): Promise<boolean> {
  const d1 = db.$client;
  const ledgerId = crypto.randomUUID();
  const now = Date.now();
  const statements = [
    d1
      .prepare(
        `UPDATE billing_accounts SET top_up_balance = MIN(top_up_balance, (SELECT token_balance FROM organizations WHERE id = ?1)),
           cycle_anchor = ?2, cycle_start = ?3, cycle_end = ?4, updated_at = ?5
         WHERE organization_id = ?1 AND ${input.guard.column} = ?6`,
      )
      .bind(organizationId, input.anchor, input.cycle.start, input.cycle.end, now, input.guard.value),
    d1
      .prepare(
        `INSERT INTO token_ledger (id, organization_id, delta, reason, reference_id, balance_after, created_at)
         SELECT ?1, o.id, (b.top_up_balance + ?3) - o.token_balance, ?4, ?5, b.top_up_balance + ?3, ?6
         FROM organizations o JOIN billing_accounts b ON b.organization_id = o.id WHERE o.id = ?2 AND changes() = 1`,
      )
      .bind(ledgerId, organizationId, input.allowance, input.reason, new Date(input.cycle.start).toISOString(), now),
    d1
      .prepare(
        `UPDATE organizations SET token_balance = token_balance + (SELECT delta FROM token_ledger WHERE id = ?1)
           ${input.plan ? ', plan = ?3' : ''}
         WHERE id = ?2 AND EXISTS (SELECT 1 FROM token_ledger WHERE id = ?1)`,
      )
      .bind(ledgerId, organizationId, ...(input.plan ? [input.plan] : [])),
    d1.prepare(CLAMP_TOP_UP).bind(organizationId),
  ];
  const [updated] = await d1.batch(statements);
  return (updated?.meta.changes ?? 0) > 0;
}

/** Starts the next cycle of an account whose cycle has ended: a fresh allowance, top-ups kept. */
export async function resetCycle(
  env: AppBindings,
  db: Db,
  account: BillingAccount,
  now = Date.now(),
): Promise<boolean> {
  const plan = await organizationPlan(db, account.organizationId);
  const anchor = account.cycleAnchor.getTime();
  return renewAllowance(db, account.organizationId, {
    allowance: limitsOf(env, plan, account).tokens,
    anchor,
    cycle: cycleContaining(anchor, now),
    guard: { column: 'cycle_end', value: account.cycleEnd.getTime() },
    reason: 'CYCLE_RESET',
  });
}

/**
 * Moves the organisation to `plan`. With a new anchor (a new subscription) a new cycle starts with the new
 * plan's full allowance; otherwise the allowance left grows or shrinks by the difference between the plans
 * (never below zero) and the cycle stays. Top-ups are untouched either way.
 */
export async function changePlan(
  env: AppBindings,
  db: Db,
  organizationId: string,
  plan: Plan,
  options: { anchor?: number; now?: number } = {},
): Promise<void> {
  const now = options.now ?? Date.now();
  const account = await ensureAccount(db, organizationId, now);
  const current = await organizationPlan(db, organizationId);
  const oldAnchor = account.cycleAnchor.getTime();
  if (options.anchor !== undefined && options.anchor !== oldAnchor) {
    await renewAllowance(db, organizationId, {
      allowance: limitsOf(env, plan, account).tokens,
      anchor: options.anchor,
      cycle: cycleContaining(options.anchor, now),
      guard: { column: 'cycle_anchor', value: oldAnchor },
      reason: 'PLAN_CHANGE',
      plan,
    });
    return;
  }
  if (current === plan) return;
  const difference = limitsOf(env, plan, account).tokens - limitsOf(env, current, account).tokens;
  const d1 = db.$client;
  const ledgerId = crypto.randomUUID();
  const left = '(o.token_balance - MIN(b.top_up_balance, o.token_balance))';
  const delta = `(MAX(0, ${left} + ?4) - ${left})`;
  await d1.batch([
    d1.prepare('UPDATE organizations SET plan = ?2 WHERE id = ?1 AND plan = ?3').bind(organizationId, plan, current),
    d1
      .prepare(
        `INSERT INTO token_ledger (id, organization_id, delta, reason, reference_id, balance_after, created_at)
         SELECT ?1, o.id, ${delta}, 'PLAN_CHANGE', ?3, o.token_balance + ${delta}, ?5
         FROM organizations o JOIN billing_accounts b ON b.organization_id = o.id WHERE o.id = ?2 AND changes() = 1`,
      )
      .bind(ledgerId, organizationId, plan, difference, now),
    d1
      .prepare(
        `UPDATE organizations SET token_balance = token_balance + (SELECT delta FROM token_ledger WHERE id = ?1)
         WHERE id = ?2 AND EXISTS (SELECT 1 FROM token_ledger WHERE id = ?1)`,
      )
      .bind(ledgerId, organizationId),
    d1.prepare(CLAMP_TOP_UP).bind(organizationId),
  ]);
}

const ROLL_BATCH = 100;

/**
 * The minute cron's part: opens accounts for organisations that have none and starts the next cycle of every
 * account whose cycle ended. Returns the organisations whose cycle was reset.
 */
export async function rollCycles(env: AppBindings, db: Db, now = Date.now()): Promise<string[]> {
  const missing = await db
    .select({ id: organizations.id })
    .from(organizations)
    .leftJoin(billingAccounts, eq(billingAccounts.organizationId, organizations.id))
    .where(isNull(billingAccounts.organizationId))
    .limit(ROLL_BATCH);
  for (const org of missing) await ensureAccount(db, org.id, now);
  const due = await db
    .select()
    .from(billingAccounts)
    .where(lte(billingAccounts.cycleEnd, new Date(now)))
    .limit(ROLL_BATCH);
  const reset: string[] = [];
  for (const account of due) {
    if (await resetCycle(env, db, account, now)) reset.push(account.organizationId);
  }
  return reset;
}
