// Controls a member may not use are not shown: VIEWER reads conversations, AGENT reads settings.
import { cleanup, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConversationPage } from './conversation/conversation-page';
import { ChannelPage } from './settings/channel-page';
import { ChannelWizard } from './settings/channel-wizard';
import { ChannelsPage } from './settings/channels-page';
import { FaqsPage } from './settings/faqs-page';
import { TeamPage } from './settings/team-page';
import { apiMessage, fakeApi, member, renderAs } from './test-support';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const message = (id: string, seq: number, extra: Record<string, unknown>) =>
  apiMessage({
    id,
    seq,
    direction: 'OUTBOUND',
    senderType: 'AGENT',
    sender: { id: 'user-2', name: 'Bo' },
    content: `content ${id}`,
    ...extra,
  });

function fakeConversation() {
  return fakeApi({
    'GET /api/conversations/conv-1': {
      id: 'conv-1',
      status: 'OPEN',
      priority: 'NORMAL',
      assignedToId: null,
      assignee: null,
      language: 'de',
      unreadCount: 1,
      contact: { id: 'ct-1', name: 'Clara Customer', email: 'clara@example.com' },
      channel: { id: 'ch-1', name: 'Website', type: 'WEBSITE_CHAT' },
    },
    'GET /api/conversations/conv-1/messages': {
      items: [
        message('in-1', 1, { direction: 'INBOUND', senderType: 'CONTACT', sender: null, content: '<b>Hallo</b>' }),
        message('note-1', 2, { isNote: true, content: 'VIP customer' }),
        message('draft-1', 3, {
          senderType: 'AI',
          approvalStatus: 'PENDING',
          deliveryStatus: 'NOT_SENT',
          content: 'Guten Tag',
          originalContent: 'Good day',
        }),
      ],
      page: 1,
      pageSize: 100,
      total: 3,
      totalPages: 1,
    },
    'POST /api/conversations/conv-1/read': {},
    'GET /api/team/members': [member('user-1', 'Mia Agent'), member('user-2', 'Bo')],
  });
}

describe('conversation view by role', () => {
  it('a VIEWER reads the thread but gets no composer, no draft actions and no editable details', async () => {
    fakeConversation();
    renderAs('VIEWER', <ConversationPage params={{ id: 'conv-1' }} />);
    await screen.findByText('VIP customer');
    expect(screen.queryByRole('tab', { name: 'Reply' })).toBeNull();
    expect(screen.queryByLabelText('Reply to the customer')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Approve and send' })).toBeNull();
    expect(screen.queryByLabelText('Status')).toBeNull();
    expect(screen.getByText('Unassigned')).toBeTruthy();
  });

  it('an AGENT gets the composer, the draft actions and the assignment controls; opening marks read', async () => {
    const api = fakeConversation();
    renderAs('AGENT', <ConversationPage params={{ id: 'conv-1' }} />);
    await screen.findByText('VIP customer');
    expect(screen.getByRole('tab', { name: 'Reply' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Approve and send' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Send original' })).toBeTruthy();
    expect(screen.getByLabelText('Assignee')).toBeTruthy();
    await waitFor(() => expect(api.find('POST', '/api/conversations/conv-1/read')).toHaveLength(1));
  });

  it('labels notes and drafts, and renders message content as text, never HTML', async () => {
    fakeConversation();
    renderAs('AGENT', <ConversationPage params={{ id: 'conv-1' }} />);
    const html = await screen.findByText('<b>Hallo</b>');
    expect(html.querySelector('b')).toBeNull();
    expect(screen.getByRole('article', { name: /Internal note — not sent/ })).toBeTruthy();
    expect(screen.getByRole('article', { name: 'AI draft awaiting approval' })).toBeTruthy();
  });
});

const channel = {
  id: 'ch-1',
  type: 'WEBSITE_CHAT',
  name: 'Website',
  defaultLanguage: 'en',
  autoTranslate: true,
  translateToLanguage: null,
  fallbackLanguage: null,
  systemPrompt: 'Be kind',
  credentials: {},
  settings: { allowedDomains: ['shop.example.com'] },
  autoReply: true,
  autoApprove: false,
  autoReplyMode: 'prepare',
  isActive: true,
  knowledgeGroupIds: [],
};

function fakeSettings() {
  return fakeApi({
    'GET /api/channels': [channel],
    'GET /api/channels/ch-1': channel,
    'GET /api/channels/ch-1/widget-script': {
      channelId: 'ch-1',
      script: '<script src="http://localhost/widget.js?id=ch-1" async></script>',
    },
    'GET /api/faqs': [
      { id: 'f1', question: 'Opening hours?', answer: '9–5', channelId: null, position: 0, clickCount: 0 },
    ],
    'GET /api/team/members': [member('user-1', 'Mia Agent'), member('user-2', 'Bo Admin', 'ADMIN')],
    'GET /api/team/invitations': [],
    'GET /api/ai-providers': [{ id: 'p1', name: 'Offline', type: 'BUILTIN' }],
    'GET /api/knowledge/groups': [{ id: 'g1', name: 'Shipping' }],
  });
}

describe('settings by role', () => {
  it('an AGENT sees channels and the embed code but no add, save or delete controls', async () => {
    fakeSettings();
    renderAs('AGENT', <ChannelsPage />);
    await screen.findByText('Website');
    expect(screen.queryByRole('link', { name: 'Add channel' })).toBeNull();
    cleanup();

    renderAs('AGENT', <ChannelPage params={{ id: 'ch-1' }} />);
    await screen.findByText(/widget\.js\?id=ch-1/);
    expect(screen.getByText('Be kind')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save channel' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete channel' })).toBeNull();
    expect(screen.queryByLabelText('System prompt')).toBeNull();
  });

  it('an ADMIN gets the channel editor with the widget domain allowlist', async () => {
    fakeSettings();
    renderAs('ADMIN', <ChannelPage params={{ id: 'ch-1' }} />);
    expect(await screen.findByRole('button', { name: 'Save channel' })).toBeTruthy();
    expect(screen.getByLabelText<HTMLTextAreaElement>('Allowed domains').value).toBe('shop.example.com');
    expect(screen.getByLabelText<HTMLTextAreaElement>('System prompt').value).toBe('Be kind');
    expect(await screen.findByLabelText('AI provider')).toBeTruthy();
    expect(screen.getByRole('checkbox', { name: 'Shipping' })).toHaveProperty('checked', false);
  });

  it('offers the five documented channel types to an ADMIN, and not Telegram or TikTok', async () => {
    fakeSettings();
    renderAs('ADMIN', <ChannelWizard />);
    const types = (await screen.findAllByRole('radio')).map((r) => r.closest('label')?.textContent?.trim());
    expect(types).toEqual(['Website chat', 'Email', 'Facebook Messenger', 'Instagram', 'WhatsApp']);
  });

  it('an AGENT reads FAQs and the team without edit controls', async () => {
    fakeSettings();
    renderAs('AGENT', <FaqsPage />);
    await screen.findByText('Opening hours?');
    expect(screen.queryByRole('button', { name: 'Add FAQ' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Move down/ })).toBeNull();
    cleanup();

    renderAs('AGENT', <TeamPage />);
    await screen.findByText('Bo Admin');
    expect(screen.queryByRole('button', { name: 'Add member' })).toBeNull();
    expect(screen.queryByLabelText('Role of Bo Admin')).toBeNull();
  });
});
