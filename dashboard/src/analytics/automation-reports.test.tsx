import { cleanup, fireEvent, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-support';
import { FlowsReportPage, PostsReportPage } from './automation-reports';

// uPlot draws on a canvas happy-dom does not have: the chart stands in as its title and data.
vi.mock('./chart', () => import('./chart-stand-in'));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  history.replaceState(null, '', '/');
});

const usd = (amountMinor: number) => ({ currency: 'USD', amount: (amountMinor / 100).toFixed(2), amountMinor });
const range = { from: '2026-03-01', to: '2026-03-30', timeZone: 'Asia/Bangkok' };

describe('Analytics → Posts', () => {
  it('charts and tabulates each video, soft-attributed figures dotted, and sorts through the URL', async () => {
    history.replaceState(null, '', '/analytics/posts?from=2026-03-01&to=2026-03-30');
    const api = fakeApi({
      'GET /api/analytics/posts': {
        range,
        sort: 'revenue',
        posts: [
          {
            postId: 'v1',
            title: 'Serum launch',
            isLive: false,
            publishedAt: null,
            comments: 12,
            dmsTriggered: 9,
            ordersAttributed: 3,
            attributedRevenue: [usd(5990)],
            ordersSoft: 1,
            softRevenue: [usd(500)],
          },
        ],
      },
    });
    renderAs('VIEWER', <PostsReportPage />);
    const table = await screen.findByRole('table', { name: 'Per video' });
    const row = within(table).getByRole('row', { name: /Serum launch/ });
    const cells = within(row)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    const money = (n: number) => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(n);
    expect(cells).toEqual(['12', '9', '3', money(59.9), '1', money(5)]);
    expect(
      within(row)
        .getAllByText(/./, { selector: '.soft-figure' })
        .map((e) => e.textContent),
    ).toEqual(['1', money(5)]);
    expect(screen.getByText('Soft-attributed (dotted): Serum launch=1').className).toBe('dotted');
    expect(screen.getByText('Orders attributed: Serum launch=3').className).toBe('solid');
    expect(screen.getByText('Attributed revenue (USD): Serum launch=59.9')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Posts' }).getAttribute('aria-current')).toBe('page');
    expect(api.calls[0]!.query.get('sort')).toBe('revenue');

    fireEvent.change(screen.getByLabelText('Sort by'), { target: { value: 'comments' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Report range' }));
    expect(location.search).toBe('?from=2026-03-01&to=2026-03-30&sort=comments');
  });
});

describe('Analytics → Flows', () => {
  it('shows runs, orders and drop-off per step', async () => {
    history.replaceState(null, '', '/analytics/flows');
    fakeApi({
      'GET /api/analytics/flows': {
        range,
        sort: 'revenue',
        flows: [
          {
            flowId: 'f1',
            name: 'Sizes',
            deleted: false,
            runs: 4,
            dmsSent: 11,
            ordersAttributed: 1,
            attributedRevenue: [usd(2500)],
            ordersSoft: 0,
            softRevenue: [],
            steps: [
              { blockId: 'ask', type: 'QUESTION', reached: 4, dropOff: 0.25 },
              { blockId: 'pick', type: 'QUICK_REPLIES', reached: 3, dropOff: 0.333 },
            ],
          },
        ],
      },
    });
    renderAs('AGENT', <FlowsReportPage />);
    const steps = await screen.findByRole('table', { name: 'Steps of Sizes' });
    expect(
      within(steps)
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.textContent),
    ).toEqual(['askQUESTION425 %', 'pickQUICK_REPLIES333.3 %']);
    expect(screen.getByText('Stopped here: ask=1, pick=1')).toBeTruthy();
    const perFlow = screen.getByRole('table', { name: 'Per flow' });
    expect(within(perFlow).getByRole('row', { name: /Sizes/ }).textContent).toContain('411');
  });

  it('lists a deleted flow that drove orders as “Deleted flow”, with its revenue and no steps', async () => {
    history.replaceState(null, '', '/analytics/flows');
    const flow = (flowId: string, name: string | null, runs: number, revenue: number) => ({
      flowId,
      name,
      deleted: name === null,
      runs,
      dmsSent: runs,
      ordersAttributed: 1,
      attributedRevenue: [usd(revenue)],
      ordersSoft: 0,
      softRevenue: [],
      steps: runs ? [{ blockId: 'shop', type: 'SHOP_LINK', reached: runs, dropOff: 0 }] : [],
    });
    const api = fakeApi({
      'GET /api/analytics/flows': {
        range,
        sort: 'revenue',
        flows: [flow('f-gone', null, 0, 2500), flow('f1', 'Kept', 2, 1000)],
      },
    });
    renderAs('VIEWER', <FlowsReportPage />);
    const perFlow = await screen.findByRole('table', { name: 'Per flow' });
    const money = (n: number) => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(n);
    const cells = within(within(perFlow).getByRole('row', { name: /Deleted flow/ }))
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells).toEqual(['0', '0', '1', money(25), '0', '—']);
    expect(screen.getByText('Attributed revenue (USD): Deleted flow=25, Kept=10')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: /Drop-off by step: Deleted flow/ })).toBeNull();
    expect(screen.getByRole('heading', { name: 'Drop-off by step: Kept' })).toBeTruthy();
    // No dates in the URL: the server picks the range in the organisation's time zone, and the form shows it.
    expect([...api.calls[0]!.query.keys()]).toEqual(['sort']);
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe('2026-03-01');
    expect((screen.getByLabelText('To') as HTMLInputElement).value).toBe('2026-03-30');
  });
});
