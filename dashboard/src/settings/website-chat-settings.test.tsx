import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failRoute, fakeApi, renderAs } from '../test-support';
import { ChannelPage } from './channel-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const chat = {
  id: 'ch-1',
  organizationId: 'org-1',
  type: 'WEBSITE_CHAT',
  name: 'Shop chat',
  region: null,
  defaultLanguage: 'en',
  autoTranslate: false,
  translateToLanguage: null,
  fallbackLanguage: null,
  aiProviderId: null,
  systemPrompt: null,
  responseTemplate: null,
  settings: { allowedDomains: ['shop.example.com'] },
  autoReply: false,
  autoApprove: false,
  autoEnhance: false,
  autoReplyMode: 'off',
  isActive: true,
  knowledgeGroupIds: [],
  credentials: {},
  createdAt: new Date(0).toISOString(),
  updatedAt: new Date(0).toISOString(),
};

const routes = {
  'GET /api/channels/ch-1': chat,
  'GET /api/channels/ch-1/widget-script': { channelId: 'ch-1', script: '<script src="x"></script>' },
  'GET /api/channels/ch-1/refused-origins': [
    {
      origin: 'https://blog.example.com',
      count: 4,
      firstSeenAt: new Date(0).toISOString(),
      lastSeenAt: new Date(0).toISOString(),
      allowedNow: false,
    },
  ],
  'GET /api/ai-providers': [],
  'GET /api/knowledge/groups': [],
};

describe('website chat channel page', () => {
  it('shows agents the sites whose widget was refused, the business hours and the pre-chat form', async () => {
    const settings = {
      allowedDomains: ['shop.example.com'],
      businessHours: { timeZone: 'Europe/Ljubljana', intervals: [{ day: 1, start: '09:00', end: '17:00' }] },
      preChatForm: 'REQUIRED',
    };
    fakeApi({ ...routes, 'GET /api/channels/ch-1': { ...chat, settings } });
    renderAs('AGENT', <ChannelPage params={{ id: 'ch-1' }} />);
    expect((await screen.findByText('Business hours')).nextElementSibling?.textContent).toBe(
      'Mon 09:00–17:00 (Europe/Ljubljana)',
    );
    expect(screen.getByText('Pre-chat form').nextElementSibling?.textContent).toBe('Required (an email first)');
    const card = await screen.findByRole('region', { name: 'Sites where the widget was refused' });
    const row = within(card).getByText('https://blog.example.com').closest('tr')!;
    expect(within(row).getByText('4')).toBeTruthy();
    expect(within(row).getByText('Add blog.example.com')).toBeTruthy();
  });

  it('saves business hours and the pre-chat form, and keeps "not a domain" one entry with its own error', async () => {
    const api = fakeApi({ ...routes, 'PATCH /api/channels/ch-1': chat });
    failRoute('PATCH /api/channels/ch-1', 400, {
      message: 'Invalid input',
      code: 'VALIDATION_ERROR',
      fields: { 'settings.allowedDomains.1': ['Enter a host name such as shop.example.com'] },
    });
    renderAs('ADMIN', <ChannelPage params={{ id: 'ch-1' }} />);
    await screen.findByLabelText('Allowed domains');
    // The editor re-reads the channel in an effect after mounting; typing starts after that, as a person would.
    await act(() => new Promise((r) => setTimeout(r, 200)));
    fireEvent.input(screen.getByLabelText('Allowed domains'), {
      target: { value: 'shop.example.com\nnot a domain\n*.example.org' },
    });
    fireEvent.change(screen.getByLabelText('Pre-chat form'), { target: { value: 'REQUIRED' } });
    fireEvent.click(screen.getByLabelText(/Set business hours/));
    fireEvent.input(screen.getByLabelText('Time zone'), { target: { value: 'Europe/Ljubljana' } });
    fireEvent.click(screen.getByRole('button', { name: /Remove hours 5/ }));
    fireEvent.input(screen.getByLabelText('Reply time outside hours'), { target: { value: 'within a day' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save channel' }));

    const errors = await screen.findByRole('list', { name: 'Domains to fix' });
    expect(errors.textContent).toBe('“not a domain”: Enter a host name such as shop.example.com');
    expect(screen.getByLabelText('Allowed domains').getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(api.find('PATCH', '/api/channels/ch-1')).toHaveLength(1));
    const { settings } = api.find('PATCH', '/api/channels/ch-1')[0]!.body as { settings: Record<string, unknown> };
    expect(settings.allowedDomains).toEqual(['shop.example.com', 'not a domain', '*.example.org']);
    expect(settings.preChatForm).toBe('REQUIRED');
    expect(settings.businessHours).toEqual({
      timeZone: 'Europe/Ljubljana',
      intervals: [1, 2, 3, 4].map((day) => ({ day, start: '09:00', end: '17:00' })),
      replyTime: 'within a day',
    });
  });
});

describe('deleting a channel', () => {
  it('asks in the page that its conversations go with it; Cancel keeps it, confirming deletes it', async () => {
    const api = fakeApi({ ...routes, 'DELETE /api/channels/ch-1': { id: 'ch-1', deleted: true } });
    renderAs('ADMIN', <ChannelPage params={{ id: 'ch-1' }} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete channel' }));
    const question = screen.getByRole('alertdialog', { name: 'Confirm: Delete Shop chat' });
    expect(question.textContent).toContain('Delete the channel "Shop chat" and all its conversations?');
    fireEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
    expect(api.find('DELETE', '/api/channels/ch-1')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Delete channel' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete Shop chat' }));
    await waitFor(() => expect(location.pathname).toBe('/settings/channels'));
    expect(api.find('DELETE', '/api/channels/ch-1')).toHaveLength(1);
  });
});
