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
  statusPageUrl: 'https://developers.tiktok.com/status',
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
});
