import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { BillingPage } from './billing-page';
import { UsageBanner } from './usage-banner';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function billing(overrides: Record<string, unknown> = {}) {
  return {
    plan: 'FREE',
    limits: { tokens: 100000, seats: 2, contacts: 100 },
    cycle: { start: '2026-11-05T10:00:00.000Z', end: '2026-12-05T10:00:00.000Z' },
    tokens: { balance: 61000, allowance: 100000, allowanceUsed: 40000, allowanceRemaining: 60000, topUpBalance: 1000 },
    contacts: { cycleStart: 0, used: 12, cap: 100, level: 0, held: 0 },
    seats: { used: 2, limit: 2, members: 1, pending: 1 },
    subscription: null,
    paymentFailure: null,
    paymentsConfigured: true,
    topUpOptions: { min: 10000, max: 10000000, step: 1000, centsPerStep: 20, currency: 'usd' },
    usage: [
      { day: '2026-11-06', feature: 'AI_REPLY', tokens: 30000 },
      { day: '2026-11-06', feature: 'TRANSLATION', tokens: 4000 },
      { day: '2026-11-07', feature: 'AI_REPLY', tokens: 6000 },
    ],
    alerts: [],
    canManage: true,
    ...overrides,
  };
}

const ledger = {
  items: [
    {
      id: 'l-1',
      delta: 100000,
      reason: 'PLAN_GRANT',
      referenceId: null,
      balanceAfter: 100000,
      createdAt: '2026-11-05T10:00:00.000Z',
    },
  ],
  page: 1,
  pageSize: 20,
  total: 1,
  totalPages: 1,
};

describe('billing page', () => {
  it('shows the figures, usage by feature and the ledger; the owner buys a top-up through Stripe Checkout', async () => {
    const api = fakeApi({
      'GET /api/billing': billing(),
      'GET /api/billing/ledger': ledger,
      'POST /api/billing/top-up': { url: 'https://checkout.stripe.com/c/pay/cs_1' },
    });
    const assign = vi.fn();
    vi.stubGlobal('location', { ...location, assign, search: '' });
    renderAs('OWNER', <BillingPage />);
    expect((await screen.findByTestId('balance')).textContent).toBe('61,000 tokens');
    expect(screen.getByTestId('top-up-balance').textContent).toBe('1,000');
    expect(screen.getByText('40,000 of 100,000 tokens used, 60,000 left')).toBeTruthy();
    // Seats as the team page counts them: a pending invitation holds one.
    expect(screen.getByText('Seats').nextElementSibling!.textContent).toBe('2 of 2 (1 held by pending invitation)');
    expect(screen.getByText('AI replies').closest('tr')!.textContent).toContain('36,000');
    expect(await screen.findByText('PLAN_GRANT')).toBeTruthy();
    fireEvent.input(screen.getByLabelText('Tokens to buy'), { target: { value: '50000' } });
    fireEvent.click(screen.getByRole('button', { name: 'Buy tokens (10.00 USD)' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://checkout.stripe.com/c/pay/cs_1'));
    expect(api.find('POST', '/api/billing/top-up')[0]!.body).toEqual({ tokens: 50000 });
  });

  it('says plainly when payments are not configured', async () => {
    fakeApi({ 'GET /api/billing': billing({ paymentsConfigured: false }), 'GET /api/billing/ledger': ledger });
    failRoute('POST /api/billing/portal', 503, {
      message: 'Payments are not configured on this installation',
      code: 'PAYMENTS_NOT_CONFIGURED',
    });
    renderAs('OWNER', <BillingPage />);
    expect(
      await screen.findByText(/Payments are not configured on this installation: plans and usage work/),
    ).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Open customer portal' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Payments are not configured on this installation',
    );
  });

  it('an agent sees the figures read-only, without buy buttons', async () => {
    fakeApi({ 'GET /api/billing': billing({ canManage: false }), 'GET /api/billing/ledger': ledger });
    renderAs('AGENT', <BillingPage />);
    await screen.findByTestId('balance');
    expect(screen.getByTestId('billing-read-only').textContent).toContain("Only the organisation's owner");
    expect(screen.queryByRole('button', { name: /Buy tokens/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Upgrade' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Open customer portal' })).toBeNull();
  });
});

describe('usage banner', () => {
  it('shows the alerts the server reports, and nothing when there are none', async () => {
    fakeApi({
      'GET /api/billing': billing({
        alerts: [{ kind: 'TOKENS_OUT', severity: 'danger', message: 'Out of tokens: AI replies are paused.' }],
      }),
    });
    renderAs('AGENT', <UsageBanner path="/conversations" />);
    expect((await screen.findByRole('alert')).textContent).toContain('Out of tokens: AI replies are paused.');
    cleanup();
    fakeApi({ 'GET /api/billing': billing() });
    renderAs('AGENT', <UsageBanner path="/conversations" />);
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId('usage-banner')).toBeNull();
  });
});
