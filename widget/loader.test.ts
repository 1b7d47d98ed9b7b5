import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const BASE = 'https://chat.example';
type Win = Window & { ChatWidget?: any; HelpStackTools?: any };
const win = window as Win;

function stubConfig(body: unknown) {
  const fetchMock = vi.fn(
    async () => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }),
  );
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

const CONFIG = {
  success: true,
  data: {
    channelId: 'ch_1',
    name: 'Shop',
    appearance: { color: '#ff5500', position: 'left', title: 'Shop help' },
    greeting: null,
    online: true,
  },
};

/** Loads the loader as a host page would: after a <script src=…widget.js?id=…> tag is in the page. */
async function loadLoader(src = `${BASE}/widget.js?id=ch_1`) {
  const script = document.createElement('script');
  script.src = src;
  document.head.appendChild(script);
  vi.resetModules();
  await import('./loader');
}

/** Loads the loader and waits until the channel's config has been applied to the launcher. */
async function loadConfigured() {
  await loadLoader();
  await vi.waitFor(() => expect(launcher().getAttribute('aria-label')).toContain('Shop help'));
}

const root = () => document.querySelector('#chat-widget-container')!.shadowRoot!;
const launcher = () => root().querySelector('button') as HTMLButtonElement;
const iframe = () => root().querySelector('iframe') as HTMLIFrameElement | null;
/** happy-dom does not load iframe pages: give the chat frame a window whose postMessage we can watch. */
function chatWindow() {
  const frameWindow = { postMessage: vi.fn() };
  Object.defineProperty(iframe()!, 'contentWindow', { value: frameWindow });
  return frameWindow;
}
const panelOpen = () => !(root().querySelector('.p') as HTMLElement).hidden;

function fromChat(data: unknown, origin = BASE, source: unknown = iframe()?.contentWindow) {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source: source as Window }));
}

beforeEach(() => {
  document.head.innerHTML = '';
  document.body.innerHTML = '';
  localStorage.clear();
  delete win.ChatWidget;
  delete win.HelpStackTools;
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('widget loader', () => {
  it('takes its origin and channel from its own src and loads the chat only when opened', async () => {
    const fetchMock = stubConfig(CONFIG);
    await loadConfigured();
    expect(fetchMock).toHaveBeenCalledWith(`${BASE}/api/widget/ch_1/config`);
    expect(iframe()).toBeNull();
    expect(launcher().getAttribute('aria-label')).toBe('Open Shop help');

    launcher().click();
    const src = new URL(iframe()!.src);
    expect(src.origin).toBe(BASE);
    expect(src.pathname).toBe('/widget/ch_1');
    expect(src.searchParams.get('visitorId')).toMatch(/^visitor_[0-9a-f-]{36}$/);
    expect(src.searchParams.get('parentOrigin')).toBe(window.location.origin);
    expect(launcher().getAttribute('aria-expanded')).toBe('true');
  });

  it('keeps the same visitor id across page loads', async () => {
    stubConfig(CONFIG);
    await loadConfigured();
    launcher().click();
    const first = new URL(iframe()!.src).searchParams.get('visitorId');
    expect(localStorage.getItem('chat_widget_visitor_id')).toBe(first);

    document.body.innerHTML = '';
    document.head.innerHTML = '';
    await loadConfigured();
    launcher().click();
    expect(new URL(iframe()!.src).searchParams.get('visitorId')).toBe(first);
  });

  it('replays calls queued before it loaded, then answers open, close and toggle', async () => {
    stubConfig(CONFIG);
    win.ChatWidget = { q: [['open', []]] };
    await loadConfigured();
    expect(panelOpen()).toBe(true);

    win.ChatWidget.close();
    expect(panelOpen()).toBe(false);
    expect(launcher().getAttribute('aria-expanded')).toBe('false');
    win.ChatWidget.toggle();
    expect(panelOpen()).toBe(true);
    win.ChatWidget.toggle();
    expect(panelOpen()).toBe(false);
  });

  it('can be started by init() with a channel picked by the page', async () => {
    const fetchMock = stubConfig(CONFIG);
    const script = document.createElement('script');
    script.src = `${BASE}/widget.js`;
    document.head.appendChild(script);
    win.ChatWidget = {
      q: [
        ['init', [{ channelId: 'ch_fr' }]],
        ['open', []],
      ],
    };
    vi.resetModules();
    await import('./loader');
    expect(fetchMock).toHaveBeenCalledWith(`${BASE}/api/widget/ch_fr/config`);
    expect(new URL(iframe()!.src).pathname).toBe('/widget/ch_fr');
  });

  it('removes its launcher when the channel refuses this page', async () => {
    let answer: (res: Response) => void = () => {};
    vi.stubGlobal('fetch', () => new Promise<Response>((resolve) => (answer = resolve)));
    await loadLoader();
    expect(launcher()).not.toBeNull();
    answer(new Response(JSON.stringify({ success: false, error: { message: 'Origin not allowed' } }), { status: 403 }));
    await vi.waitFor(() => expect(document.querySelector('#chat-widget-container')).toBeNull());
  });

  it('shows no launcher when the config cannot be read (a refusal without CORS headers, or no answer)', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await loadLoader();
    await vi.waitFor(() => expect(document.querySelector('#chat-widget-container')).toBeNull());
  });

  it('keeps the launcher hidden until the channel accepts this page', async () => {
    let answer: (res: Response) => void = () => {};
    vi.stubGlobal(
      'fetch',
      vi.fn(() => new Promise<Response>((resolve) => (answer = resolve))),
    );
    await loadLoader();
    await vi.waitFor(() => expect(document.querySelector('#chat-widget-container')).not.toBeNull());
    expect((document.querySelector('#chat-widget-container') as HTMLElement).hidden).toBe(true);
    answer(new Response(JSON.stringify(CONFIG), { headers: { 'content-type': 'application/json' } }));
    await vi.waitFor(() =>
      expect((document.querySelector('#chat-widget-container') as HTMLElement).hidden).toBe(false),
    );
  });

  it('identify() sends the proof and switches to the proven visitor id, keeping an unproven one', async () => {
    const proven = 'visitor_11111111-2222-3333-4444-555555555555';
    const calls: { url: string; body: any }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.endsWith('/identify')) {
          const body = JSON.parse(String(init?.body));
          calls.push({ url, body });
          const visitorId = body.userHash ? proven : body.visitorId;
          return new Response(JSON.stringify({ success: true, data: { visitorId, verified: !!body.userHash } }));
        }
        return new Response(JSON.stringify(CONFIG));
      }),
    );
    await loadConfigured();
    win.ChatWidget.identify({ email: 'a@example.test' });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    const before = localStorage.getItem('chat_widget_visitor_id');
    expect(before).toMatch(/^visitor_[0-9a-f-]{36}$/);
    expect(calls[0]!.body).toEqual({ visitorId: before, email: 'a@example.test' });
    expect(localStorage.getItem('chat_widget_visitor_id')).toBe(before);
    win.ChatWidget.identify({ userId: 'u-1', userHash: 'f'.repeat(64) });
    await vi.waitFor(() => expect(localStorage.getItem('chat_widget_visitor_id')).toBe(proven));
    launcher().click();
    expect(new URL(iframe()!.src).searchParams.get('visitorId')).toBe(proven);
  });

  it('closes when the chat asks and shows the unread count it reports', async () => {
    stubConfig(CONFIG);
    await loadConfigured();
    launcher().click();
    chatWindow();
    fromChat({ type: 'close' });
    expect(panelOpen()).toBe(false);
    fromChat({ type: 'unread', count: 2 });
    expect(launcher().getAttribute('aria-label')).toBe('Open Shop help (2 unread)');
    expect(root().querySelector('.u')!.textContent).toBe('2');
    fromChat({ type: 'close' }, 'https://evil.example');
    fromChat({ type: 'unread', count: 9 }, 'https://evil.example');
    expect(root().querySelector('.u')!.textContent).toBe('2');
  });

  it('runs CLIENT_SIDE tools in the host page and answers only the chat frame', async () => {
    stubConfig(CONFIG);
    await loadConfigured();
    launcher().click();
    const post = chatWindow().postMessage;
    win.HelpStackTools = {
      get_cart: async (params: { currency: string }) => ({ items: 2, currency: params.currency }),
    };

    fromChat({ type: 'tool_call', callId: 'c1', name: 'get_cart', arguments: { currency: 'EUR' } });
    fromChat({ type: 'tool_call', callId: 'c2', name: 'delete_account', arguments: {} });
    fromChat({ type: 'tool_call', callId: 'c3', name: 'get_cart', arguments: {} }, 'https://evil.example');
    fromChat({ type: 'tool_call', callId: 'c4', name: 'get_cart', arguments: {} }, BASE, window);

    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(2));
    expect(post).toHaveBeenCalledWith(
      { type: 'tool_result', callId: 'c1', result: { items: 2, currency: 'EUR' } },
      BASE,
    );
    expect(post).toHaveBeenCalledWith(
      { type: 'tool_result', callId: 'c2', error: 'tool not available on this page' },
      BASE,
    );
  });

  it('answers "timeout" when a host-page tool takes longer than 5 seconds', async () => {
    stubConfig(CONFIG);
    await loadConfigured();
    launcher().click();
    const post = chatWindow().postMessage;
    win.HelpStackTools = { slow: () => new Promise(() => {}) };
    vi.useFakeTimers();
    fromChat({ type: 'tool_call', callId: 'c9', name: 'slow', arguments: {} });
    await vi.advanceTimersByTimeAsync(5001);
    expect(post).toHaveBeenCalledWith({ type: 'tool_result', callId: 'c9', error: 'timeout' }, BASE);
  });

  it('shows the greeting after a few seconds and loads the chat ready for the answer', async () => {
    stubConfig({ ...CONFIG, data: { ...CONFIG.data, greeting: 'Need help choosing a size?' } });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await loadConfigured();
    const greeting = root().querySelector('.g') as HTMLElement;
    expect(greeting.hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(3000);
    expect(greeting.hidden).toBe(false);
    expect(greeting.textContent).toBe('Need help choosing a size?');
    expect(iframe()).not.toBeNull();
    greeting.click();
    expect(panelOpen()).toBe(true);
  });
});
