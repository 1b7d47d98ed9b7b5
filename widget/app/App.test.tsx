import { act, cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import type { PublicMessage } from './protocol';

const VISITOR = 'visitor_0b7c6a52-34a4-4c55-9d3c-2f3a8a0c9b11';

/** A WebSocket double: the test plays the server (accept, push frames, drop the connection). */
class FakeSocket {
  static OPEN = 1;
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: any[] = [];
  onopen?: () => void;
  onmessage?: (event: { data: string }) => void;
  onclose?: () => void;
  constructor(readonly url: string | URL) {
    FakeSocket.instances.push(this);
  }
  send(data: string) {
    this.sent.push(data === 'ping' ? data : JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  accept() {
    this.readyState = 1;
    act(() => this.onopen?.());
  }
  push(frame: unknown) {
    act(() => this.onmessage?.({ data: JSON.stringify(frame) }));
  }
  drop() {
    this.readyState = 3;
    act(() => this.onclose?.());
  }
}
const latestSocket = () => FakeSocket.instances.at(-1)!;

function message(seq: number, content: string, extra: Partial<PublicMessage> = {}): PublicMessage {
  return {
    id: `m${seq}`,
    seq,
    direction: 'OUTBOUND',
    senderType: 'AGENT',
    senderName: 'Alice',
    content,
    attachments: [],
    clientMessageId: null,
    createdAt: new Date(2026, 0, 1, 12, seq).toISOString(),
    ...extra,
  };
}

let routes: Record<string, (init?: RequestInit) => unknown>;
const fetchMock = vi.fn(async (input: string, init?: RequestInit) => {
  const path = input.split('?')[0]!;
  const route = routes[`${init?.method ?? 'GET'} ${path}`];
  if (!route) return new Response(JSON.stringify({ success: false, error: { message: 'Not found' } }), { status: 404 });
  return new Response(JSON.stringify({ success: true, data: await route(init) }), { status: 200 });
});

beforeEach(() => {
  FakeSocket.instances = [];
  localStorage.clear();
  routes = {
    'GET /api/widget/ch_1/config': () => ({
      channelId: 'ch_1',
      name: 'Shop',
      appearance: { title: 'Shop help', subtitle: 'Usually replies in minutes' },
      greeting: 'Hi! How can we help?',
      online: true,
    }),
    'GET /api/widget/ch_1/faqs': () => [{ id: 'f1', question: 'Do you ship abroad?', answer: 'Yes, to 30 countries.' }],
    'GET /api/widget/ch_1/status': () => ({ online: true, agentsOnline: 1 }),
    'POST /api/widget/ch_1/faqs/f1/click': () => ({ id: 'f1', clickCount: 1 }),
  };
  vi.stubGlobal('fetch', fetchMock);
  vi.stubGlobal('WebSocket', FakeSocket);
});

afterEach(() => {
  cleanup();
  fetchMock.mockClear();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const renderChat = () => render(<App channelId="ch_1" visitorId={VISITOR} parentOrigin={null} />);
const bubbleTexts = () => [...document.querySelectorAll('.t .m:not(.typing) .bub p')].map((p) => p.textContent);
const composer = () => screen.getByRole('textbox', { name: 'Type your message' });
function type(text: string) {
  fireEvent.input(composer(), { target: { value: text } });
  fireEvent.keyDown(composer(), { key: 'Enter' });
}

describe('chat window', () => {
  it('shows message HTML as plain text and turns URLs into safe links', async () => {
    const { container } = renderChat();
    latestSocket().accept();
    latestSocket().push({
      type: 'history',
      conversationId: 'c1',
      messages: [message(1, '<img src=x onerror=alert(1)> see https://shop.example/faq.')],
    });
    expect(screen.getByText('<img src=x onerror=alert(1)> see', { exact: false })).toBeTruthy();
    expect(container.querySelector('.t img')).toBeNull();
    const link = screen.getByRole('link', { name: 'https://shop.example/faq' });
    expect(link.getAttribute('href')).toBe('https://shop.example/faq');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(link.getAttribute('target')).toBe('_blank');
  });

  it('shows the greeting and the answer of a tapped FAQ chip, and records the tap', async () => {
    renderChat();
    expect(await screen.findByText('Hi! How can we help?')).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: 'Do you ship abroad?' }));
    expect(screen.getByText('Yes, to 30 countries.')).toBeTruthy();
    await vi.waitFor(() =>
      expect(fetchMock).toHaveBeenCalledWith(
        '/api/widget/ch_1/faqs/f1/click',
        expect.objectContaining({ method: 'POST' }),
      ),
    );
  });

  it('shows a sent message at once as sending, then exactly once when the server confirms it', async () => {
    renderChat();
    const socket = latestSocket();
    socket.accept();
    socket.push({ type: 'history', conversationId: null, messages: [] });
    type('Hello there');
    expect(screen.getByText('Hello there')).toBeTruthy();
    expect(screen.getByText('Sending…')).toBeTruthy();
    const frame = socket.sent.find((f) => f.type === 'message');
    expect(frame).toMatchObject({ content: 'Hello there', attachments: [] });
    expect(frame.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);

    const confirmed = message(1, 'Hello there', {
      direction: 'INBOUND',
      senderType: 'CONTACT',
      senderName: null,
      clientMessageId: frame.clientMessageId,
    });
    socket.push({ type: 'ack', clientMessageId: frame.clientMessageId, message: confirmed });
    socket.push({ type: 'message', message: confirmed });
    expect(screen.getAllByText('Hello there')).toHaveLength(1);
    expect(screen.queryByText('Sending…')).toBeNull();

    socket.push({ type: 'read', upToSeq: 1 });
    expect(screen.getByText('Seen')).toBeTruthy();
  });

  it('after a reconnect, missed messages and unsent ones each arrive once and in order', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    renderChat();
    const first = latestSocket();
    first.accept();
    first.push({ type: 'history', conversationId: 'c1', messages: [message(1, 'one'), message(2, 'two')] });
    first.drop();
    type('are you there?');

    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    const second = latestSocket();
    expect(second).not.toBe(first);
    second.accept();
    expect(second.sent).toContainEqual({ type: 'sync', afterSeq: 2 });
    const resent = second.sent.find((f) => f.type === 'message');
    expect(resent.content).toBe('are you there?');

    second.push({ type: 'message', message: message(4, 'four') });
    second.push({ type: 'history', conversationId: 'c1', messages: [message(2, 'two'), message(3, 'three')] });
    expect(bubbleTexts()).toEqual(['Hi! How can we help?', 'one', 'two', 'three', 'four', 'are you there?']);
    expect(screen.getByText('Sending…')).toBeTruthy();
    second.push({
      type: 'ack',
      clientMessageId: resent.clientMessageId,
      message: message(5, 'are you there?', {
        direction: 'INBOUND',
        senderType: 'CONTACT',
        clientMessageId: resent.clientMessageId,
      }),
    });
    expect(bubbleTexts()).toEqual(['Hi! How can we help?', 'one', 'two', 'three', 'four', 'are you there?']);
  });

  it('falls back to HTTP sending and polling when WebSockets keep failing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    let reply: PublicMessage[] = [];
    routes['GET /api/widget/ch_1/messages'] = () => ({ conversationId: 'c1', messages: reply });
    routes['POST /api/widget/message'] = (init) => {
      const body = JSON.parse(String(init?.body));
      return {
        conversationId: 'c1',
        message: message(1, body.content, {
          direction: 'INBOUND',
          senderType: 'CONTACT',
          clientMessageId: body.clientMessageId,
        }),
      };
    };
    renderChat();
    for (let attempt = 0; attempt < 3; attempt++) {
      latestSocket().drop();
      if (attempt < 2)
        await act(async () => {
          await vi.advanceTimersByTimeAsync(2000);
        });
    }
    type('Is anyone here?');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    const post = fetchMock.mock.calls.find(([url]) => url === '/api/widget/message');
    expect(JSON.parse(String(post?.[1]?.body))).toMatchObject({
      channelId: 'ch_1',
      visitorId: VISITOR,
      content: 'Is anyone here?',
    });
    await vi.waitFor(() => expect(screen.queryByText('Sending…')).toBeNull());

    reply = [message(2, 'Yes, Alice here', { senderType: 'AI', senderName: 'Shop bot' })];
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3000);
    });
    await vi.waitFor(() => expect(screen.getByText('Yes, Alice here')).toBeTruthy());
    expect(screen.getByText('AI')).toBeTruthy();
    expect(screen.getAllByText('Is anyone here?')).toHaveLength(1);
  });

  it('answers a tool call with an error when no host page can run it', async () => {
    renderChat();
    const socket = latestSocket();
    socket.accept();
    socket.push({ type: 'tool_call', callId: 'k1', name: 'get_cart', arguments: {} });
    expect(socket.sent).toContainEqual({ type: 'tool_result', callId: 'k1', error: 'tool not available on this page' });
  });

  it('shows that the agent is typing and sends the visitor typing state', async () => {
    renderChat();
    const socket = latestSocket();
    socket.accept();
    socket.push({ type: 'typing', isTyping: true });
    expect(screen.getByRole('status', { name: 'Agent is typing' })).toBeTruthy();
    socket.push({ type: 'message', message: message(1, 'Here is the answer') });
    expect(screen.queryByRole('status', { name: 'Agent is typing' })).toBeNull();
    fireEvent.input(composer(), { target: { value: 'I' } });
    expect(socket.sent).toContainEqual({ type: 'typing', isTyping: true });
  });
});

describe('history across conversations', () => {
  const conversation = (id: string, resolved: boolean, messages: PublicMessage[]) => ({
    id,
    status: resolved ? 'CLOSED' : 'OPEN',
    resolved,
    createdAt: new Date(2026, 0, 1).toISOString(),
    closedAt: resolved ? new Date(2026, 0, 2).toISOString() : null,
    rating: null,
    needsHuman: false,
    messages,
  });

  it('after a reload shows the resolved conversation, its divider, then the new one, and sends a rating', async () => {
    const ratings: unknown[] = [];
    routes['GET /api/widget/ch_1/history'] = () => ({
      conversations: [
        conversation('A', true, [
          message(1, 'Where is my order?', { id: 'a1', direction: 'INBOUND', senderType: 'CONTACT' }),
          message(2, 'It ships today.', { id: 'a2' }),
        ]),
        conversation('B', false, [
          message(1, 'One more question', { id: 'b1', direction: 'INBOUND', senderType: 'CONTACT' }),
        ]),
      ],
    });
    routes['POST /api/widget/ch_1/conversations/A/rating'] = (init) => {
      ratings.push(JSON.parse(String(init?.body)));
      return { conversationId: 'A', rating: 'GOOD', comment: null };
    };
    renderChat();
    const socket = latestSocket();
    socket.accept();
    socket.push({
      type: 'history',
      conversationId: 'B',
      messages: [message(1, 'One more question', { id: 'b1', direction: 'INBOUND', senderType: 'CONTACT' })],
    });
    await screen.findByText('Conversation resolved');
    expect(bubbleTexts()).toEqual([
      'Hi! How can we help?',
      'Where is my order?',
      'It ships today.',
      'One more question',
    ]);
    const log = screen.getByRole('log', { name: 'Conversation' }).textContent ?? '';
    expect(log.indexOf('It ships today.')).toBeLessThan(log.indexOf('Conversation resolved'));
    expect(log.indexOf('Conversation resolved')).toBeLessThan(log.indexOf('One more question'));
    // A reply on the live socket joins the new conversation, below the divider.
    socket.push({ type: 'message', message: message(2, 'Sure, ask away.', { id: 'b2' }) });
    expect(bubbleTexts().at(-1)).toBe('Sure, ask away.');

    fireEvent.click(screen.getByRole('button', { name: '👍 Good' }));
    await screen.findByText('You rated this conversation good.', { exact: false });
    expect(ratings).toEqual([{ visitorId: VISITOR, rating: 'GOOD' }]);
  });

  it('asks for an email once the AI handed over to a human, and keeps it on the visitor', async () => {
    const identified: unknown[] = [];
    routes['GET /api/widget/ch_1/history'] = () => ({
      conversations: [
        {
          ...conversation('B', false, [
            message(1, 'Can you repair it?', { id: 'b1', direction: 'INBOUND', senderType: 'CONTACT' }),
          ]),
          needsHuman: true,
        },
      ],
      visitor: { name: null, email: null },
    });
    routes['POST /api/widget/ch_1/identify'] = (init) => {
      identified.push(JSON.parse(String(init?.body)));
      return { visitorId: VISITOR, verified: false };
    };
    renderChat();
    const socket = latestSocket();
    socket.accept();
    socket.push({
      type: 'history',
      conversationId: 'B',
      messages: [message(1, 'Can you repair it?', { id: 'b1', direction: 'INBOUND', senderType: 'CONTACT' })],
    });
    const field = await screen.findByLabelText(/A teammate will follow up/);
    fireEvent.click(screen.getByRole('button', { name: 'Save email' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Enter a valid email address');
    fireEvent.input(field, { target: { value: 'vic@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save email' }));
    await vi.waitFor(() => expect(screen.queryByLabelText(/A teammate will follow up/)).toBeNull());
    expect(identified).toEqual([{ visitorId: VISITOR, email: 'vic@example.com' }]);
  });

  it('a required pre-chat form blocks sending until the visitor leaves a valid email, then keeps name and email', async () => {
    const identified: unknown[] = [];
    const config = routes['GET /api/widget/ch_1/config']!;
    routes['GET /api/widget/ch_1/config'] = () => ({ ...(config() as object), preChatForm: 'REQUIRED' });
    routes['GET /api/widget/ch_1/history'] = () => ({ conversations: [], visitor: { name: null, email: null } });
    routes['POST /api/widget/ch_1/identify'] = (init) => {
      identified.push(JSON.parse(String(init?.body)));
      return { visitorId: VISITOR, verified: false };
    };
    renderChat();
    const socket = latestSocket();
    socket.accept();
    socket.push({ type: 'history', conversationId: null, messages: [] });
    const email = await screen.findByLabelText('Email');
    expect(screen.queryByRole('button', { name: 'Skip' })).toBeNull();
    expect((composer() as HTMLTextAreaElement).disabled).toBe(true);
    type('Hello?');
    expect(socket.sent.filter((f) => f.type === 'message')).toEqual([]);

    fireEvent.input(screen.getByLabelText('Name (optional)'), { target: { value: 'Vic' } });
    fireEvent.input(email, { target: { value: 'not-an-email' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start chat' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Enter a valid email address');
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(identified).toEqual([]);

    fireEvent.input(email, { target: { value: 'vic@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start chat' }));
    await vi.waitFor(() => expect(screen.queryByLabelText('Email')).toBeNull());
    expect(identified).toEqual([{ visitorId: VISITOR, name: 'Vic', email: 'vic@example.com' }]);
    expect((composer() as HTMLTextAreaElement).disabled).toBe(false);
    type('Hello?');
    expect(socket.sent.find((f) => f.type === 'message')).toMatchObject({ content: 'Hello?' });
  });

  it('an optional pre-chat form can be skipped, and is not asked again on this device', async () => {
    const config = routes['GET /api/widget/ch_1/config']!;
    routes['GET /api/widget/ch_1/config'] = () => ({ ...(config() as object), preChatForm: 'OPTIONAL' });
    routes['GET /api/widget/ch_1/history'] = () => ({ conversations: [], visitor: { name: null, email: null } });
    renderChat();
    latestSocket().accept();
    expect(await screen.findByLabelText('Email (optional)')).toBeTruthy();
    expect((composer() as HTMLTextAreaElement).disabled).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Skip' }));
    expect(screen.queryByLabelText('Email (optional)')).toBeNull();
    cleanup();
    renderChat();
    latestSocket().accept();
    await screen.findByText('Hi! How can we help?');
    await vi.waitFor(() =>
      expect(fetchMock).toHaveBeenCalledWith('/api/widget/ch_1/history?visitorId=' + VISITOR, undefined),
    );
    expect(screen.queryByLabelText('Email (optional)')).toBeNull();
  });

  it('outside business hours says when the team is back and its reply time instead of the green dot', async () => {
    const reopensAt = new Date(Date.now() + 3 * 86_400_000);
    reopensAt.setHours(9, 0, 0, 0);
    const away = { reopensAt: reopensAt.toISOString(), replyTime: 'within a day' };
    routes['GET /api/widget/ch_1/status'] = () => ({ online: false, agentsOnline: 1, away });
    const { container } = renderChat();
    const weekday = reopensAt.toLocaleDateString([], { weekday: 'long' });
    const time = reopensAt.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    expect(await screen.findByText(`We are away. Back ${weekday} ${time}. We reply within a day.`)).toBeTruthy();
    expect(container.querySelector('.dot.on')).toBeNull();
  });
});
