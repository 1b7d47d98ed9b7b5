// The agent's workspace in the browser's terms: tabs with counts, bulk changes, plain names, saved replies in
// the composer, editing a draft before approving, safe links, and error copy.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api';
import { Composer } from '../conversation/composer';
import { fillPlaceholders } from '../conversation/saved-replies';
import { Linkified, Thread, type ThreadMessage } from '../conversation/thread';
import { plainFieldError } from '../copy';
import { apiMessage, fakeApi, member, renderAs } from '../test-support';
import { ErrorPanel } from '../ui';
import { InboxPage } from './inbox-page';

const row = (id: string, status = 'OPEN') => ({
  id,
  status,
  priority: 'NORMAL',
  unreadCount: 0,
  language: 'en',
  lastMessageAt: new Date(0).toISOString(),
  lastMessagePreview: `Preview ${id}`,
  contact: { id: `ct-${id}`, name: `Customer ${id}`, email: null },
  channel: { id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT' },
  assignee: null,
  assignedToId: null,
});

function fakeWorkspace() {
  return fakeApi({
    'GET /api/conversations': {
      items: [row('a'), row('b'), row('c', 'CLOSED')],
      page: 1,
      pageSize: 20,
      total: 3,
      totalPages: 1,
    },
    'GET /api/views/counts': { mine: 4, unassigned: 7, all: 12 },
    'GET /api/channels': [],
    'GET /api/team/members': [member('user-1', 'Mia Agent'), member('user-9', 'Vic Viewer', 'VIEWER')],
    'GET /api/labels': [{ id: 'l-1', name: 'VIP', color: '#d4a017' }],
    'GET /api/labels/conversations': { a: ['l-1'], b: [], c: [] },
    'GET /api/views': [],
    'GET /api/views/snoozes': [],
    'POST /api/conversations/bulk-update': { updated: 2 },
    'POST /api/labels/apply': { updated: 2 },
  });
}

beforeEach(() => history.replaceState(null, '', '/conversations'));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('workspace list', () => {
  it('shows Mine / Unassigned / All with their counts and plain status names', async () => {
    fakeWorkspace();
    renderAs('AGENT', <InboxPage />);
    expect((await screen.findByRole('button', { name: 'Unassigned 7' })).getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByRole('button', { name: 'All 12' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByText('Customer c').closest('li')?.textContent).toContain('Resolved');
    expect(screen.getByText('Customer c').closest('li')?.textContent).not.toContain('CLOSED');
    // The label shows on its conversation.
    await waitFor(() => expect(screen.getByText('Customer a').closest('li')?.textContent).toContain('VIP'));
  });

  it('bulk-resolves the selected conversations, and labels them', async () => {
    const api = fakeWorkspace();
    renderAs('AGENT', <InboxPage />);
    fireEvent.click(await screen.findByLabelText('Select conversation with Customer a'));
    fireEvent.click(screen.getByLabelText('Select conversation with Customer b'));
    fireEvent.click(screen.getByRole('button', { name: 'Resolve' }));
    await waitFor(() => expect(api.find('POST', '/api/conversations/bulk-update')).toHaveLength(1));
    expect(api.find('POST', '/api/conversations/bulk-update')[0]!.body).toEqual({
      conversationIds: ['a', 'b'],
      status: 'CLOSED',
    });

    fireEvent.click(screen.getByLabelText('Select all'));
    fireEvent.change(screen.getByLabelText('Label selected'), { target: { value: 'l-1' } });
    await waitFor(() => expect(api.find('POST', '/api/labels/apply')).toHaveLength(1));
    expect(api.find('POST', '/api/labels/apply')[0]!.body).toEqual({
      labelId: 'l-1',
      conversationIds: ['a', 'b', 'c'],
    });
  });

  it('offers only members who can reply as assignees, and only creatable channel types as filters', async () => {
    fakeWorkspace();
    renderAs('AGENT', <InboxPage />);
    fireEvent.click(await screen.findByLabelText('Select conversation with Customer a'));
    const assign = screen.getByLabelText('Assign selected to') as unknown as HTMLSelectElement;
    expect([...assign.options].map((o) => o.text)).toEqual(['Assign to…', 'Nobody (unassign)', 'Mia Agent']);
    const types = screen.getByLabelText('Channel type') as unknown as HTMLSelectElement;
    expect([...types.options].map((o) => o.text)).toEqual([
      'All types',
      'Website chat',
      'Email',
      'Facebook Messenger',
      'Instagram',
      'WhatsApp',
    ]);
  });

  it('says plainly when there is nothing yet, and when filters hide everything', async () => {
    fakeApi({
      'GET /api/conversations': { items: [], page: 1, pageSize: 20, total: 0, totalPages: 0 },
      'GET /api/views/counts': { mine: 0, unassigned: 0, all: 0 },
    });
    renderAs('AGENT', <InboxPage />);
    expect(await screen.findByText(/No conversations yet: install the website chat widget/)).toBeTruthy();
    cleanup();
    history.replaceState(null, '', '/conversations?status=PENDING');
    renderAs('AGENT', <InboxPage />);
    expect(await screen.findByText('Nothing matches these filters.')).toBeTruthy();
  });
});

describe('composer', () => {
  it('"/" offers saved replies and Enter inserts one with the placeholders filled in', async () => {
    fakeApi({
      'GET /api/saved-replies': [
        { id: 'r1', shortcut: 'thanks', content: 'Thanks {{contact.firstName}}! — {{agent.firstName}}' },
      ],
    });
    render(
      <Composer
        conversationId="conv-1"
        onSent={() => {}}
        placeholders={{ contactName: 'Ann Lee', agentName: 'Mia Agent' }}
      />,
    );
    const box = screen.getByLabelText('Reply to the customer') as HTMLTextAreaElement;
    fireEvent.input(box, { target: { value: '/tha' } });
    expect(await screen.findByRole('button', { name: /\/thanks/ })).toBeTruthy();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(box.value).toBe('Thanks Ann! — Mia');
  });

  it('Enter sends and Shift+Enter does not', async () => {
    const api = fakeApi({ 'POST /api/conversations/conv-1/messages': apiMessage() });
    render(<Composer conversationId="conv-1" onSent={() => {}} />);
    const box = screen.getByLabelText('Reply to the customer');
    fireEvent.input(box, { target: { value: 'Hello there' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(api.find('POST', '/api/conversations/conv-1/messages')).toHaveLength(0);
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(api.find('POST', '/api/conversations/conv-1/messages')).toHaveLength(1));
  });

  it('fills placeholders, never leaving a known one as {{…}}', () => {
    expect(fillPlaceholders('Hi {{ contact.firstName }}', {})).toBe('Hi there');
    expect(fillPlaceholders('{{contact.name}} / {{agent.name}}', { contactName: 'Bo Li', agentName: 'Kim' })).toBe(
      'Bo Li / Kim',
    );
  });
});

describe('thread', () => {
  it('edits an AI draft before approving: the edited text is what is approved', async () => {
    const api = fakeApi({ 'POST /api/messages/d1/approve': apiMessage() });
    const draft = apiMessage({
      id: 'd1',
      direction: 'OUTBOUND',
      senderType: 'AI',
      content: 'We ship in 5 days.',
      approvalStatus: 'PENDING',
      deliveryStatus: 'NOT_SENT',
    }) as ThreadMessage;
    render(<Thread messages={[draft]} customerLanguage={null} canAct onChanged={() => {}} />);
    // A plain AI draft has nothing to retranslate.
    expect(screen.queryByRole('button', { name: 'Retranslate' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    fireEvent.input(screen.getByLabelText('Edit before sending'), { target: { value: 'We ship in 3 days.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Approve edited reply' }));
    await waitFor(() => expect(api.find('POST', '/api/messages/d1/approve')).toHaveLength(1));
    expect(api.find('POST', '/api/messages/d1/approve')[0]!.body).toEqual({ content: 'We ship in 3 days.' });
  });

  it('makes web and mail addresses links that open safely, and never a javascript: link', () => {
    render(
      <p>
        <Linkified text="See https://example.com/help. Or write to help@example.com, not javascript:alert(1)" />
      </p>,
    );
    const links = screen.getAllByRole('link') as HTMLAnchorElement[];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/help', 'mailto:help@example.com']);
    expect(links[0]!.rel).toBe('noopener noreferrer');
    expect(links[0]!.target).toBe('_blank');
  });
});

describe('error copy', () => {
  it('rewrites raw validator text and never calls a mistake "Something went wrong"', () => {
    expect(plainFieldError('Too big: expected string to have <=80 characters')).toBe('Use at most 80 characters');
    expect(plainFieldError('Give the label a name')).toBe('Give the label a name');
    render(
      <ErrorPanel
        error={
          new ApiError(400, 'Invalid request body', 'VALIDATION_ERROR', {
            name: ['Too big: expected string to have <=40 characters'],
          })
        }
        shownFields={[]}
      />,
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toBe('Please check this: Name: Use at most 40 characters');
  });
});
