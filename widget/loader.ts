// The embeddable loader (served as /widget.js): draws the launcher, keeps the visitor id, opens the chat
// iframe on demand and runs CLIENT_SIDE agent tools in the host page. No dependencies: the host page pays for it.
//
// Embed:  <script src="https://HOST/widget.js?id=CHANNEL_ID" async></script>
// Calls made before the script has loaded are queued by this stub and replayed once it loads:
//   <script>window.ChatWidget=window.ChatWidget||{q:[]};['open','close','toggle','init','identify'].forEach(function(m){
//   ChatWidget[m]=ChatWidget[m]||function(){ChatWidget.q.push([m,[].slice.call(arguments)])}})</script>
// CLIENT_SIDE tools: define `window.HelpStackTools = { get_cart: async (params) => ({ … }) }` on the page.
// A page that knows its user: `ChatWidget.identify({ name, email, userId, userHash })`, where userHash is
// hex(HMAC-SHA256(channel identity secret, userId)) computed by the site's server (docs/widget-identity.md).

type Method = 'open' | 'close' | 'toggle' | 'init' | 'identify';
export interface Identity {
  name?: string;
  email?: string;
  userId?: string;
  userHash?: string;
}
interface InitOptions {
  channelId?: string;
  baseUrl?: string;
}
interface Api {
  open(): void;
  close(): void;
  toggle(): void;
  init(options?: InitOptions): void;
  identify(identity: Identity): void;
}
interface Appearance {
  color?: string;
  position?: string;
  title?: string;
}
type ToolFn = (params: unknown) => unknown;
type HostWindow = Window & {
  ChatWidget?: Partial<Api> & { q?: unknown[] };
  HelpStackTools?: Record<string, ToolFn>;
};

const VISITOR_KEY = 'chat_widget_visitor_id';
const VISITOR_RE = /^visitor_[0-9a-f-]{36}$/;
const TOOL_TIMEOUT_MS = 5000;
const GREETING_DELAY_MS = 3000;

const CSS =
  ':host{all:initial}' +
  '.b{position:fixed;bottom:20px;right:20px;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;' +
  'background:var(--c);color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000;display:flex;' +
  'align-items:center;justify-content:center}.b:focus-visible{outline:3px solid #000;outline-offset:2px}' +
  '.u{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#d92d20;' +
  'font:700 12px/20px system-ui,sans-serif;text-align:center}' +
  '.p{position:fixed;bottom:88px;right:20px;width:380px;height:min(640px,calc(100vh - 108px));border-radius:14px;' +
  'overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.25);z-index:2147483000;background:#fff}' +
  '.p iframe{border:0;width:100%;height:100%;display:block}' +
  '.g{position:fixed;bottom:88px;right:20px;max-width:260px;padding:12px 14px;border-radius:12px;background:#fff;' +
  'color:#1d2433;font:14px/1.4 system-ui,sans-serif;box-shadow:0 4px 14px rgba(0,0,0,.2);cursor:pointer;' +
  'z-index:2147483000}.l .b,.l .p,.l .g{right:auto;left:20px}[hidden]{display:none!important}' +
  '@media (max-width:480px){.p{inset:0;width:100%;height:100%;border-radius:0}.o .b{display:none}}';
const ICON =
  '<svg width="28" height="28" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';

/** The script element that loaded us: currentScript while executing, else the first widget.js tag. */
function findScript(doc: Document): HTMLScriptElement | null {
  const current = doc.currentScript as HTMLScriptElement | null;
  if (current?.src.includes('widget.js')) return current;
  return doc.querySelector<HTMLScriptElement>('script[src*="widget.js"]');
}

/** The widget's origin and channel id come from the loader's own src, so self-hosted copies talk to themselves. */
function parseScriptSrc(src: string): { baseUrl: string; channelId: string | null } {
  const url = new URL(src);
  return { baseUrl: url.origin, channelId: url.searchParams.get('id') };
}

function visitorId(storage: Storage | null): string {
  let id: string | null = null;
  try {
    id = storage?.getItem(VISITOR_KEY) ?? null;
  } catch {}
  if (id && VISITOR_RE.test(id)) return id;
  id = `visitor_${crypto.randomUUID()}`;
  try {
    storage?.setItem(VISITOR_KEY, id);
  } catch {
    // Storage blocked (privacy mode): the visitor keeps this id for the page's lifetime only.
  }
  return id;
}

function safeStorage(win: Window): Storage | null {
  try {
    return win.localStorage;
  } catch {
    return null;
  }
}

/** Runs a host-page tool with a deadline; rejects with a message string the agent can read. */
function runTool(win: HostWindow, name: string, params: unknown): Promise<unknown> {
  const tools = win.HelpStackTools;
  const fn = tools && Object.hasOwn(tools, name) ? tools[name] : undefined;
  if (typeof fn !== 'function') return Promise.reject('tool not available on this page');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject('timeout'), TOOL_TIMEOUT_MS);
    Promise.resolve()
      .then(() => fn(params))
      .then(
        (value) => resolve(JSON.parse(JSON.stringify(value ?? null))),
        (error: unknown) => reject(error instanceof Error ? error.message : String(error)),
      )
      .finally(() => clearTimeout(timer));
  });
}

function mount(win: HostWindow, baseUrl: string, channelId: string) {
  const doc = win.document;
  const host = doc.createElement('div');
  host.id = 'chat-widget-container';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>${CSS}</style><div class="w"><div class="g" role="status" hidden></div><div class="p" hidden></div><button class="b" type="button" aria-expanded="false">${ICON}<span class="u" hidden></span></button></div>`;
  const wrap = root.querySelector('.w') as HTMLElement;
  const panel = root.querySelector('.p') as HTMLElement;
  const button = root.querySelector('.b') as HTMLButtonElement;
  const badge = root.querySelector('.u') as HTMLElement;
  const greeting = root.querySelector('.g') as HTMLElement;
  host.style.setProperty('--c', '#2563eb');
  // Shown only once the channel accepts this page: a refused site never shows a launcher, not even briefly.
  host.hidden = true;
  doc.body.appendChild(host);

  let frame: HTMLIFrameElement | null = null;
  let isOpen = false;
  let title = 'chat';
  let unread = 0;

  const post = (message: unknown) => frame?.contentWindow?.postMessage(message, baseUrl);
  const label = () => {
    button.setAttribute('aria-label', `${isOpen ? 'Close' : 'Open'} ${title}${unread ? ` (${unread} unread)` : ''}`);
    badge.textContent = String(unread);
    badge.hidden = !unread;
  };
  const ensureFrame = () => {
    if (frame) return;
    frame = doc.createElement('iframe');
    frame.title = title;
    frame.allow = 'clipboard-write';
    const query = `visitorId=${visitorId(safeStorage(win))}&parentOrigin=${encodeURIComponent(win.location.origin)}&page=${encodeURIComponent(win.location.href.slice(0, 2000))}`;
    frame.src = `${baseUrl}/widget/${encodeURIComponent(channelId)}?${query}`;
    panel.appendChild(frame);
  };
  const setOpen = (open: boolean) => {
    if (open) ensureFrame();
    isOpen = open;
    panel.hidden = !open;
    greeting.hidden = true;
    wrap.classList.toggle('o', open);
    button.setAttribute('aria-expanded', String(open));
    label();
    post({ type: 'visibility', open });
    if (open) frame?.focus();
    else if (root.activeElement || doc.activeElement === host) button.focus();
  };

  const onMessage = (event: MessageEvent) => {
    if (!frame || event.origin !== baseUrl || event.source !== frame.contentWindow) return;
    const data = event.data as { type?: string; count?: number; callId?: string; name?: string; arguments?: unknown };
    if (data?.type === 'ready') post({ type: 'visibility', open: isOpen });
    else if (data?.type === 'close') setOpen(false);
    else if (data?.type === 'unread') {
      unread = Math.max(0, Number(data.count) || 0);
      label();
    } else if (data?.type === 'tool_call' && typeof data.callId === 'string' && typeof data.name === 'string') {
      const callId = data.callId;
      runTool(win, data.name, data.arguments ?? {}).then(
        (result) => post({ type: 'tool_result', callId, result }),
        (error: unknown) => post({ type: 'tool_result', callId, error: String(error) }),
      );
    }
  };
  win.addEventListener('message', onMessage);
  button.addEventListener('click', () => setOpen(!isOpen));
  greeting.addEventListener('click', () => setOpen(true));
  label();

  let greetTimer: ReturnType<typeof setTimeout> | undefined;
  const applyConfig = (config: { appearance?: Appearance; greeting?: string | null }) => {
    host.hidden = false;
    const look = config.appearance ?? {};
    if (look.color && /^#[0-9a-f]{3,8}$/i.test(look.color)) host.style.setProperty('--c', look.color);
    wrap.classList.toggle('l', look.position === 'left');
    if (look.title) title = look.title;
    if (frame) frame.title = title;
    label();
    if (config.greeting) {
      greetTimer = setTimeout(() => {
        if (isOpen) return;
        // Loading the chat now means it is ready by the time the visitor answers the greeting.
        ensureFrame();
        greeting.textContent = config.greeting ?? '';
        greeting.hidden = false;
      }, GREETING_DELAY_MS);
    }
  };
  const destroy = () => {
    clearTimeout(greetTimer);
    win.removeEventListener('message', onMessage);
    host.remove();
  };
  fetch(`${baseUrl}/api/widget/${encodeURIComponent(channelId)}/config`)
    .then((res) => res.json())
    .then((body: { success?: boolean; data?: { appearance?: Appearance; greeting?: string | null } }) => {
      // A channel that refuses this page (allowlist) or does not exist shows no launcher at all.
      if (body.success && body.data) applyConfig(body.data);
      else destroy();
    })
    // A refusal the browser hides from us (no CORS header on a 403) or no answer at all: no launcher either.
    .catch(destroy);
  const identify = (identity: Identity) => {
    const storage = safeStorage(win);
    fetch(`${baseUrl}/api/widget/${encodeURIComponent(channelId)}/identify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ visitorId: visitorId(storage), ...identity }),
    })
      .then((res) => res.json())
      .then((body: { success?: boolean; data?: { visitorId?: string } }) => {
        const next = body.success ? body.data?.visitorId : undefined;
        if (!next || !VISITOR_RE.test(next) || next === visitorId(storage)) return;
        // A proven user has one visitor id on every device: switch to it and reopen the chat under it.
        try {
          storage?.setItem(VISITOR_KEY, next);
        } catch {}
        if (frame) {
          frame.remove();
          frame = null;
          if (isOpen) ensureFrame();
        }
      })
      .catch(() => {});
  };
  return {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!isOpen),
    identify,
    destroy,
  };
}

/** Installs window.ChatWidget, starts the widget when the script names a channel, and replays queued calls. */
function boot(win: HostWindow) {
  const script = findScript(win.document);
  const fromSrc = script ? parseScriptSrc(script.src) : { baseUrl: '', channelId: null };
  let widget: ReturnType<typeof mount> | null = null;
  let started = '';
  // open/close calls that arrive before the page body exists are applied once the widget mounts.
  let early: Exclude<Method, 'init' | 'identify'>[] = [];
  let identity: Identity | null = null;

  const init = (options: InitOptions = {}) => {
    const baseUrl = (options.baseUrl ? new URL(options.baseUrl).origin : '') || fromSrc.baseUrl;
    const channelId = options.channelId || fromSrc.channelId;
    if (!baseUrl || !channelId || started === `${baseUrl} ${channelId}`) return;
    widget?.destroy();
    started = `${baseUrl} ${channelId}`;
    const start = () => {
      widget = mount(win, baseUrl, channelId);
      for (const method of early) widget[method]();
      early = [];
      if (identity) widget.identify(identity);
    };
    if (win.document.body) start();
    else win.document.addEventListener('DOMContentLoaded', start);
  };
  const call = (method: Exclude<Method, 'init' | 'identify'>) => () => {
    if (widget) widget[method]();
    else early.push(method);
  };
  const identify = (given: Identity) => {
    if (!given || typeof given !== 'object') return;
    identity = given;
    widget?.identify(given);
  };
  const api: Api = { init, open: call('open'), close: call('close'), toggle: call('toggle'), identify };

  const queued = win.ChatWidget?.q ?? [];
  win.ChatWidget = api;
  if (fromSrc.channelId) init();
  for (const entry of queued) {
    const [method, args] = (Array.isArray(entry) ? entry : [entry, []]) as [Method, unknown[]];
    if (typeof api[method] === 'function') (api[method] as (...a: unknown[]) => void)(...(args ?? []));
  }
}

boot(window);
