// The chat app's link to the conversation actor: a WebSocket that reconnects with exponential backoff and
// resyncs from the last seq, falling back to HTTP (send + polling) while WebSockets are unavailable or failing.
import type { WidgetApi } from './api';
import type { OutgoingMessage, ServerFrame } from './protocol';

export type LinkState = 'connecting' | 'live' | 'fallback';

export interface ConnectionOptions {
  channelId: string;
  visitorId: string;
  /** The host page's address (from the loader), for the team's contact panel. */
  page?: string | null;
  api: WidgetApi;
  onFrame(frame: ServerFrame): void;
  onState(state: LinkState): void;
  /** The highest confirmed seq the thread holds. */
  lastSeq(): number;
  /** Messages typed but not yet acknowledged: re-sent (same clientMessageId) after a reconnect. */
  unacked(): OutgoingMessage[];
}

const FAILURES_BEFORE_FALLBACK = 3;
const MAX_BACKOFF_MS = 30_000;
const POLL_MS = 3000;
const PING_MS = 25_000;

export function connect(options: ConnectionOptions) {
  const { api } = options;
  let ws: WebSocket | null = null;
  let failures = 0;
  let everOpened = false;
  let fallback = false;
  let stopped = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  const inFlight = new Set<string>();

  const live = () => ws?.readyState === WebSocket.OPEN;
  const frame = (value: unknown) => {
    if (live()) ws?.send(JSON.stringify(value));
  };
  const wireMessage = (m: OutgoingMessage) => ({
    type: 'message',
    clientMessageId: m.clientMessageId,
    content: m.content,
    attachments: m.attachments.map((a) => a.id),
  });

  function sendOverHttp(message: OutgoingMessage) {
    if (inFlight.has(message.clientMessageId)) return;
    inFlight.add(message.clientMessageId);
    api
      .send({
        clientMessageId: message.clientMessageId,
        content: message.content,
        attachments: message.attachments.map((a) => a.id),
      })
      .then(
        (data) => options.onFrame({ type: 'ack', clientMessageId: message.clientMessageId, message: data.message }),
        (error: Error) =>
          options.onFrame({ type: 'error', message: error.message, clientMessageId: message.clientMessageId }),
      )
      .finally(() => inFlight.delete(message.clientMessageId));
  }

  function poll() {
    clearTimeout(pollTimer);
    if (!fallback || stopped) return;
    api
      .messages(options.lastSeq())
      .then(
        (data) => options.onFrame({ type: 'history', conversationId: data.conversationId, messages: data.messages }),
        () => {},
      )
      .finally(() => {
        if (fallback && !stopped) pollTimer = setTimeout(poll, POLL_MS);
      });
  }

  function startFallback() {
    if (fallback || stopped) return;
    fallback = true;
    options.onState('fallback');
    for (const message of options.unacked()) sendOverHttp(message);
    poll();
  }

  function open() {
    if (stopped) return;
    if (typeof WebSocket === 'undefined') return startFallback();
    const url = new URL(`/api/widget/${encodeURIComponent(options.channelId)}/ws`, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('visitorId', options.visitorId);
    if (options.page) url.searchParams.set('page', options.page.slice(0, 2000));
    try {
      url.searchParams.set('tz', Intl.DateTimeFormat().resolvedOptions().timeZone);
    } catch {}
    if (!fallback) options.onState('connecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      return startFallback();
    }
    ws = socket;
    socket.onopen = () => {
      failures = 0;
      fallback = false;
      clearTimeout(pollTimer);
      options.onState('live');
      // The server sends the full history on connect; sync also covers anything it missed in between.
      if (everOpened) frame({ type: 'sync', afterSeq: options.lastSeq() });
      everOpened = true;
      for (const message of options.unacked()) frame(wireMessage(message));
      pingTimer = setInterval(() => live() && socket.send('ping'), PING_MS);
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string' || event.data === 'pong') return;
      try {
        options.onFrame(JSON.parse(event.data) as ServerFrame);
      } catch {
        // Not a frame of our protocol: ignore it rather than break the chat.
      }
    };
    socket.onclose = () => {
      clearInterval(pingTimer);
      if (ws === socket) ws = null;
      if (stopped) return;
      failures += 1;
      if (failures >= FAILURES_BEFORE_FALLBACK) startFallback();
      else options.onState('connecting');
      const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1));
      reconnectTimer = setTimeout(open, backoff / 2 + (Math.random() * backoff) / 2);
    };
  }

  open();

  return {
    send(message: OutgoingMessage) {
      if (live()) frame(wireMessage(message));
      else if (fallback) sendOverHttp(message);
      // Otherwise the message stays unacked and goes out as soon as the socket opens.
    },
    typing: (isTyping: boolean) => frame({ type: 'typing', isTyping }),
    read: (upToSeq: number) => frame({ type: 'read', upToSeq }),
    toolResult: (callId: string, outcome: { result: unknown } | { error: string }) =>
      frame({ type: 'tool_result', callId, ...outcome }),
    close() {
      stopped = true;
      clearTimeout(reconnectTimer);
      clearTimeout(pollTimer);
      clearInterval(pingTimer);
      ws?.close();
    },
  };
}

export type Connection = ReturnType<typeof connect>;
