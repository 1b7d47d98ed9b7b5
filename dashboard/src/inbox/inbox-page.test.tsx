import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emitLive, type LiveEvent } from '../live';
import { fakeApi, member, renderAs } from '../test-support';
import { conversationQuery, EMPTY_FILTERS, filtersFromSearch, inboxUrl } from './filters';
import { InboxPage } from './inbox-page';

const conversation = (id: string, unreadCount: number) => ({
  id,
  status: 'OPEN',
  priority: 'NORMAL',
  unreadCount,
  language: 'de',
  lastMessageAt: new Date(0).toISOString(),
  lastMessagePreview: `Preview of ${id}`,
  contact: { id: `ct-${id}`, name: `Customer ${id}`, email: null },
  channel: { id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT' },
  assignee: null,
  assignedToId: null,
});

const page = (items: unknown[], total = items.length) => ({
  items,
  page: 1,
  pageSize: 20,
  total,
  totalPages: Math.ceil(total / 20),
});

function fakeInbox(total = 2) {
  return fakeApi({
    'GET /api/conversations': page([conversation('a', 3), conversation('b', 0)], total),
    'GET /api/channels': [{ id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT' }],
    'GET /api/team/members': [member('user-1', 'Mia Agent'), member('user-2', 'Bo Admin', 'ADMIN')],
    'POST /api/conversations/bulk-read': { updated: 1 },
  });
}

beforeEach(() => history.replaceState(null, '', '/conversations'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('inbox filters', () => {
  it('send only the filters that are set, always with a page of 20', () => {
    expect(conversationQuery(EMPTY_FILTERS)).toEqual({ page: '1', pageSize: '20' });
    expect(
      conversationQuery({
        ...EMPTY_FILTERS,
        status: 'PENDING',
        channelType: 'EMAIL',
        assignedToId: 'unassigned',
        language: 'sl',
        search: '  refund  ',
        unread: true,
        page: 3,
      }),
    ).toEqual({
      page: '3',
      pageSize: '20',
      status: 'PENDING',
      channelType: 'EMAIL',
      assignedToId: 'unassigned',
      language: 'sl',
      search: 'refund',
      unread: 'true',
    });
  });

  it('survive a reload through the page URL', () => {
    const filters = { ...EMPTY_FILTERS, status: 'OPEN', channelId: 'ch-1', unread: true, page: 2 };
    const url = inboxUrl(filters);
    expect(url).toBe('/conversations?page=2&status=OPEN&channelId=ch-1&unread=true');
    expect(filtersFromSearch(new URL(url, 'http://x').searchParams)).toEqual(filters);
  });

  it('choosing a status and searching asks the API for exactly that, from page 1', async () => {
    const api = fakeInbox();
    renderAs('AGENT', <InboxPage />);
    await screen.findByText('Customer a');

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'CLOSED' } });
    await waitFor(() => expect(api.find('GET', '/api/conversations')).toHaveLength(2));
    expect(Object.fromEntries(api.find('GET', '/api/conversations')[1]!.query)).toEqual({
      page: '1',
      pageSize: '20',
      status: 'CLOSED',
    });

    fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'invoice' } });
    fireEvent.submit(screen.getByRole('search'));
    await waitFor(() => expect(api.find('GET', '/api/conversations')).toHaveLength(3));
    expect(Object.fromEntries(api.find('GET', '/api/conversations')[2]!.query)).toMatchObject({
      status: 'CLOSED',
      search: 'invoice',
    });
  });
});

describe('inbox list', () => {
  it('shows unread conversations in bold with their count, and marks all read', async () => {
    const api = fakeInbox();
    renderAs('AGENT', <InboxPage />);
    const unread = await screen.findByText('Customer a');
    expect(unread.closest('li')?.className).toContain('unread');
    expect(unread.closest('li')?.textContent).toContain('3 unread');
    expect(screen.getByText('Customer b').closest('li')?.className).not.toContain('unread');

    fireEvent.click(screen.getByRole('button', { name: 'Mark all as read' }));
    await waitFor(() => expect(api.find('POST', '/api/conversations/bulk-read')).toHaveLength(1));
    expect(api.find('POST', '/api/conversations/bulk-read')[0]!.body).toEqual({});
  });

  it('pages through 20 at a time', async () => {
    const api = fakeInbox(45);
    renderAs('AGENT', <InboxPage />);
    await screen.findByText('Page 1 of 3');
    fireEvent.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(api.find('GET', '/api/conversations')).toHaveLength(2));
    expect(api.find('GET', '/api/conversations')[1]!.query.get('page')).toBe('2');
  });

  it('reloads when the hub announces a new message, without a page reload', async () => {
    const api = fakeInbox();
    renderAs('AGENT', <InboxPage />);
    await screen.findByText('Customer a');
    // Only the fields the inbox reads; the rest of the frame does not matter here.
    const frame = { type: 'message.created', conversationId: 'a', message: { id: 'm1', direction: 'INBOUND' } };
    emitLive(frame as unknown as LiveEvent);
    await waitFor(() => expect(api.find('GET', '/api/conversations')).toHaveLength(2), { timeout: 2000 });
  });

  it('a live event just before a filter change reloads with the filter on screen, not the one it came under', async () => {
    const api = fakeInbox();
    renderAs('AGENT', <InboxPage />);
    await screen.findByText('Customer a');
    const frame = { type: 'conversation.updated', conversationId: 'a' };
    emitLive(frame as unknown as LiveEvent);
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'OPEN' } });
    await waitFor(() => expect(api.find('GET', '/api/conversations')).toHaveLength(3), { timeout: 2000 });
    expect(api.find('GET', '/api/conversations').map((c) => c.query.get('status'))).toEqual([null, 'OPEN', 'OPEN']);
  });
});
