import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiMessage, failRoute, fakeApi, member, renderAs } from '../test-support';
import { resumesIn } from './automation-panel';
import { Composer } from './composer';
import { ConversationPage } from './conversation-page';
import { shopLinkIds } from './product-card';
import { Thread, type ThreadMessage } from './thread';

const automation = (overrides: Record<string, unknown> = {}) => ({
  state: 'HUMAN',
  waitingUntil: null,
  wakeAt: null,
  handoffReason: 'Answered the quick replies with text twice',
  ownerId: null,
  lastOwnerId: null,
  trigger: { id: 't-1', name: 'Price' },
  flow: { id: 'f-1', name: 'Shade finder', version: 2 },
  currentBlockId: 'replies-1',
  fields: { shade: 'fair' },
  tags: ['vip'],
  ...overrides,
});
const products = [
  {
    productId: '1729',
    name: 'Velvet Tint',
    skus: ['VT-01', 'VT-02'],
    url: 'https://shop.tiktok.com/view/product/1729',
  },
];

const conversation = {
  id: 'conv-1',
  status: 'OPEN',
  priority: 'NORMAL',
  assignedToId: null,
  assignee: null,
  language: 'th',
  unreadCount: 0,
  contact: { id: 'ct-1', name: 'Nok', email: null },
  channel: { id: 'ch-1', name: 'TikTok', type: 'TIKTOK' },
};

function fakeConversation(state: Record<string, unknown>) {
  return fakeApi({
    'GET /api/conversations/conv-1': conversation,
    'GET /api/conversations/conv-1/messages': { items: [], page: 1, pageSize: 100, total: 0, totalPages: 1 },
    'GET /api/conversations/conv-1/automation': () => state.current,
    'POST /api/conversations/conv-1/read': {},
    'POST /api/conversations/conv-1/take': () => {
      state.current = automation({ ownerId: 'user-1', lastOwnerId: 'user-1' });
      return state.current;
    },
    'POST /api/conversations/conv-1/hand-back': () => {
      state.current = automation({ state: 'BOT', ownerId: null, lastOwnerId: 'user-1', handoffReason: null });
      return state.current;
    },
    'GET /api/team/members': [member('user-1', 'Mia Agent'), member('user-2', 'Bo Admin', 'ADMIN')],
    'PATCH /api/conversations/conv-1': ({ body }: { body: unknown }) => ({ ...conversation, ...(body as object) }),
    'GET /api/conversations/conv-1/attachments': [],
    'GET /api/labels': [],
    'GET /api/labels/conversations': {},
    'GET /api/views/snoozes': [],
    'GET /api/ai-providers': [],
    'GET /api/conversations': { items: [], page: 1, pageSize: 20, total: 0, totalPages: 0 },
    'GET /api/automations/orders': { items: [], page: 1, pageSize: 20, total: 0, totalPages: 0 },
  });
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('a conversation the bot handed off', () => {
  it('shows the automation panel, lets an agent take it and hand it back to the bot', async () => {
    const state = { current: automation() as unknown };
    const api = fakeConversation(state);
    renderAs('AGENT', <ConversationPage params={{ id: 'conv-1' }} />);
    const panel = await screen.findByRole('region', { name: 'Automation' });
    const text = (term: string) => within(panel).getByText(term).nextElementSibling!.textContent;
    expect(text('State')).toBe('Automation: Human');
    expect(text('Handed off because')).toBe('Answered the quick replies with text twice');
    expect(text('Triggered by')).toBe('Price');
    expect(text('Flow')).toBe('Shade finder (version 2)');
    expect(text('Current step')).toBe('replies-1');
    expect(text('Answers')).toBe('shade: fair');
    expect(text('Contact tags')).toBe('#vip');
    // Take it replaces Assign to me for a bot's conversation.
    expect(screen.queryByRole('button', { name: 'Assign to me' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Take it' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Take it' })).toBeNull());
    expect(api.find('POST', '/api/conversations/conv-1/take')).toHaveLength(1);

    fireEvent.click(screen.getByRole('button', { name: 'Hand back to bot' }));
    await waitFor(() =>
      expect(
        within(screen.getByRole('region', { name: 'Automation' })).getByText('State').nextElementSibling!.textContent,
      ).toBe('Automation: Bot'),
    );
    expect(screen.queryByRole('button', { name: 'Hand back to bot' })).toBeNull();
  });

  it('Assign to… hands it to a teammate through the usual assignment', async () => {
    const api = fakeConversation({ current: automation() });
    renderAs('AGENT', <ConversationPage params={{ id: 'conv-1' }} />);
    const assign = await screen.findByRole('combobox', { name: 'Assign to…' });
    await within(assign).findByRole('option', { name: 'Bo Admin' });
    // Me is Take it's job; the list offers the others.
    expect(within(assign).queryByRole('option', { name: 'Mia Agent' })).toBeNull();
    fireEvent.change(assign, { target: { value: 'user-2' } });
    await waitFor(() => expect(api.find('PATCH', '/api/conversations/conv-1')).toHaveLength(1));
    expect(api.find('PATCH', '/api/conversations/conv-1')[0]!.body).toEqual({ assignedToId: 'user-2' });
  });

  it('says why the bot cannot take it back', async () => {
    fakeConversation({ current: automation({ ownerId: 'user-1' }) });
    failRoute('POST /api/conversations/conv-1/hand-back', 409, {
      code: 'CONFLICT',
      message: 'The flow has finished: there is no step to go back to.',
    });
    renderAs('AGENT', <ConversationPage params={{ id: 'conv-1' }} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Hand back to bot' }));
    await waitFor(() =>
      expect(screen.getAllByRole('alert').map((a) => a.textContent)).toEqual([
        'The bot cannot take this back. The flow has finished: there is no step to go back to.',
      ]),
    );
  });

  it('a flow asleep in a Wait step says when it resumes', async () => {
    fakeConversation({
      current: automation({
        state: 'BOT',
        handoffReason: null,
        currentBlockId: 'pause',
        wakeAt: Date.now() + 5 * 60_000 - 500,
      }),
    });
    renderAs('AGENT', <ConversationPage params={{ id: 'conv-1' }} />);
    const panel = await screen.findByRole('region', { name: 'Automation' });
    const state = within(panel).getByText('State').nextElementSibling!;
    expect(state.textContent).toBe('Automation: Bot Paused in a Wait step: resumes in 5 min');
    expect(within(panel).getByText('Current step').nextElementSibling!.textContent).toBe('pause');
    // Not paused: no resume time.
    cleanup();
    fakeConversation({ current: automation({ state: 'BOT', handoffReason: null, wakeAt: null }) });
    renderAs('AGENT', <ConversationPage params={{ id: 'conv-1' }} />);
    const running = await screen.findByRole('region', { name: 'Automation' });
    expect(within(running).getByText('State').nextElementSibling!.textContent).toBe('Automation: Bot');
  });

  it('says when a paused flow resumes in words people use', () => {
    expect(resumesIn(5 * 60_000, 0)).toBe('resumes in 5 min');
    expect(resumesIn(30_500, 0)).toBe('resumes in 31 s');
    expect(resumesIn(90 * 60_000, 0)).toBe('resumes in 2 h');
    expect(resumesIn(0, 0)).toBe('resuming now');
  });

  it('has no automation section or buttons when no automation touched it', async () => {
    fakeConversation({ current: null });
    renderAs('AGENT', <ConversationPage params={{ id: 'conv-1' }} />);
    await screen.findByRole('button', { name: 'Assign to me' });
    expect(screen.queryByRole('region', { name: 'Automation' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Take it' })).toBeNull();
  });
});

describe('shop links', () => {
  it('finds TikTok Shop product links, not other TikTok links', () => {
    expect(
      shopLinkIds(
        'See https://shop.tiktok.com/view/product/1729?x=1 and https://www.tiktok.com/view/product/88, again https://shop.tiktok.com/view/product/1729 — not https://vt.tiktok.com/abc',
      ),
    ).toEqual(['1729', '88']);
    expect(shopLinkIds('https://shop.tiktok.com/view/product/')).toEqual([]);
  });

  it('a message with a shop link shows the product card: name, SKUs and the link', async () => {
    fakeApi({ 'GET /api/automations/products': products });
    const messages = [
      apiMessage({
        id: 'm-1',
        direction: 'OUTBOUND',
        senderType: 'SYSTEM',
        content: 'Here: https://shop.tiktok.com/view/product/1729',
      }),
      apiMessage({ id: 'm-2', content: 'Thanks! https://shop.tiktok.com/view/product/404' }),
    ] as unknown as ThreadMessage[];
    render(<Thread messages={messages} customerLanguage={null} canAct={false} onChanged={() => {}} />);
    const card = await screen.findByRole('article', { name: 'Product: Velvet Tint' });
    expect(within(card).getByText('SKUs: VT-01, VT-02')).toBeTruthy();
    expect(within(card).getByRole('link', { name: 'Open in TikTok Shop' }).getAttribute('href')).toBe(
      'https://shop.tiktok.com/view/product/1729',
    );
    const unknown = screen.getByRole('article', { name: 'Product: 404' });
    expect(within(unknown).getByText('Not in the synced catalog.')).toBeTruthy();
  });

  it('pasting a shop link in the reply box previews its card', async () => {
    fakeApi({ 'GET /api/automations/products': products });
    render(<Composer conversationId="conv-1" onSent={() => {}} />);
    expect(screen.queryByRole('region', { name: 'Product card preview' })).toBeNull();
    fireEvent.input(screen.getByLabelText('Reply to the customer'), {
      target: { value: 'This one 👉 https://shop.tiktok.com/view/product/1729' },
    });
    const preview = await screen.findByRole('region', { name: 'Product card preview' });
    expect(await within(preview).findByText('Velvet Tint')).toBeTruthy();
  });
});
