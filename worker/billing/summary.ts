// What the billing page and the dashboard banner show: plan, cycle, allowance, top-ups, contacts, seats,
// payment state, usage over the cycle, and the ledger (paged, or as CSV).
import { and, desc, eq, gte, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { organizations, tokenLedger } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError } from '../lib/errors';
import { ensureAccount, limitsOf } from './account';
import { contactUsage } from './contacts';
import { cycleContaining } from './cycle';
import {
  LOW_BALANCE_SHARE,
  TOP_UP_CENTS_PER_STEP,
  TOP_UP_CURRENCY,
  TOP_UP_MAX,
  TOP_UP_MIN,
  TOP_UP_STEP,
} from './plans';
import { seatUsage } from './seats';
import { paymentsConfigured } from './stripe';

/** Ledger reasons that are not usage (grants, top-ups, resets, plan changes). */
const NOT_USAGE = ['PLAN_GRANT', 'TOP_UP', 'CYCLE_RESET', 'PLAN_CHANGE'];

export type BillingAlert = {
  kind: 'TOKENS_LOW' | 'TOKENS_OUT' | 'CONTACTS_80' | 'CONTACTS_95' | 'CONTACTS_100' | 'PAYMENT_FAILED';
  severity: 'warning' | 'danger';
  message: string;
};

export async function billingSummary(env: AppBindings, db: Db, organizationId: string, now = Date.now()) {
  const account = await ensureAccount(db, organizationId, now);
  const [org] = await db
    .select({ plan: organizations.plan, balance: organizations.tokenBalance })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (!org) throw new NotFoundError('Organization');
  const limits = limitsOf(env, org.plan, account);
  const cycle = cycleContaining(account.cycleAnchor.getTime(), now);
  const topUp = Math.min(account.topUpBalance, org.balance);
  const allowanceRemaining = org.balance - topUp;
  const contacts = await contactUsage(env, db, organizationId, now);
  const usage = await db
    .select({
      day: sql<string>`strftime('%Y-%m-%d', ${tokenLedger.createdAt} / 1000, 'unixepoch')`,
      feature: tokenLedger.reason,
      tokens: sql<number>`-sum(${tokenLedger.delta})`,
    })
    .from(tokenLedger)
    .where(
      and(
        eq(tokenLedger.organizationId, organizationId),
        gte(tokenLedger.createdAt, new Date(cycle.start)),
        notInArray(tokenLedger.reason, NOT_USAGE),
      ),
    )
    .groupBy(sql`1`, sql`2`)
    .orderBy(sql`1`, sql`2`);

  const alerts: BillingAlert[] = [];
  if (org.balance <= 0) {
    alerts.push({
      kind: 'TOKENS_OUT',
      severity: 'danger',
      message: 'Out of tokens: AI replies, translation and replies are paused until a top-up or the next cycle.',
    });
  } else if (org.balance < limits.tokens * LOW_BALANCE_SHARE) {
    alerts.push({
      kind: 'TOKENS_LOW',
      severity: 'warning',
      message: `Tokens are running low: ${org.balance.toLocaleString('en')} left.`,
    });
  }
  if (contacts.level === 100) {
    alerts.push({
      kind: 'CONTACTS_100',
      severity: 'danger',
      message: `Monthly active contacts at the cap (${contacts.used} of ${contacts.cap}): automated messages to new contacts are held until an upgrade or the next cycle.`,
    });
  } else if (contacts.level >= 80) {
    alerts.push({
      kind: contacts.level === 95 ? 'CONTACTS_95' : 'CONTACTS_80',
      severity: contacts.level === 95 ? 'danger' : 'warning',
      message: `${contacts.level} % of monthly active contacts used (${contacts.used} of ${contacts.cap}).`,
    });
  }
  if (account.paymentFailure) {
    alerts.push({ kind: 'PAYMENT_FAILED', severity: 'danger', message: account.paymentFailure });
  }

  return {
    plan: org.plan,
    limits,
    cycle: { start: new Date(cycle.start).toISOString(), end: new Date(cycle.end).toISOString() },
    tokens: {
      balance: org.balance,
      allowance: limits.tokens,
      allowanceUsed: Math.max(0, limits.tokens - allowanceRemaining),
      allowanceRemaining,
      topUpBalance: topUp,
    },
    contacts,
    // As the team page counts them: active members plus pending invitations (billing/seats.ts).
    seats: await seatsOf(env, db, organizationId),
    subscription: account.stripeSubscriptionId
      ? { id: account.stripeSubscriptionId, status: account.subscriptionStatus }
      : null,
    paymentFailure: account.paymentFailure
      ? { at: account.paymentFailedAt?.toISOString() ?? null, message: account.paymentFailure }
      : null,
    paymentsConfigured: paymentsConfigured(env),
    topUpOptions: {
      min: TOP_UP_MIN,
      max: TOP_UP_MAX,
      step: TOP_UP_STEP,
      centsPerStep: TOP_UP_CENTS_PER_STEP,
      currency: TOP_UP_CURRENCY,
    },
    usage,
    alerts,
  };
}

async function seatsOf(env: AppBindings, db: Db, organizationId: string) {
  const { used, limit, members, pending } = await seatUsage(env, db, organizationId);
  return { used, limit, members, pending };
}

export type BillingSummary = Awaited<ReturnType<typeof billingSummary>>;

function presentEntry(row: typeof tokenLedger.$inferSelect) {
  return {
    id: row.id,
    delta: row.delta,
    reason: row.reason,
    referenceId: row.referenceId,
    balanceAfter: row.balanceAfter,
    createdAt: row.createdAt.toISOString(),
  };
}

export type LedgerItem = ReturnType<typeof presentEntry>;

export async function listLedger(db: Db, organizationId: string, paging: { page: number; pageSize: number }) {
  const where = eq(tokenLedger.organizationId, organizationId);
  const [rows, [count]] = await Promise.all([
    db
      .select()
      .from(tokenLedger)
      .where(where)
      .orderBy(desc(tokenLedger.createdAt), desc(tokenLedger.id))
      .limit(paging.pageSize)
      .offset((paging.page - 1) * paging.pageSize),
    db.select({ n: sql<number>`count(*)` }).from(tokenLedger).where(where),
  ]);
  return { items: rows.map(presentEntry), total: count?.n ?? 0 };
}

/** The most rows one CSV export holds (newest first). */
export const LEDGER_CSV_MAX_ROWS = 50_000;

function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  // Quote always; a leading formula character is neutralised so a spreadsheet does not run it.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

export async function ledgerCsv(db: Db, organizationId: string): Promise<string> {
  const rows = await db
    .select()
    .from(tokenLedger)
    .where(eq(tokenLedger.organizationId, organizationId))
    .orderBy(desc(tokenLedger.createdAt), desc(tokenLedger.id))
    .limit(LEDGER_CSV_MAX_ROWS);
  const lines = ['created_at,delta,reason,reference_id,balance_after,id'];
  for (const row of rows) {
    const e = presentEntry(row);
    lines.push([e.createdAt, e.delta, e.reason, e.referenceId, e.balanceAfter, e.id].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
