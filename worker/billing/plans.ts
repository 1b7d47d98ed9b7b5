// The plans, in one place: monthly token allowance, seats and monthly-active-contact cap of each. Prices live
// in Stripe (one recurring price per paid plan, named by STRIPE_PRICE_*); top-ups are priced here.
import type { PLANS } from '../db/schema';

export type Plan = (typeof PLANS)[number];

export interface PlanLimits {
  /** Tokens granted at the start of every cycle; what is left does not carry over. */
  tokens: number;
  /** Members the organisation may have. */
  seats: number;
  /** Monthly active contacts before automated messages to new contacts are held. */
  contacts: number;
}

/** Free's allowance is the installation's FREE_PLAN_TOKENS (what sign-up grants), this when unset. */
export const DEFAULT_FREE_TOKENS = 100_000;

export const PLAN_LIMITS: Record<Plan, PlanLimits> = {
  FREE: { tokens: DEFAULT_FREE_TOKENS, seats: 2, contacts: 100 },
  STARTER: { tokens: 1_000_000, seats: 5, contacts: 1_000 },
  GROWTH: { tokens: 5_000_000, seats: 20, contacts: 10_000 },
  // Custom: the organisation's billing_accounts.custom_* columns override these defaults.
  ENTERPRISE: { tokens: 20_000_000, seats: 100, contacts: 100_000 },
};

/** Plans bought through Checkout (Enterprise is arranged with sales and set on the subscription). */
export const SELF_SERVE_PLANS = ['STARTER', 'GROWTH'] as const;

/** Top-ups: bought in steps of 1,000 tokens, from 10,000 to 10,000,000, at this price per step. */
export const TOP_UP_STEP = 1_000;
export const TOP_UP_MIN = 10_000;
export const TOP_UP_MAX = 10_000_000;
export const TOP_UP_CENTS_PER_STEP = 20;
export const TOP_UP_CURRENCY = 'usd';

/** Contact-cap warnings (percent of the cap), then the soft wall at 100 %. */
export const CONTACT_WARNINGS = [80, 95] as const;

/** The balance counts as low under this share of the cycle's allowance (the dashboard's banner). */
export const LOW_BALANCE_SHARE = 0.1;

export function planLimits(
  plan: Plan,
  options: {
    freeTokens?: string | number | null;
    custom?: { customTokens: number | null; customSeats: number | null; customContacts: number | null } | null;
  } = {},
): PlanLimits {
  const base = PLAN_LIMITS[plan];
  if (plan === 'FREE') {
    const free = Number(options.freeTokens);
    return { ...base, tokens: Number.isSafeInteger(free) && free >= 0 ? free : base.tokens };
  }
  if (plan === 'ENTERPRISE' && options.custom) {
    return {
      tokens: options.custom.customTokens ?? base.tokens,
      seats: options.custom.customSeats ?? base.seats,
      contacts: options.custom.customContacts ?? base.contacts,
    };
  }
  return base;
}
