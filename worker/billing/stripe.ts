// Stripe: Checkout (subscription mode for a plan, payment mode for a top-up), the Customer Portal, and the
// webhook that applies what was bought. The official SDK runs on fetch and SubtleCrypto. Webhooks are deduped
// on event.id and every handler is safe in any order: subscriptions and invoices are re-read from Stripe, and a
// top-up credits under the Checkout session's id, so a replay or a second event for it credits nothing.
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import type { Db } from '../db/client';
import { billingAccounts, organizations, stripeEvents } from '../db/schema';
import type { AppBindings } from '../env';
import { ConflictError, PaymentsNotConfiguredError, UpstreamError, ValidationError } from '../lib/errors';
import { nonPublicHostReason, parsePrivateHostAllowance } from '../lib/public-host';
import { changePlan, ensureAccount, organizationPlan } from './account';
import { releaseHeldMessages } from './contacts';
import { type Plan, SELF_SERVE_PLANS, TOP_UP_CENTS_PER_STEP, TOP_UP_CURRENCY, TOP_UP_STEP } from './plans';
import { creditTopUp } from './tokens';

const DEFAULT_API_BASE = 'https://api.stripe.com';
const NOT_CONFIGURED = 'Payments are not configured on this installation';
/** Subscription states that keep the paid plan (past_due: Stripe is still retrying the payment). */
const PAID_STATES = new Set(['active', 'trialing', 'past_due']);

export function paymentsConfigured(env: AppBindings): boolean {
  return Boolean(env.STRIPE_SECRET_KEY);
}

function priceOf(env: AppBindings, plan: Plan): string | undefined {
  return {
    FREE: undefined,
    STARTER: env.STRIPE_PRICE_STARTER,
    GROWTH: env.STRIPE_PRICE_GROWTH,
    ENTERPRISE: env.STRIPE_PRICE_ENTERPRISE,
  }[plan];
}

function planOfPrice(env: AppBindings, priceId: string | null | undefined): Plan | null {
  if (!priceId) return null;
  for (const plan of ['STARTER', 'GROWTH', 'ENTERPRISE'] as const) if (priceOf(env, plan) === priceId) return plan;
  return null;
}

export function stripeClient(env: AppBindings): Stripe {
  if (!env.STRIPE_SECRET_KEY) throw new PaymentsNotConfiguredError(NOT_CONFIGURED);
  const base = new URL(env.STRIPE_API_BASE || DEFAULT_API_BASE);
  const refused = nonPublicHostReason(base, parsePrivateHostAllowance(env.ALLOW_PRIVATE_STRIPE_HOSTS));
  if (refused) throw new PaymentsNotConfiguredError(`STRIPE_API_BASE is not usable: ${refused}`);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(env.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    host: base.hostname,
    port: base.port ? Number(base.port) : protocol === 'http' ? 80 : 443,
    protocol,
    maxNetworkRetries: 1,
    timeout: 20_000,
  });
}

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      throw new UpstreamError(`Stripe refused to ${what}: ${error.message}`);
    }
    throw error;
  }
}

/** The organisation's Stripe customer, created on first purchase. */
async function customerFor(stripe: Stripe, db: Db, organizationId: string, email: string): Promise<string> {
  const [org] = await db
    .select({ name: organizations.name, customer: organizations.stripeCustomerId })
    .from(organizations)
    .where(eq(organizations.id, organizationId));
  if (org?.customer) return org.customer;
  const customer = await call('create the customer', () =>
    stripe.customers.create(
      { name: org?.name, email, metadata: { organizationId } },
      { idempotencyKey: `customer:${organizationId}` },
    ),
  );
  await db.update(organizations).set({ stripeCustomerId: customer.id }).where(eq(organizations.id, organizationId));
  return customer.id;
}

export interface Buyer {
  organizationId: string;
  email: string;
  /** Where Stripe sends the browser back: the dashboard's billing page. */
  returnUrl: string;
}

/** A Checkout session in subscription mode for a self-serve plan. */
export async function startPlanCheckout(env: AppBindings, db: Db, buyer: Buyer, plan: Plan): Promise<{ url: string }> {
  if (!(SELF_SERVE_PLANS as readonly string[]).includes(plan)) {
    throw ValidationError.field('plan', `Choose ${SELF_SERVE_PLANS.join(' or ')}; Enterprise is arranged with sales`);
  }
  const stripe = stripeClient(env);
  const price = priceOf(env, plan);
  if (!price) throw new PaymentsNotConfiguredError(`${NOT_CONFIGURED}: no Stripe price is set for ${plan}`);
  const account = await ensureAccount(db, buyer.organizationId);
  if (account.stripeSubscriptionId && account.subscriptionStatus && PAID_STATES.has(account.subscriptionStatus)) {
    throw new ConflictError('The organisation already has a subscription: change its plan in the customer portal');
  }
  const customer = await customerFor(stripe, db, buyer.organizationId, buyer.email);
  const session = await call('start the checkout', () =>
    stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: buyer.organizationId,
      line_items: [{ price, quantity: 1 }],
      metadata: { organizationId: buyer.organizationId, kind: 'plan', plan },
      subscription_data: { metadata: { organizationId: buyer.organizationId } },
      success_url: `${buyer.returnUrl}?checkout=success`,
      cancel_url: `${buyer.returnUrl}?checkout=cancelled`,
    }),
  );
  if (!session.url) throw new UpstreamError('Stripe answered a checkout session without a URL');
  return { url: session.url };
}

/** A Checkout session in payment mode for `tokens` top-up tokens. */
export async function startTopUpCheckout(
  env: AppBindings,
  db: Db,
  buyer: Buyer,
  tokens: number,
): Promise<{ url: string }> {
  const stripe = stripeClient(env);
  const customer = await customerFor(stripe, db, buyer.organizationId, buyer.email);
  const session = await call('start the checkout', () =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      customer,
      client_reference_id: buyer.organizationId,
      line_items: [
        {
          quantity: tokens / TOP_UP_STEP,
          price_data: {
            currency: TOP_UP_CURRENCY,
            unit_amount: TOP_UP_CENTS_PER_STEP,
            product_data: { name: `HelpStack tokens (${TOP_UP_STEP.toLocaleString('en')})` },
          },
        },
      ],
      metadata: { organizationId: buyer.organizationId, kind: 'top_up', tokens: String(tokens) },
      success_url: `${buyer.returnUrl}?top_up=success`,
      cancel_url: `${buyer.returnUrl}?top_up=cancelled`,
    }),
  );
  if (!session.url) throw new UpstreamError('Stripe answered a checkout session without a URL');
  return { url: session.url };
}

export async function openPortal(env: AppBindings, db: Db, buyer: Buyer): Promise<{ url: string }> {
  const stripe = stripeClient(env);
  const customer = await customerFor(stripe, db, buyer.organizationId, buyer.email);
  const session = await call('open the customer portal', () =>
    stripe.billingPortal.sessions.create({ customer, return_url: buyer.returnUrl }),
  );
  return { url: session.url };
}

// ── Webhook ─────────────────────────────────────────────────────────────────

async function organizationOf(
  db: Db,
  ref: { metadata?: Stripe.Metadata | null; customer?: string | Stripe.Customer | Stripe.DeletedCustomer | null },
): Promise<string | null> {
  const fromMetadata = ref.metadata?.organizationId;
  if (fromMetadata) {
    const [org] = await db
      .select({ id: organizations.id })
      .from(organizations)
      .where(eq(organizations.id, fromMetadata));
    if (org) return org.id;
  }
  const customer = typeof ref.customer === 'string' ? ref.customer : ref.customer?.id;
  if (!customer) return null;
  const [org] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.stripeCustomerId, customer));
  return org?.id ?? null;
}

/**
 * Applies a subscription as Stripe has it now (re-read, so the order events arrive in does not matter): a
 * paid state sets its plan and, for a new subscription, starts a cycle at its anchor; any other state of the
 * organisation's current subscription puts it back on Free. An old subscription's end never touches a newer one.
 */
async function applySubscription(env: AppBindings, db: Db, stripe: Stripe, subscriptionId: string): Promise<void> {
  const subscription = await call('read the subscription', () => stripe.subscriptions.retrieve(subscriptionId));
  const organizationId = await organizationOf(db, subscription);
  if (!organizationId) return;
  const account = await ensureAccount(db, organizationId);
  const customer = typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;
  const paid = PAID_STATES.has(subscription.status);
  const isCurrent = !account.stripeSubscriptionId || account.stripeSubscriptionId === subscription.id;
  if (!paid && !isCurrent) return;
  const before = await organizationPlan(db, organizationId);
  await db
    .update(billingAccounts)
    .set({ stripeSubscriptionId: subscription.id, subscriptionStatus: subscription.status })
    .where(eq(billingAccounts.organizationId, organizationId));
  await db.update(organizations).set({ stripeCustomerId: customer }).where(eq(organizations.id, organizationId));
  if (!paid) {
    await changePlan(env, db, organizationId, 'FREE');
    return;
  }
  const plan = planOfPrice(env, subscription.items.data[0]?.price.id) ?? before;
  const anchor = subscription.billing_cycle_anchor * 1000;
  await changePlan(env, db, organizationId, plan, { anchor });
  if (plan !== before) await releaseHeldMessages(env, db, organizationId);
}

async function onCheckoutCompleted(env: AppBindings, db: Db, stripe: Stripe, session: Stripe.Checkout.Session) {
  const organizationId = await organizationOf(db, session);
  if (!organizationId) return;
  if (session.mode === 'payment' && session.metadata?.kind === 'top_up') {
    if (session.payment_status !== 'paid') return;
    const tokens = Number(session.metadata.tokens);
    if (!Number.isSafeInteger(tokens) || tokens <= 0) return;
    await ensureAccount(db, organizationId);
    await creditTopUp(db, {
      organizationId,
      amount: tokens,
      reason: 'TOP_UP',
      referenceId: session.id,
      idempotencyKey: `stripe-top-up:${session.id}`,
    });
    return;
  }
  if (session.mode === 'subscription' && session.subscription) {
    const id = typeof session.subscription === 'string' ? session.subscription : session.subscription.id;
    await applySubscription(env, db, stripe, id);
  }
}

/** Records or clears a failed payment, from the invoice as Stripe has it now. */
async function applyInvoice(db: Db, stripe: Stripe, invoiceId: string): Promise<void> {
  const invoice = await call('read the invoice', () => stripe.invoices.retrieve(invoiceId));
  const organizationId = await organizationOf(db, invoice);
  if (!organizationId) return;
  await ensureAccount(db, organizationId);
  if (invoice.status === 'paid' || invoice.status === 'void') {
    await db
      .update(billingAccounts)
      .set({ paymentFailedAt: null, paymentFailure: null })
      .where(eq(billingAccounts.organizationId, organizationId));
    return;
  }
  if (invoice.status === 'open' && invoice.attempt_count > 0) {
    const amount = (invoice.amount_due / 100).toFixed(2);
    await db
      .update(billingAccounts)
      .set({
        paymentFailedAt: new Date(),
        paymentFailure: `The payment of ${amount} ${invoice.currency.toUpperCase()} for invoice ${invoice.number ?? invoice.id} failed; update the payment method in the customer portal.`,
      })
      .where(eq(billingAccounts.organizationId, organizationId));
  }
}

/**
 * Verifies and handles one webhook delivery. Throws ValidationError (400) for a bad signature, and
 * PaymentsNotConfiguredError (503) when this installation has no Stripe keys.
 */
export async function handleStripeWebhook(
  env: AppBindings,
  db: Db,
  rawBody: string,
  signature: string | undefined,
): Promise<{ id: string; type: string; duplicate: boolean }> {
  if (!env.STRIPE_WEBHOOK_SECRET) throw new PaymentsNotConfiguredError(NOT_CONFIGURED);
  const stripe = stripeClient(env);
  let event: Stripe.Event;
  try {
    if (!signature) throw new Error('missing');
    event = await stripe.webhooks.constructEventAsync(
      rawBody,
      signature,
      env.STRIPE_WEBHOOK_SECRET,
      undefined,
      Stripe.createSubtleCryptoProvider(),
    );
  } catch {
    throw ValidationError.field('stripe-signature', 'The Stripe signature does not match this body');
  }
  const [seen] = await db.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, event.id));
  if (seen) return { id: event.id, type: event.type, duplicate: true };
  switch (event.type) {
    case 'checkout.session.completed':
      await onCheckoutCompleted(env, db, stripe, event.data.object);
      break;
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      await applySubscription(env, db, stripe, event.data.object.id);
      break;
    case 'invoice.paid':
    case 'invoice.payment_failed':
      if (event.data.object.id) await applyInvoice(db, stripe, event.data.object.id);
      break;
    default:
      break;
  }
  // Recorded only once handled: a delivery that failed half-way is retried by Stripe and redone safely.
  await db.insert(stripeEvents).values({ id: event.id, type: event.type }).onConflictDoNothing();
  return { id: event.id, type: event.type, duplicate: false };
}
