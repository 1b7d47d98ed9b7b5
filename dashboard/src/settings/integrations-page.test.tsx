import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-support';
import { IntegrationsPage } from './integrations-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const tiktok = (connected: boolean) => ({
  provider: 'TIKTOK',
  slug: 'tiktok',
  name: 'TikTok',
  id: connected ? 'int-1' : null,
  status: connected ? 'CONNECTED' : 'NOT_CONNECTED',
  accountId: connected ? 'acct-1' : null,
  accountName: connected ? 'Acme Shop' : null,
  scopes: [{ scope: 'comment.list', label: 'Read comments', granted: connected }],
  missingScopes: [],
  lastSyncAt: null,
  lastError: null,
  connectedAt: null,
  webhook: null,
  orderSync: null,
  statusPageUrl: 'https://developers.tiktok.com/status',
});

const shop = (orderSync: object | null) => ({
  ...tiktok(true),
  provider: 'TIKTOK_SHOP',
  slug: 'tiktok-shop',
  name: 'TikTok Shop',
  id: 'int-2',
  accountName: 'Glow Shop',
  scopes: [{ scope: 'order.read', label: 'Read orders', granted: true }],
  orderSync,
});

describe('integrations settings', () => {
  it('disconnecting asks in the page what stops working; Cancel keeps it, confirming disconnects', async () => {
    let connected = true;
    const api = fakeApi({
      'GET /api/integrations': () => ({ integrations: [tiktok(connected)], canManage: true, workspaceId: 'org-1' }),
      'DELETE /api/integrations/int-1': () => {
        connected = false;
        return { id: 'int-1', disconnected: true };
      },
    });
    renderAs('OWNER', <IntegrationsPage />);
    const card = await screen.findByRole('article', { name: 'TikTok' });
    fireEvent.click(within(card).getByRole('button', { name: 'Disconnect' }));
    const question = within(card).getByRole('alertdialog', { name: 'Confirm: Disconnect TikTok' });
    expect(question.textContent).toContain('Disconnect TikTok? Comments stop arriving and no DM can be sent.');
    fireEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
    expect(api.find('DELETE', '/api/integrations/int-1')).toHaveLength(0);

    fireEvent.click(within(card).getByRole('button', { name: 'Disconnect' }));
    fireEvent.click(within(card).getByRole('button', { name: 'Disconnect TikTok' }));
    await within(card).findByText('Not connected');
    await waitFor(() => expect(api.find('DELETE', '/api/integrations/int-1')).toHaveLength(1));
  });

  it('the TikTok Shop card says when orders last synced, or why the sync failed and how to fix it', async () => {
    const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000 - 1000).toISOString();
    let orderSync: object | null = {
      lastRunAt: minutesAgo(5),
      syncedThrough: minutesAgo(60 * 24 * 14),
      lastError:
        'TikTok Shop has not granted the Read orders permission (order.read): TikTok API error 105005: Scope order.read not authorized',
      fix: 'Reconnect TikTok Shop and approve “Read orders”.',
      retryEveryMinutes: 5,
    };
    fakeApi({
      'GET /api/integrations': () => ({
        integrations: [tiktok(true), shop(orderSync)],
        canManage: false,
        workspaceId: 'org-1',
      }),
    });
    const { unmount } = renderAs('VIEWER', <IntegrationsPage />);
    const card = await screen.findByRole('article', { name: 'TikTok Shop' });
    expect(within(card).getByText(/^Order sync failed/).textContent).toBe(
      'Order sync failed 5 min ago: TikTok Shop has not granted the Read orders permission (order.read): TikTok API error 105005: Scope order.read not authorized. We retry every 5 minutes.',
    );
    expect(within(card).getByText(/^To fix it/).textContent).toBe(
      'To fix it: Reconnect TikTok Shop and approve “Read orders”.',
    );
    // The TikTok card has no order sync.
    expect(within(screen.getByRole('article', { name: 'TikTok' })).queryByText(/Order/)).toBeNull();
    unmount();

    // A sync that works clears the failure.
    orderSync = { ...orderSync, lastRunAt: minutesAgo(0), lastError: null, fix: null };
    renderAs('VIEWER', <IntegrationsPage />);
    const fixed = await screen.findByRole('article', { name: 'TikTok Shop' });
    expect(within(fixed).getByText(/^Orders last synced/).textContent).toBe('Orders last synced just now.');
    expect(within(fixed).queryByText(/failed|To fix it/)).toBeNull();
  });

  it('a connected shop whose orders have not synced yet says so', async () => {
    fakeApi({
      'GET /api/integrations': () => ({ integrations: [shop(null)], canManage: true, workspaceId: 'org-1' }),
    });
    renderAs('OWNER', <IntegrationsPage />);
    const card = await screen.findByRole('article', { name: 'TikTok Shop' });
    expect(within(card).getByText('Orders have not synced yet.')).toBeTruthy();
  });
});
