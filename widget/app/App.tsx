// The chat window inside the iframe: greeting and FAQ chips, the live thread, the composer with uploads.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { widgetApi } from './api';
import { type Bridge, createBridge } from './bridge';
import { type Connection, connect, type LinkState } from './connection';
import { linkify, safeUrl } from './linkify';
import type { Attachment, Faq, ServerFrame, WidgetConfig } from './protocol';
import {
  lastSeq,
  markFailed,
  mergeMessages,
  nextLinkRefresh,
  pendingMessage,
  REFRESH_MIN_MS,
  type ThreadMessage,
} from './thread';

export interface AppProps {
  channelId: string;
  visitorId: string;
  /** The host page's origin, declared by the loader; null when the chat is opened on its own. */
  parentOrigin: string | null;
}

const STATUS_REFRESH_MS = 60_000;
const TYPING_IDLE_MS = 3000;
const AGENT_TYPING_TIMEOUT_MS = 8000;

export function App({ channelId, visitorId, parentOrigin }: AppProps) {
  const api = useMemo(() => widgetApi(channelId, visitorId), [channelId, visitorId]);
  const [config, setConfig] = useState<WidgetConfig | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [faqs, setFaqs] = useState<Faq[]>([]);
  const [answered, setAnswered] = useState<Faq[]>([]);
  const [online, setOnline] = useState<boolean | null>(null);
  const [messages, setMessages] = useState<ThreadMessage[]>([]);
  const [linkState, setLinkState] = useState<LinkState>('connecting');
  const [agentTyping, setAgentTyping] = useState(false);
  const [seenUpTo, setSeenUpTo] = useState(0);
  const [visible, setVisible] = useState(false);
  const [draft, setDraft] = useState('');
  const [files, setFiles] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [embedded, setEmbedded] = useState(false);
  const messagesRef = useRef(messages);
  const conn = useRef<Connection | null>(null);
  const bridge = useRef<Bridge | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const thread = useRef<HTMLDivElement>(null);
  const typingSent = useRef(false);
  const typingIdle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const agentTypingTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const readKey = `chat_widget_read_${channelId}`;
  const readSeq = useRef(Number(storageGet(readKey)) || 0);

  const update = (change: (current: ThreadMessage[]) => ThreadMessage[]) => {
    // The ref is what the connection reads (last seq, unacked messages) between renders.
    messagesRef.current = change(messagesRef.current);
    setMessages(messagesRef.current);
  };

  useEffect(() => {
    api.config().then(setConfig, (error: Error) => setUnavailable(error.message));
    api.faqs().then(setFaqs, () => {});
    const refresh = () =>
      api.status().then(
        (s) => setOnline(s.online),
        () => {},
      );
    refresh();
    const timer = setInterval(refresh, STATUS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [api]);

  useEffect(() => {
    const onFrame = (frame: ServerFrame) => {
      if (frame.type === 'history') update((cur) => mergeMessages(cur, frame.messages));
      else if (frame.type === 'ack') {
        const message = { ...frame.message, clientMessageId: frame.message.clientMessageId ?? frame.clientMessageId };
        update((cur) => mergeMessages(cur, [message]));
      } else if (frame.type === 'message') {
        update((cur) => mergeMessages(cur, [frame.message]));
        if (frame.message.direction === 'OUTBOUND') setAgentTyping(false);
      } else if (frame.type === 'typing') {
        setAgentTyping(frame.isTyping);
        clearTimeout(agentTypingTimer.current);
        // A lost "stopped typing" frame must not leave the indicator on forever.
        if (frame.isTyping) agentTypingTimer.current = setTimeout(() => setAgentTyping(false), AGENT_TYPING_TIMEOUT_MS);
      } else if (frame.type === 'read') setSeenUpTo((seen) => Math.max(seen, frame.upToSeq));
      else if (frame.type === 'tool_call') bridge.current?.toolCall(frame.callId, frame.name, frame.arguments);
      else if (frame.type === 'error') {
        const clientMessageId = frame.clientMessageId;
        if (clientMessageId) update((cur) => markFailed(cur, clientMessageId, true));
        else setNotice(frame.message);
      }
    };
    bridge.current = createBridge(window, parentOrigin, {
      onVisibility: setVisible,
      onToolResult: (callId, outcome) => conn.current?.toolResult(callId, outcome),
    });
    setEmbedded(bridge.current.embedded);
    if (!bridge.current.embedded) setVisible(true);
    conn.current = connect({
      channelId,
      visitorId,
      api,
      onFrame,
      onState: setLinkState,
      lastSeq: () => lastSeq(messagesRef.current),
      unacked: () =>
        messagesRef.current
          .filter((m) => m.pending && !m.failed)
          .map((m) => ({ clientMessageId: m.clientMessageId ?? '', content: m.content, attachments: m.attachments })),
    });
    return () => {
      conn.current?.close();
      bridge.current?.dispose();
      clearTimeout(agentTypingTimer.current);
      clearTimeout(typingIdle.current);
    };
  }, [api, channelId, visitorId, parentOrigin]);

  // Attachment links are signed for a short time: fetch fresh ones before they expire (and for any unsigned).
  const linksRefreshedAt = useRef(0);
  useEffect(() => {
    const due = nextLinkRefresh(messages, Date.now());
    if (due === null) return;
    const wait = Math.max(due, linksRefreshedAt.current + REFRESH_MIN_MS - Date.now());
    const timer = setTimeout(() => {
      linksRefreshedAt.current = Date.now();
      api.messages(0).then(
        (fresh) => update((cur) => mergeMessages(cur, fresh.messages)),
        () => {},
      );
    }, wait);
    return () => clearTimeout(timer);
  }, [api, messages]);

  const newest = lastSeq(messages);
  useEffect(() => {
    if (visible && newest > readSeq.current) {
      readSeq.current = newest;
      storageSet(readKey, String(newest));
      conn.current?.read(newest);
    }
    const unread = messages.filter((m) => m.direction === 'OUTBOUND' && m.seq > readSeq.current).length;
    bridge.current?.unread(unread);
  }, [visible, newest, messages, readKey]);

  useEffect(() => {
    if (visible) input.current?.focus();
  }, [visible]);

  useEffect(() => {
    const el = thread.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, answered.length, agentTyping]);

  const stopTyping = () => {
    clearTimeout(typingIdle.current);
    if (typingSent.current) conn.current?.typing(false);
    typingSent.current = false;
  };
  const onInput = (value: string) => {
    setDraft(value);
    if (!typingSent.current && value) {
      typingSent.current = true;
      conn.current?.typing(true);
    }
    clearTimeout(typingIdle.current);
    typingIdle.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const send = () => {
    const content = draft.trim();
    if ((!content && files.length === 0) || uploading) return;
    const clientMessageId = crypto.randomUUID();
    update((cur) => [...cur, pendingMessage(clientMessageId, content, files)]);
    conn.current?.send({ clientMessageId, content, attachments: files });
    setDraft('');
    setFiles([]);
    stopTyping();
  };
  const retry = (message: ThreadMessage) => {
    const clientMessageId = message.clientMessageId ?? '';
    update((cur) => markFailed(cur, clientMessageId, false));
    conn.current?.send({ clientMessageId, content: message.content, attachments: message.attachments });
  };
  const upload = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setUploading(true);
    setNotice(null);
    try {
      const media = await api.upload(file);
      setFiles((cur) => [...cur, media]);
    } catch (error) {
      setNotice((error as Error).message);
    } finally {
      setUploading(false);
    }
  };
  const tapFaq = (faq: Faq) => {
    if (!answered.some((a) => a.id === faq.id)) setAnswered((cur) => [...cur, faq]);
    api.clickFaq(faq.id).catch(() => {});
  };

  if (unavailable) {
    return (
      <div class="w">
        <p class="gone" role="alert">
          This chat is not available right now.
        </p>
      </div>
    );
  }

  const look = config?.appearance ?? {};
  const color = look.color && /^#[0-9a-f]{3,8}$/i.test(look.color) ? look.color : undefined;
  const title = look.title || config?.name || 'Chat';
  const avatar = look.avatarUrl ? safeUrl(look.avatarUrl) : undefined;
  const isOnline = online ?? config?.online ?? false;
  const visitorSpoke = messages.some((m) => m.direction === 'INBOUND');
  const lastMine = [...messages].reverse().find((m) => m.direction === 'INBOUND');

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the chat closes it.
    <div
      class="w"
      style={color ? { '--c': color } : undefined}
      onKeyDown={(e) => {
        if (e.key === 'Escape') bridge.current?.close();
      }}
    >
      <header class="h">
        {avatar && <img class="av" src={avatar} alt="" />}
        <div class="ht">
          <h1>{title}</h1>
          <p>
            <span class={`dot ${isOnline ? 'on' : ''}`} aria-hidden="true" />
            {look.subtitle || (isOnline ? 'We are online' : 'We are away. Leave a message and we will reply.')}
          </p>
        </div>
        {embedded && (
          <button type="button" class="x" aria-label="Close chat" onClick={() => bridge.current?.close()}>
            ×
          </button>
        )}
      </header>
      {linkState === 'connecting' && messages.length > 0 && <p class="note">Reconnecting…</p>}
      <div class="t" ref={thread} role="log" aria-live="polite" aria-label="Conversation">
        {config?.greeting && <Bot>{linkify(config.greeting)}</Bot>}
        {answered.map((faq) => (
          <Bot key={faq.id}>
            <strong>{faq.question}</strong>
            <br />
            {linkify(faq.answer)}
          </Bot>
        ))}
        {messages.map((m) => (
          <Bubble
            key={m.clientMessageId ?? m.id}
            message={m}
            seen={m === lastMine && !m.pending && m.seq <= seenUpTo}
            onRetry={() => retry(m)}
          />
        ))}
        {agentTyping && (
          <div class="m them typing">
            <span class="bub" role="status" aria-label="Agent is typing">
              <i />
              <i />
              <i />
            </span>
          </div>
        )}
      </div>
      {!visitorSpoke && faqs.length > 0 && (
        <fieldset class="chips">
          <legend class="sr">Frequently asked questions</legend>
          {faqs.slice(0, 5).map((faq) => (
            <button key={faq.id} type="button" class="chip" onClick={() => tapFaq(faq)}>
              {faq.question}
            </button>
          ))}
        </fieldset>
      )}
      {notice && (
        <p class="note err" role="alert">
          {notice}
        </p>
      )}
      <form
        class="c"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        {files.length > 0 && (
          <ul class="files" aria-label="Attached files">
            {files.map((f) => (
              <li key={f.id}>
                {f.fileName}
                <button
                  type="button"
                  aria-label={`Remove ${f.fileName}`}
                  onClick={() => setFiles((cur) => cur.filter((x) => x.id !== f.id))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <div class="row">
          <label class="att" title="Attach a file">
            <input
              type="file"
              class="sr"
              aria-label="Attach a file"
              disabled={uploading}
              onChange={(e) => upload(e.currentTarget)}
            />
            <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">
              <path
                fill="currentColor"
                d="M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z"
              />
            </svg>
          </label>
          <textarea
            ref={input}
            rows={1}
            value={draft}
            placeholder="Type your message…"
            aria-label="Type your message"
            onInput={(e) => onInput(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                send();
              }
            }}
          />
          <button type="submit" class="send" aria-label="Send message" disabled={uploading}>
            <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">
              <path fill="currentColor" d="M3 20.5 21 12 3 3.5v6.6L15 12 3 13.9z" />
            </svg>
          </button>
        </div>
        {uploading && <p class="note">Uploading…</p>}
      </form>
    </div>
  );
}

function Bot({ children }: { children: preact.ComponentChildren }) {
  return (
    <div class="m them">
      <div class="bub">
        <p>{children}</p>
      </div>
    </div>
  );
}

function Bubble({ message: m, seen, onRetry }: { message: ThreadMessage; seen: boolean; onRetry(): void }) {
  const mine = m.direction === 'INBOUND';
  const kind = mine ? 'me' : m.senderType === 'SYSTEM' ? 'sys' : 'them';
  const who =
    m.senderType === 'AI' ? m.senderName || 'Assistant' : m.senderType === 'AGENT' ? m.senderName || 'Agent' : null;
  return (
    <div class={`m ${kind}`}>
      {who && (
        <div class="who">
          {who}
          {m.senderType === 'AI' && <span class="ai">AI</span>}
        </div>
      )}
      <div class="bub">
        {m.content && <p>{linkify(m.content)}</p>}
        {m.attachments.map((a) => (
          <AttachmentLink key={a.id} attachment={a} />
        ))}
      </div>
      {mine && m.failed && (
        <button type="button" class="meta err" onClick={onRetry}>
          Not sent. Retry
        </button>
      )}
      {mine && m.pending && !m.failed && <span class="meta">Sending…</span>}
      {seen && <span class="meta">Seen</span>}
    </div>
  );
}

function AttachmentLink({ attachment: a }: { attachment: Attachment }) {
  const href = safeUrl(a.url);
  if (!href) return <span class="file">{a.fileName}</span>;
  return (
    <a class="file" href={href} target="_blank" rel="noopener noreferrer">
      {a.contentType.startsWith('image/') ? <img src={href} alt={a.fileName} /> : a.fileName}
    </a>
  );
}

function storageGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage blocked: read state then lasts for this page only.
  }
}
