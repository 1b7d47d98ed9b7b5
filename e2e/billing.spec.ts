// Billing in the browser, against a local fake of Stripe's HTTP API. The stack must be started with the fake's
// port so the Worker is configured for it (scripts/dev.mjs):
//   E2E_FAKE_STRIPE_PORT=12111 node e2e/run.mjs e2e/billing.spec.ts
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { expect, test } from '@playwright/test';
import Stripe from 'stripe';
import { DEMO_OWNER, logIn, newPage, ownerApi } from './support';

const FAKE_PORT = process.env.E2E_FAKE_STRIPE_PORT;
const WEBHOOK_SECRET = 'whsec_e2e';
/** The stack's local state (run.mjs's; E2E_PERSIST when the stack was started on another directory). */
const PERSIST = process.env.E2E_PERSIST ?? '.wrangler/e2e-state';

test.skip(!FAKE_PORT, 'start the stack with E2E_FAKE_STRIPE_PORT set (see the top of this file)');

/** Checkout sessions the Worker created, as the fake saw them (form-encoded by the real SDK). */
const sessions: URLSearchParams[] = [];
let server: Server;

test.beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const reply = (data: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      if (req.url === '/v1/customers') return reply({ id: 'cus_e2e', object: 'customer' });
      if (req.url === '/v1/checkout/sessions') {
        sessions.push(form);
        const id = `cs_e2e_${sessions.length}`;
        // The fake "pays" at once: its checkout page is the success URL the Worker asked Stripe to return to.
        return reply({ id, object: 'checkout.session', url: form.get('success_url') });
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `No fake for ${req.url}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(Number(FAKE_PORT), '127.0.0.1', resolve));
});

test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Spends the demo organisation's whole balance (with its ledger row), straight in the local D1. */
function drainBalance(organizationId: string) {
  const sql = `INSERT INTO token_ledger (id, organization_id, delta, reason, reference_id, balance_after, created_at)
    SELECT lower(hex(randomblob(16))), id, -token_balance, 'E2E_SPENT', NULL, 0, unixepoch() * 1000 FROM organizations WHERE id = '${organizationId}';
    UPDATE organizations SET token_balance = 0 WHERE id = '${organizationId}';`;
  execFileSync('npx', ['wrangler', 'd1', 'execute', 'DB', '--local', '--persist-to', PERSIST, '--command', sql], {
    stdio: 'ignore',
  });
}

test('an owner tops up through Stripe, the webhook credits the balance and the banner goes; an agent cannot buy', async ({
  page,
  request,
  baseURL,
  browser,
}) => {
  const owner = await ownerApi(request, baseURL!);
  const me = await owner.get('/api/auth/me');
  drainBalance(me.organization.id);

  await logIn(page, DEMO_OWNER);
  const banner = page.getByTestId('usage-banner');
  await expect(banner).toContainText('Out of tokens');
  await page.getByRole('link', { name: 'Billing' }).first().click();
  await expect(page.getByTestId('balance')).toHaveText('0 tokens');

  // More than a tenth of the demo plan's allowance (Starter, 1,000,000), so the balance is no longer low either.
  await page.getByLabel('Tokens to buy').fill('200000');
  await page.getByRole('button', { name: 'Buy tokens (40.00 USD)' }).click();
  await expect(page).toHaveURL(/\/settings\/billing\?top_up=success/);
  await expect(page.getByText('The purchase shows here as soon as Stripe confirms it.')).toBeVisible();
  const session = sessions.at(-1)!;
  expect(session.get('mode')).toBe('payment');
  expect(session.get('metadata[tokens]')).toBe('200000');

  // Stripe tells the Worker the session was paid: a signed webhook.
  const payload = JSON.stringify({
    id: `evt_e2e_${Date.now()}`,
    object: 'event',
    type: 'checkout.session.completed',
    data: {
      object: {
        id: `cs_e2e_${sessions.length}`,
        object: 'checkout.session',
        mode: 'payment',
        payment_status: 'paid',
        customer: 'cus_e2e',
        metadata: Object.fromEntries(
          [...session].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]),
        ),
      },
    },
  });
  const signature = new Stripe('sk_test_e2e').webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  const delivered = await request.post('/api/webhooks/stripe', {
    data: payload,
    headers: { 'stripe-signature': signature, 'content-type': 'application/json' },
  });
  expect(delivered.status()).toBe(200);

  await expect(page.getByTestId('balance')).toHaveText('200,000 tokens', { timeout: 20_000 });
  await expect(page.getByTestId('top-up-balance')).toHaveText('200,000');
  await expect(banner).toHaveCount(0);

  // An agent sees the figures, read-only.
  const agentEmail = `agent-${Date.now()}@demo.helpstack.local`;
  await owner.post('/api/team/members', {
    email: agentEmail,
    name: 'Ada Agent',
    role: 'AGENT',
    password: 'agent password 1',
  });
  const agentPage = await newPage(browser);
  await logIn(agentPage, { email: agentEmail, password: 'agent password 1' });
  await agentPage.goto('/settings/billing');
  await expect(agentPage.getByTestId('balance')).toHaveText('200,000 tokens');
  await expect(agentPage.getByTestId('billing-read-only')).toBeVisible();
  await expect(agentPage.getByRole('button', { name: /Buy tokens/ })).toHaveCount(0);
  await expect(agentPage.getByRole('button', { name: 'Upgrade' })).toHaveCount(0);
});
