import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addMember, Client, ORIGIN, ownerWithWebsiteChat, signUpOwner } from '../../test/client';
import { app } from '../app';
import { receiveInbound } from '../conversations/pipeline';
import { createDb } from '../db/client';
import { billingAccounts, organizations, tokenLedger } from '../db/schema';

// A local fake of Stripe's HTTP API: the real SDK talks to it through msw.
const server = setupServer();
const stripeCalls: { method: string; path: string; form: URLSearchParams }[] = [];
const subscriptions = new Map<string, Record<string, unknown>>();
const invoices = new Map<string, Record<string, unknown>>();
const API = 'https://api.stripe.com';

function fakeStripe() {
  server.use(
    http.all(`${API}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const form = new URLSearchParams(
        request.method === 'GET' ? url.search : new TextDecoder().decode(await request.arrayBuffer()),
      );
      stripeCalls.push({ method: request.method, path: url.pathname, form });
      if (url.pathname === '/v1/customers')
        return HttpResponse.json({ id: `cus_${crypto.randomUUID()}`, object: 'customer' });
      if (url.pathname === '/v1/checkout/sessions') {
        return HttpResponse.json({
          id: 'cs_test_1',
          object: 'checkout.session',
          url: 'https://checkout.stripe.com/c/pay/cs_test_1',
        });
      }
      if (url.pathname === '/v1/billing_portal/sessions') {
        return HttpResponse.json({
          id: 'bps_1',
          object: 'billing_portal.session',
          url: 'https://billing.stripe.com/p/session/1',
        });
      }
      const sub = url.pathname.match(/^\/v1\/subscriptions\/(.+)$/);
      if (sub && subscriptions.has(sub[1]!)) return HttpResponse.json(subscriptions.get(sub[1]!));
      const invoice = url.pathname.match(/^\/v1\/invoices\/(.+)$/);
      if (invoice && invoices.has(invoice[1]!)) return HttpResponse.json(invoices.get(invoice[1]!));
      return HttpResponse.json(
        { error: { type: 'invalid_request_error', message: 'No such object' } },
        { status: 404 },
      );
    }),
  );
}

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  stripeCalls.length = 0;
});
afterAll(() => server.close());

const db = createDb(env.DB);
const WEBHOOK_SECRET = 'whsec_test_secret';
const STRIPE_ENV = {
  ...env,
  STRIPE_SECRET_KEY: 'sk_test_fake',
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_PRICE_STARTER: 'price_starter',
  STRIPE_PRICE_GROWTH: 'price_growth',
} as typeof env;

/** A request through the app on an installation with Stripe keys (the test's bindings have none). */
async function paid(
  client: Client | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const init: RequestInit = {
    method,
    headers: {
      ...(client ? { origin: ORIGIN, cookie: client.cookie ?? '', 'cf-connecting-ip': client.ip } : {}),
      ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
  };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await app.request(`${ORIGIN}${path}`, init, STRIPE_ENV);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) };
}

const stripe = new Stripe('sk_test_fake');

async function deliver(event: Record<string, unknown>, secret = WEBHOOK_SECRET) {
  const payload = JSON.stringify({ object: 'event', api_version: '2025-01-01', created: 1, livemode: false, ...event });
  const signature = await stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
  return paid(null, 'POST', '/api/webhooks/stripe', payload, {
    'stripe-signature': signature,
    'content-type': 'application/json',
  });
}

async function orgRow(organizationId: string) {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, organizationId));
  return row!;
}

describe('GET /api/billing', () => {
  it('shows plan, cycle, allowance, top-ups and contacts to every member; only the owner may manage', async () => {
    const owner = await signUpOwner();
    const res = await owner.client.get('/api/billing');
    expect(res.status).toBe(200);
    const free = Number(env.FREE_PLAN_TOKENS);
    expect(res.body.data).toMatchObject({
      plan: 'FREE',
      limits: { tokens: free, seats: 2, contacts: 100 },
      tokens: { balance: free, allowance: free, allowanceUsed: 0, allowanceRemaining: free, topUpBalance: 0 },
      contacts: { used: 0, cap: 100, level: 0, held: 0 },
      seats: { used: 1, limit: 2, members: 1, pending: 0 },
      paymentsConfigured: false,
      canManage: true,
      alerts: [],
    });
    const start = Date.parse(res.body.data.cycle.start);
    const end = Date.parse(res.body.data.cycle.end);
    expect(start).toBeLessThanOrEqual(Date.now());
    expect(end).toBeGreaterThan(Date.now());

    const agent = await addMember(owner.client, 'AGENT');
    const seen = await agent.client.get('/api/billing');
    expect(seen.status).toBe(200);
    expect(seen.body.data).toMatchObject({ plan: 'FREE', canManage: false, tokens: { balance: free } });
  });

  it('warns when the balance is low and when it is out', async () => {
    const owner = await signUpOwner();
    const organizationId = owner.organization.id as string;
    await db.update(organizations).set({ tokenBalance: 5 }).where(eq(organizations.id, organizationId));
    expect((await owner.client.get('/api/billing')).body.data.alerts).toEqual([
      expect.objectContaining({ kind: 'TOKENS_LOW', severity: 'warning' }),
    ]);
    await db.update(organizations).set({ tokenBalance: 0 }).where(eq(organizations.id, organizationId));
    expect((await owner.client.get('/api/billing')).body.data.alerts).toEqual([
      expect.objectContaining({ kind: 'TOKENS_OUT', severity: 'danger' }),
    ]);
  });
});

describe('GET /api/billing/ledger', () => {
  it('pages the ledger newest first and exports it as CSV', async () => {
    const owner = await signUpOwner();
    await owner.client.get('/api/billing');
    const page = await owner.client.get('/api/billing/ledger?pageSize=1');
    expect(page.status).toBe(200);
    expect(page.body.data).toMatchObject({ page: 1, pageSize: 1, total: 1, totalPages: 1 });
    expect(page.body.data.items[0]).toMatchObject({ reason: 'PLAN_GRANT', delta: Number(env.FREE_PLAN_TOKENS) });
    const csv = await owner.client.get('/api/billing/ledger?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (csv.body as unknown as string).trim().split('\r\n');
    expect(lines[0]).toBe('created_at,delta,reason,reference_id,balance_after,id');
    expect(lines[1]).toContain(`"${env.FREE_PLAN_TOKENS}","PLAN_GRANT"`);
    const bad = await owner.client.get('/api/billing/ledger?format=xml');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.format).toEqual(['format must be json or csv']);
  });
});

describe('buying without Stripe keys', () => {
  it('answers 503 PAYMENTS_NOT_CONFIGURED to the owner, 403 to anyone else, 400 for bad input', async () => {
    const owner = await signUpOwner();
    for (const [path, body] of [
      ['/api/billing/checkout', { plan: 'STARTER' }],
      ['/api/billing/top-up', { tokens: 50_000 }],
      ['/api/billing/portal', {}],
    ] as const) {
      const res = await owner.client.post(path, body);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({
        code: 'PAYMENTS_NOT_CONFIGURED',
        message: 'Payments are not configured on this installation',
      });
    }
    const admin = await addMember(owner.client, 'ADMIN');
    const agent = await addMember(owner.client, 'AGENT');
    for (const member of [admin, agent]) {
      expect((await member.client.post('/api/billing/top-up', { tokens: 50_000 })).status).toBe(403);
      expect((await member.client.post('/api/billing/checkout', { plan: 'STARTER' })).status).toBe(403);
      expect((await member.client.post('/api/billing/portal', {})).status).toBe(403);
    }
    const odd = await owner.client.post('/api/billing/top-up', { tokens: 10_500 });
    expect(odd.status).toBe(400);
    expect(odd.body.error.fields.tokens).toEqual(['tokens must be a multiple of 1000']);
    const plan = await owner.client.post('/api/billing/checkout', { plan: 'PLATINUM' });
    expect(plan.status).toBe(400);
    expect(plan.body.error.fields.plan).toEqual(['plan must be one of STARTER, GROWTH']);
    expect((await orgRow(owner.organization.id)).stripeCustomerId).toBeNull();
    const hook = await new Client().request('POST', '/api/webhooks/stripe', { id: 'evt_1' }, { origin: '' });
    expect(hook.status).toBe(503);
    expect(hook.body.error.code).toBe('PAYMENTS_NOT_CONFIGURED');
  });
});

describe('a reply costs one token', () => {
  it('20 concurrent replies with 10 tokens left: exactly 10 are sent, 10 get 402, the ledger has 10 charges', async () => {
    const { client, organizationId, channelId } = await ownerWithWebsiteChat();
    const { conversation } = await receiveInbound(env, {
      organizationId,
      channelId,
      externalContactId: 'visitor-1',
      content: 'Hello',
      contact: { name: 'Vera' },
    });
    await db.update(organizations).set({ tokenBalance: 10 }).where(eq(organizations.id, organizationId));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.post(`/api/conversations/${conversation.id}/messages`, {
          conversationId: conversation.id,
          content: `Reply ${i}`,
          clientMessageId: `c-${i}`,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    const refused = results.filter((r) => r.status === 402);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(r.body.error.code).toBe('INSUFFICIENT_TOKENS');
    expect((await orgRow(organizationId)).tokenBalance).toBe(0);
    const charges = await db.select().from(tokenLedger).where(eq(tokenLedger.organizationId, organizationId));
    expect(charges.filter((row) => row.reason === 'MESSAGE_SENT').map((row) => row.delta)).toEqual(Array(10).fill(-1));
  });
});

describe('Stripe', () => {
  it('the owner starts a plan checkout, a top-up checkout and the portal; Stripe gets what was bought', async () => {
    fakeStripe();
    const owner = await signUpOwner();
    const top = await paid(owner.client, 'POST', '/api/billing/top-up', { tokens: 50_000 });
    expect(top.status).toBe(200);
    expect(top.body.data).toEqual({ url: 'https://checkout.stripe.com/c/pay/cs_test_1' });
    const session = stripeCalls.find((c) => c.path === '/v1/checkout/sessions')!.form;
    expect(session.get('mode')).toBe('payment');
    expect(session.get('line_items[0][quantity]')).toBe('50');
    expect(session.get('line_items[0][price_data][unit_amount]')).toBe('20');
    expect(session.get('metadata[tokens]')).toBe('50000');
    expect(session.get('metadata[organizationId]')).toBe(owner.organization.id);
    expect(session.get('success_url')).toBe(`${ORIGIN}/settings/billing?top_up=success`);

    stripeCalls.length = 0;
    const plan = await paid(owner.client, 'POST', '/api/billing/checkout', { plan: 'GROWTH' });
    expect(plan.status).toBe(200);
    const sub = stripeCalls.find((c) => c.path === '/v1/checkout/sessions')!.form;
    expect(sub.get('mode')).toBe('subscription');
    expect(sub.get('line_items[0][price]')).toBe('price_growth');
    // The customer was created once and reused.
    expect(stripeCalls.filter((c) => c.path === '/v1/customers')).toHaveLength(0);

    const portal = await paid(owner.client, 'POST', '/api/billing/portal', {});
    expect(portal.body.data).toEqual({ url: 'https://billing.stripe.com/p/session/1' });

    const agent = await addMember(owner.client, 'AGENT');
    const refused = await paid(agent.client, 'POST', '/api/billing/top-up', { tokens: 50_000 });
    expect(refused.status).toBe(403);
  });

  it('verifies the signature over the raw body', async () => {
    fakeStripe();
    const forged = await deliver(
      { id: 'evt_forged', type: 'invoice.paid', data: { object: { id: 'in_x' } } },
      'whsec_wrong',
    );
    expect(forged.status).toBe(400);
    expect(forged.body.error.fields['stripe-signature']).toEqual(['The Stripe signature does not match this body']);
    const unsigned = await paid(null, 'POST', '/api/webhooks/stripe', '{"id":"evt_1"}', {
      'content-type': 'application/json',
    });
    expect(unsigned.status).toBe(400);
    expect(stripeCalls).toEqual([]);
  });

  it('a top-up credits its tokens once, however often the event (or another event for the session) arrives', async () => {
    fakeStripe();
    const owner = await signUpOwner();
    const organizationId = owner.organization.id as string;
    const before = (await orgRow(organizationId)).tokenBalance;
    const event = (id: string) => ({
      id,
      type: 'checkout.session.completed',
      data: {
        object: {
          id: `cs_${organizationId}`,
          object: 'checkout.session',
          mode: 'payment',
          payment_status: 'paid',
          customer: null,
          metadata: { organizationId, kind: 'top_up', tokens: '50000' },
        },
      },
    });
    const first = await deliver(event(`evt_a_${organizationId}`));
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ received: true, duplicate: false });
    const replay = await deliver(event(`evt_a_${organizationId}`));
    expect(replay.body.data.duplicate).toBe(true);
    await deliver(event(`evt_b_${organizationId}`));
    expect((await orgRow(organizationId)).tokenBalance).toBe(before + 50_000);
    const summary = (await owner.client.get('/api/billing')).body.data;
    expect(summary.tokens).toMatchObject({ topUpBalance: 50_000, balance: before + 50_000 });
    const credits = await db.select().from(tokenLedger).where(eq(tokenLedger.organizationId, organizationId));
    expect(credits.filter((r) => r.reason === 'TOP_UP')).toEqual([
      expect.objectContaining({ delta: 50_000, referenceId: `cs_${organizationId}` }),
    ]);
  });

  it('subscriptions are re-read from Stripe: a deleted before an older updated leaves the organisation on Free', async () => {
    fakeStripe();
    const owner = await signUpOwner();
    const organizationId = owner.organization.id as string;
    const subId = `sub_${organizationId}`;
    const anchor = Math.floor(Date.now() / 1000) - 3600;
    const subscription = (status: string, price: string) => ({
      id: subId,
      object: 'subscription',
      status,
      customer: `cus_${organizationId}`,
      metadata: { organizationId },
      billing_cycle_anchor: anchor,
      items: {
        object: 'list',
        data: [{ id: 'si_1', object: 'subscription_item', price: { id: price, object: 'price' } }],
      },
    });
    subscriptions.set(subId, subscription('active', 'price_starter'));
    await deliver({
      id: `evt_c_${organizationId}`,
      type: 'checkout.session.completed',
      data: {
        object: {
          id: 'cs_sub',
          object: 'checkout.session',
          mode: 'subscription',
          subscription: subId,
          metadata: { organizationId },
        },
      },
    });
    expect((await orgRow(organizationId)).plan).toBe('STARTER');
    expect((await orgRow(organizationId)).tokenBalance).toBe(1_000_000);
    const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.organizationId, organizationId));
    expect(account!.cycleAnchor.getTime()).toBe(anchor * 1000);

    // Stripe now has it cancelled; the deletion arrives first, then an older "updated" (to Growth, active).
    subscriptions.set(subId, subscription('canceled', 'price_growth'));
    await deliver({
      id: `evt_d_${organizationId}`,
      type: 'customer.subscription.deleted',
      data: { object: subscription('canceled', 'price_starter') },
    });
    expect((await orgRow(organizationId)).plan).toBe('FREE');
    await deliver({
      id: `evt_u_${organizationId}`,
      type: 'customer.subscription.updated',
      data: { object: subscription('active', 'price_growth') },
    });
    expect((await orgRow(organizationId)).plan).toBe('FREE');
    expect((await orgRow(organizationId)).tokenBalance).toBe(Number(env.FREE_PLAN_TOKENS));
  });

  it('a failed payment shows on the billing page until an invoice is paid', async () => {
    fakeStripe();
    const owner = await signUpOwner();
    const organizationId = owner.organization.id as string;
    const customer = `cus_inv_${organizationId}`;
    await db.update(organizations).set({ stripeCustomerId: customer }).where(eq(organizations.id, organizationId));
    const invoiceId = `in_${organizationId}`;
    const invoice = (status: string) => ({
      id: invoiceId,
      object: 'invoice',
      status,
      customer,
      attempt_count: 1,
      amount_due: 2900,
      currency: 'usd',
      number: 'INV-0001',
    });
    invoices.set(invoiceId, invoice('open'));
    await deliver({ id: `evt_f_${organizationId}`, type: 'invoice.payment_failed', data: { object: invoice('open') } });
    const failed = (await owner.client.get('/api/billing')).body.data;
    expect(failed.paymentFailure.message).toBe(
      'The payment of 29.00 USD for invoice INV-0001 failed; update the payment method in the customer portal.',
    );
    expect(failed.alerts).toContainEqual(expect.objectContaining({ kind: 'PAYMENT_FAILED', severity: 'danger' }));
    // A stale "failed" after the invoice was paid does not bring the warning back (the invoice is re-read).
    invoices.set(invoiceId, invoice('paid'));
    await deliver({ id: `evt_p_${organizationId}`, type: 'invoice.paid', data: { object: invoice('paid') } });
    await deliver({
      id: `evt_f2_${organizationId}`,
      type: 'invoice.payment_failed',
      data: { object: invoice('open') },
    });
    expect((await owner.client.get('/api/billing')).body.data.paymentFailure).toBeNull();
  });
});
