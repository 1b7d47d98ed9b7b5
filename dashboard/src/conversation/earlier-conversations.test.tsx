import { cleanup, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi } from '../test-support';
import { EarlierConversations } from './earlier-conversations';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const conversation = (id: string, status: string, preview: string, lastMessageAt: string) => ({
  id,
  organizationId: 'org-1',
  channelId: 'ch-1',
  contactId: 'contact-1',
  status,
  priority: 'NORMAL',
  assignedToId: null,
  language: 'en',
  subject: null,
  notes: null,
  unreadCount: 0,
  messageCount: 2,
  lastMessageAt,
  lastMessagePreview: preview,
  closedAt: null,
  createdAt: lastMessageAt,
  updatedAt: lastMessageAt,
  contact: { id: 'contact-1', name: 'Ann', email: null },
  channel: { id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT' },
  assignee: null,
});

const page = (items: ReturnType<typeof conversation>[]) => ({
  items,
  page: 1,
  pageSize: 21,
  total: items.length,
  totalPages: 1,
});

describe('EarlierConversations', () => {
  it("lists the contact's other conversations newest first, linking to each, without the open one", async () => {
    const api = fakeApi({
      'GET /api/conversations': page([
        conversation('conv-open', 'OPEN', 'Where is my parcel?', '2025-03-03T10:00:00.000Z'),
        conversation('conv-2', 'CLOSED', 'Thanks, that worked', '2025-02-01T10:00:00.000Z'),
        conversation('conv-1', 'ARCHIVED', 'Do you ship to Norway?', '2024-12-24T10:00:00.000Z'),
      ]),
    });
    render(<EarlierConversations contactId="contact-1" currentId="conv-open" />);

    const links = await screen.findAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/conversations/conv-2', '/conversations/conv-1']);
    expect(links[0]?.textContent).toContain('CLOSED');
    expect(links[0]?.textContent).toContain('Thanks, that worked');
    expect(links[1]?.textContent).toContain('Do you ship to Norway?');
    expect(links[1]?.querySelector('time')?.getAttribute('datetime')).toBe('2024-12-24T10:00:00.000Z');
    expect(screen.queryByText('Where is my parcel?')).toBeNull();
    expect(api.calls[0]?.query.get('contactId')).toBe('contact-1');
  });

  it('says so when the customer has no other conversation', async () => {
    fakeApi({
      'GET /api/conversations': page([conversation('conv-open', 'OPEN', 'Hi', '2025-03-03T10:00:00.000Z')]),
    });
    render(<EarlierConversations contactId="contact-1" currentId="conv-open" />);
    expect(await screen.findByText('No earlier conversations')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Earlier conversations' })).toBeTruthy();
    expect(screen.queryByRole('link')).toBeNull();
  });
});
