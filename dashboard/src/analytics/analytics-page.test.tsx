import { cleanup, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-support';
import { AnalyticsPage } from './analytics-page';

// uPlot draws on a canvas happy-dom does not have: the chart stands in as its title and data.
vi.mock('./chart', () => import('./chart-stand-in'));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  history.replaceState(null, '', '/');
});

const MIN = 60_000;
const stats = (count: number, ms: number | null, p90 = ms) => ({ count, meanMs: ms, medianMs: ms, p90Ms: p90 });
const none = stats(0, null);
const header = {
  range: { from: '2026-03-11', to: '2026-03-12', timeZone: 'Europe/Ljubljana' },
  previousRange: { from: '2026-03-09', to: '2026-03-10' },
  filters: { channelId: null, agentId: null, businessTime: false },
  pending: { conversations: 0, days: 0 },
};
const figures = {
  newConversations: 2,
  reopened: 0,
  resolutions: 1,
  backlog: 1,
  customerMessages: 2,
  replies: 3,
  firstResponse: stats(2, 5 * MIN, 15 * MIN),
  resolutionTime: stats(1, 570 * MIN),
  repliesPerResolution: 1,
  aiAnsweredShare: null,
  aiResolutionRate: null,
};
const ai = {
  conversations: 2,
  aiInvolved: 1,
  aiAnswered: 1,
  aiResolvedAlone: 0,
  aiAnsweredShare: 0.5,
  aiResolutionRate: 0,
  aiReplies: 1,
  firstResponsesByAi: 0,
  drafts: { created: 1, approved: 1, edited: 0, rejected: 0 },
};

const cells = (table: HTMLElement, rowName: RegExp) =>
  within(within(table).getByRole('row', { name: rowName }))
    .getAllByRole('cell')
    .map((c) => c.textContent);

const routes = () => ({
  'GET /api/analytics/overview': { ...header, current: figures, previous: figures },
  'GET /api/analytics/conversations': {
    ...header,
    totals: {},
    previousTotals: {},
    days: [],
    languages: [],
    heatmap: [],
    channels: [
      {
        channelId: 'ch-web',
        name: 'Website',
        type: 'WEBSITE_CHAT',
        newConversations: 2,
        previousNewConversations: 1,
        resolutions: 1,
        previousResolutions: 1,
        customerMessages: 2,
        previousCustomerMessages: 4,
        replies: 3,
        previousReplies: 2,
        firstResponse: stats(2, 5 * MIN),
        previousFirstResponse: stats(1, 20 * MIN),
      },
      {
        channelId: 'ch-mail',
        name: 'Support email',
        type: 'EMAIL',
        newConversations: 0,
        previousNewConversations: 1,
        resolutions: 0,
        previousResolutions: 0,
        customerMessages: 0,
        previousCustomerMessages: 1,
        replies: 0,
        previousReplies: 1,
        firstResponse: none,
        previousFirstResponse: stats(1, 30 * MIN),
      },
    ],
  },
  'GET /api/analytics/agents': {
    ...header,
    agents: [
      {
        agentId: 'u-olivia',
        name: 'Olivia Owner',
        replies: 2,
        previousReplies: 1,
        resolutions: 1,
        previousResolutions: 1,
        reopened: 0,
        notes: 0,
        draftsApproved: 1,
        previousDraftsApproved: 2,
        draftsEdited: 0,
        previousDraftsEdited: 1,
        draftsRejected: 0,
        previousDraftsRejected: 0,
        firstResponse: stats(2, 5 * MIN, 15 * MIN),
        previousFirstResponse: stats(1, 20 * MIN),
        resolutionTime: stats(1, 570 * MIN),
        previousResolutionTime: stats(1, 60 * MIN),
        repliesPerResolution: 2,
      },
    ],
  },
  'GET /api/analytics/ai': {
    ...header,
    current: ai,
    previous: { ...ai, aiResolutionRate: 0.5, drafts: { created: 2, approved: 2, edited: 1, rejected: 0 } },
    tokens: [],
    previousTokens: [],
  },
  'GET /api/channels': [
    { id: 'ch-web', name: 'Website' },
    { id: 'ch-mail', name: 'Support email' },
  ],
  'GET /api/analytics/settings': { timeZone: 'Europe/Ljubljana', businessHours: null },
});

describe('Analytics page', () => {
  it('shows each channel’s and each agent’s figures with their change against the previous period', async () => {
    history.replaceState(null, '', '/analytics?from=2026-03-11&to=2026-03-12');
    const api = fakeApi(routes());
    renderAs('VIEWER', <AnalyticsPage />);

    const byChannel = await screen.findByRole('table', { name: 'By channel' });
    expect(cells(byChannel, /Website/)).toEqual([
      '2 (+100 % vs before)',
      '1 (+0 % vs before)',
      '2 (-50 % vs before)',
      '3 (+50 % vs before)',
      '5 min (-75 % vs before)',
    ]);
    // Active only before: every figure shows the drop, the response time that there was none.
    expect(cells(byChannel, /Support email/)).toEqual([
      '0 (-100 % vs before)',
      '0 (same as before)',
      '0 (-100 % vs before)',
      '0 (-100 % vs before)',
      '— (no earlier figure)',
    ]);

    const agents = screen.getByRole('heading', { name: 'Agents' }).closest('section')!;
    expect(cells(within(agents).getByRole('table'), /Olivia Owner/)).toEqual([
      '2 (+100 % vs before)',
      '1 (+0 % vs before)',
      '5 min (-75 % vs before)',
      '15 min (-25 % vs before)',
      '9.5 h (+850 % vs before)',
      '1 (-50 % vs before) 0 edited (before: 1)',
    ]);
    const aiSection = within(screen.getByRole('heading', { name: 'AI' }).closest('section')!);
    const aiCard = (label: string) => aiSection.getByText(label, { selector: 'dt' }).parentElement!.textContent;
    expect(aiCard('Drafts approved')).toBe(
      'Drafts approved11 drafted, 0 edited before approval, 0 rejected; -50 % vs before',
    );
    expect(aiCard('AI resolution rate')).toContain('0 of 1 without a human reply; -100 % vs before');
    expect(api.find('GET', '/api/analytics/conversations')[0]?.query.get('from')).toBe('2026-03-11');
    expect(screen.getByRole('link', { name: 'Channels (CSV)' }).getAttribute('href')).toBe(
      '/api/analytics/export/channels?from=2026-03-11&to=2026-03-12',
    );
  });

  it('without dates asks for the Worker’s last 30 days (in the organisation’s time zone) and shows them', async () => {
    history.replaceState(null, '', '/analytics');
    const api = fakeApi(routes());
    renderAs('VIEWER', <AnalyticsPage />);
    expect(await screen.findByRole('heading', { name: 'Overview 2026-03-11 to 2026-03-12' })).toBeTruthy();
    const asked = api.find('GET', '/api/analytics/overview')[0]!.query;
    expect([asked.get('from'), asked.get('to')]).toEqual([null, null]);
    expect(screen.getByLabelText<HTMLInputElement>('From').value).toBe('2026-03-11');
    expect(screen.getByLabelText<HTMLInputElement>('To').value).toBe('2026-03-12');
    expect(screen.getByRole('link', { name: 'Overview (CSV)' }).getAttribute('href')).toBe(
      '/api/analytics/export/overview?from=2026-03-11&to=2026-03-12',
    );
  });
});
