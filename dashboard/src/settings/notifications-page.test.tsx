import { cleanup, fireEvent, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi, renderAs } from '../test-support';
import { NotificationsPage } from './notifications-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const slack = {
  id: 'ni-1',
  type: 'SLACK',
  name: 'Support alerts',
  url: 'https://hooks.slack.com/services/T000/B000/XXXX',
  events: ['NEW_CONVERSATION'],
  enabled: true,
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
};

describe('notification integrations', () => {
  it('removing one asks in the page, naming it; Cancel keeps it, confirming removes it', async () => {
    let list = [slack];
    const api = fakeApi({
      'GET /api/notifications/integrations': () => list,
      'DELETE /api/notifications/integrations/ni-1': () => {
        list = [];
        return { id: 'ni-1', deleted: true };
      },
    });
    renderAs('ADMIN', <NotificationsPage />);
    const section = await screen.findByRole('region', { name: 'Integrations' });
    fireEvent.click(await within(section).findByRole('button', { name: 'Remove Support alerts' }));
    const question = within(section).getByRole('alertdialog', { name: 'Confirm: Remove Support alerts' });
    expect(question.textContent).toContain('Remove the integration "Support alerts"?');
    fireEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
    expect(api.find('DELETE', '/api/notifications/integrations/ni-1')).toHaveLength(0);
    expect(document.activeElement).toBe(within(section).getByRole('button', { name: 'Remove Support alerts' }));

    fireEvent.click(within(section).getByRole('button', { name: 'Remove Support alerts' }));
    const again = within(section).getByRole('alertdialog', { name: 'Confirm: Remove Support alerts' });
    fireEvent.click(within(again).getByRole('button', { name: 'Remove Support alerts' }));
    await within(section).findByText('No integrations yet.');
    expect(api.find('DELETE', '/api/notifications/integrations/ni-1')).toHaveLength(1);
  });
});
