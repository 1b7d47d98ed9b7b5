// The chat window inside the iframe: greeting and FAQ chips, the live thread, the composer with uploads.
import { Fragment } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { widgetApi } from './api';
import { type Bridge, createBridge } from './bridge';
import { type Connection, connect, type LinkState } from './connection';
import { linkify, safeUrl } from './linkify';
import type {
  Attachment,
  Away,
  Faq,
  Rating,
  ServerFrame,
  VisitorConversation,
  VisitorSelf,
  WidgetConfig,
} from './protocol';
import {
  type ConversationInfo,
  groupThread,
  lastSeq,
  markFailed,
  mergeHistory,
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
  /** The host page's address, declared by the loader. */
  page?: string | null;
}

const STATUS_REFRESH_MS = 60_000;
/** How often an open chat rereads the history, so a conversation resolved meanwhile shows its divider. */
const HISTORY_REFRESH_MS = 15_000;
const TYPING_IDLE_MS = 3000;
const AGENT_TYPING_TIMEOUT_MS = 8000;

export function App({ channelId, visitorId, parentOrigin, page = null }: AppProps) {
  const api = useMemo(() => widgetApi(channelId, visitorId), [channelId, visitorId]);
  const [config, setConfig] = useState<WidgetConfig | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [faqs, setFaqs] = useState<Faq[]>([]);
  const [answered, setAnswered] = useState<Faq[]>([]);
  const [online, setOnline] = useState<boolean | null>(null);
  const [away, setAway] = useState<Away | null | undefined>(undefined);
  // The visitor skipped an optional pre-chat form (remembered on this device).
  const skipKey = `chat_widget_prechat_skipped_${channelId}`;
  const [skipped, setSkipped] = useState(() => storageGet(skipKey) === '1');
  const [messages, setMessages] = useState<ThreadMessage[]>([]);
  const [conversations, setConversations] = useState<ConversationInfo[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const currentRef = useRef<string | null>(null);
  const knownConversations = useRef(new Set<string>());
  const [self, setSelf] = useState<VisitorSelf | null>(null);
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
  // What the visitor has read: a seq within one conversation (each conversation counts from 1).
  const readMark = useRef(readMarkOf(storageGet(readKey)));

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
        (s) => {
          setOnline(s.online);
          setAway(s.away ?? null);
        },
        () => {},
      );
    refresh();
    const timer = setInterval(refresh, STATUS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [api]);

  // The whole history, every conversation of this visitor on this channel, from D1 (the socket has the current one).
  const loadHistory = useMemo(() => {
    let inFlight: Promise<void> | null = null;
    return () => {
      inFlight ??= api
        .history()
        .then(
          ({ conversations: list, visitor }: { conversations: VisitorConversation[]; visitor: VisitorSelf }) => {
            setSelf(visitor ?? null);
            for (const c of list) knownConversations.current.add(c.id);
            // A first-time visitor's socket knew no conversation yet: the open one the history shows is current.
            const open = list.filter((c) => !c.resolved).at(-1);
            if (currentRef.current === null && open) {
              currentRef.current = open.id;
              setCurrent(open.id);
            }
            setConversations(list.map(({ messages: _m, ...info }) => info));
            update((cur) => mergeHistory(cur, list));
          },
          () => {},
        )
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    };
  }, [api]);

  useEffect(() => {
    loadHistory();
  }, [loadHistory]);

  useEffect(() => {
    if (!visible) return;
    const timer = setInterval(loadHistory, HISTORY_REFRESH_MS);
    return () => clearInterval(timer);
  }, [visible, loadHistory]);

  useEffect(() => {
    const onFrame = (frame: ServerFrame) => {
      if (frame.type === 'history') {
        currentRef.current = frame.conversationId;
        setCurrent(frame.conversationId);
        update((cur) => mergeMessages(cur, frame.messages, frame.conversationId));
        // A conversation we have not seen (the visitor's new one after a resolved one): reread the history.
        if (frame.conversationId && !knownConversations.current.has(frame.conversationId)) loadHistory();
      } else if (frame.type === 'resolved') loadHistory();
      else if (frame.type === 'ack') {
        const message = { ...frame.message, clientMessageId: frame.message.clientMessageId ?? frame.clientMessageId };
        update((cur) => mergeMessages(cur, [message]));
      } else if (frame.type === 'message') {
        update((cur) => mergeMessages(cur, [frame.message], currentRef.current));
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
      page,
      api,
      onFrame,
      onState: setLinkState,
      lastSeq: () => lastSeq(messagesRef.current, currentRef.current),
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
  }, [api, channelId, visitorId, parentOrigin, loadHistory]);

  // Attachment links are signed for a short time: fetch fresh ones before they expire (and for any unsigned).
  const linksRefreshedAt = useRef(0);
  useEffect(() => {
    const due = nextLinkRefresh(messages, Date.now());
    if (due === null) return;
    const wait = Math.max(due, linksRefreshedAt.current + REFRESH_MIN_MS - Date.now());
    const timer = setTimeout(() => {
      linksRefreshedAt.current = Date.now();
      loadHistory();
    }, wait);
    return () => clearTimeout(timer);
  }, [messages, loadHistory]);

  const newest = lastSeq(messages, current);
  useEffect(() => {
    const mark = readMark.current;
    const readUpTo = mark.conversationId === current ? mark.seq : 0;
    if (visible && current && newest > readUpTo) {
      readMark.current = { conversationId: current, seq: newest };
      storageSet(readKey, JSON.stringify(readMark.current));
      conn.current?.read(newest);
    }
    const seen = readMark.current.conversationId === current ? readMark.current.seq : 0;
    const unread = messages.filter(
      (m) => m.direction === 'OUTBOUND' && (m.conversationId ?? current) === current && m.seq > seen,
    ).length;
    bridge.current?.unread(visible ? 0 : unread);
  }, [visible, newest, messages, readKey, current]);

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
    if ((!content && files.length === 0) || uploading || blocked) return;
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
      <main class="w">
        <p class="gone" role="alert">
          This chat is not available right now.
        </p>
      </main>
    );
  }

  const look = config?.appearance ?? {};
  const color = look.color && /^#[0-9a-f]{3,8}$/i.test(look.color) ? look.color : undefined;
  const title = look.title || config?.name || 'Chat';
  const avatar = look.avatarUrl ? safeUrl(look.avatarUrl) : undefined;
  const isOnline = online ?? config?.online ?? false;
  const awayNow = away === undefined ? (config?.away ?? null) : away;
  const visitorSpoke = messages.some((m) => m.direction === 'INBOUND');
  // The pre-chat form: before the visitor's first message, unless we know their email (or they skipped it).
  const preChat = config?.preChatForm ?? 'OFF';
  const askDetails = preChat !== 'OFF' && self !== null && !self.email && !visitorSpoke && !skipped;
  const blocked = askDetails && preChat === 'REQUIRED';
  const groups = groupThread(messages, conversations, current);
  const shown = groups.flatMap((g) => g.messages);
  const lastMine = [...shown].reverse().find((m) => m.direction === 'INBOUND');
  // "A teammate will follow up": ask for an email when nobody is online or the AI handed over to a human.
  const openConversation = conversations.find((c) => c.id === current && !c.resolved);
  const spokeNow = messages.some(
    (m) => m.direction === 'INBOUND' && (m.conversationId ?? current) === current && !m.pending,
  );
  const askEmail = self !== null && !self.email && spokeNow && (openConversation?.needsHuman === true || !isOnline);
  const skip = () => {
    storageSet(skipKey, '1');
    setSkipped(true);
  };
  const rate = async (conversationId: string, rating: Rating, comment?: string) => {
    const saved = await api.rate(conversationId, rating, comment);
    setConversations((cur) =>
      cur.map((c) =>
        c.id === conversationId ? { ...c, rating: { rating: saved.rating, comment: saved.comment } } : c,
      ),
    );
  };

  return (
    <main
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
            {awayNow
              ? awayText(awayNow)
              : look.subtitle || (isOnline ? 'We are online' : 'We are away. Leave a message and we will reply.')}
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
        {groups.map((g, i) => (
          <Fragment key={g.conversation?.id ?? `new-${i}`}>
            {g.messages.map((m) => (
              <Bubble
                key={m.clientMessageId ?? m.id}
                message={m}
                seen={m === lastMine && !m.pending && (m.conversationId ?? current) === current && m.seq <= seenUpTo}
                onRetry={() => retry(m)}
              />
            ))}
            {g.conversation?.resolved && <Resolved conversation={g.conversation} onRate={rate} />}
          </Fragment>
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
      {askDetails && (
        <PreChatForm
          required={preChat === 'REQUIRED'}
          onSave={async (details) => {
            await api.identify(details);
            setSelf((cur) => ({ name: details.name ?? cur?.name ?? null, email: details.email ?? null }));
            // A visitor who gave only a name is not asked again on this device either.
            if (!details.email) skip();
          }}
          onSkip={skip}
        />
      )}
      {askEmail && !askDetails && (
        <EmailCapture
          handedOff={openConversation?.needsHuman === true}
          onSave={async (email) => {
            await api.identify({ email });
            setSelf((cur) => ({ name: cur?.name ?? null, email }));
          }}
        />
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
            placeholder={blocked ? 'Leave your email above to start' : 'Type your message…'}
            aria-label="Type your message"
            disabled={blocked}
            onInput={(e) => onInput(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                send();
              }
            }}
          />
          <button type="submit" class="send" aria-label="Send message" disabled={uploading || blocked}>
            <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true">
              <path fill="currentColor" d="M3 20.5 21 12 3 3.5v6.6L15 12 3 13.9z" />
            </svg>
          </button>
        </div>
        {uploading && <p class="note">Uploading…</p>}
      </form>
    </main>
  );
}

function Resolved({
  conversation,
  onRate,
}: {
  conversation: ConversationInfo;
  onRate(conversationId: string, rating: Rating, comment?: string): Promise<void>;
}) {
  const [choice, setChoice] = useState<Rating | null>(null);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (rating: Rating, text?: string) => {
    setBusy(true);
    setError(null);
    try {
      await onRate(conversation.id, rating, text);
      setChoice(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const rated = conversation.rating;
  return (
    <div class="resolved">
      <p class="divider">
        <span>Conversation resolved</span>
      </p>
      {rated && !choice ? (
        <p class="rated">
          {rated.rating === 'GOOD' ? 'You rated this conversation good.' : 'You rated this conversation bad.'} Thank
          you!
        </p>
      ) : (
        <fieldset class="rate" disabled={busy}>
          <legend>How was this conversation?</legend>
          <div class="rate-buttons">
            <button
              type="button"
              aria-pressed={choice === 'GOOD'}
              onClick={() => {
                setChoice('GOOD');
                void submit('GOOD');
              }}
            >
              👍 Good
            </button>
            <button
              type="button"
              aria-pressed={choice === 'BAD'}
              onClick={() => {
                setChoice('BAD');
                void submit('BAD');
              }}
            >
              👎 Bad
            </button>
          </div>
        </fieldset>
      )}
      {rated && !choice && (
        <form
          class="rate-comment"
          onSubmit={(e) => {
            e.preventDefault();
            if (comment.trim()) void submit(rated.rating, comment.trim());
          }}
        >
          {rated.comment ? (
            <p class="rated">“{rated.comment}”</p>
          ) : (
            <>
              <label>
                Add a comment (optional)
                <textarea
                  rows={2}
                  maxLength={2000}
                  value={comment}
                  onInput={(e) => setComment(e.currentTarget.value)}
                />
              </label>
              <button type="submit" disabled={busy || !comment.trim()}>
                Send comment
              </button>
            </>
          )}
        </form>
      )}
      {error && (
        <p class="note err" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** "We are away. Back Monday 9:00. We reply within a day." in the visitor's own time zone and language. */
function awayText(away: Away): string {
  const parts = ['We are away.'];
  if (away.reopensAt) {
    const at = new Date(away.reopensAt);
    const sameDay = at.toDateString() === new Date().toDateString();
    const time = at.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    parts.push(sameDay ? `Back at ${time}.` : `Back ${at.toLocaleDateString([], { weekday: 'long' })} ${time}.`);
  }
  if (away.replyTime) parts.push(`We reply ${away.replyTime}.`);
  return parts.join(' ');
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Name and email before the first message; `required` means no message until an email is given. */
function PreChatForm({
  required,
  onSave,
  onSkip,
}: {
  required: boolean;
  onSave(details: { name?: string; email?: string }): Promise<void>;
  onSkip(): void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="capture"
      aria-labelledby="prechat-title"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        const address = email.trim();
        if ((required || address) && !EMAIL_RE.test(address)) return setError('Enter a valid email address');
        if (!address && !name.trim()) return onSkip();
        setBusy(true);
        setError(null);
        try {
          await onSave({ ...(name.trim() ? { name: name.trim() } : {}), ...(address ? { email: address } : {}) });
        } catch (err) {
          setError((err as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <p id="prechat-title">
        {required ? 'Before we start, how can we reach you?' : 'Tell us how to reach you (optional):'}
      </p>
      <label>
        Name (optional)
        <input autoComplete="name" maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {required ? 'Email' : 'Email (optional)'}
        <input
          type="email"
          autoComplete="email"
          maxLength={254}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'prechat-error' : undefined}
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Start chat
      </button>
      {!required && (
        <button type="button" class="link" onClick={onSkip}>
          Skip
        </button>
      )}
      {error && (
        <p id="prechat-error" class="note err" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function EmailCapture({ handedOff, onSave }: { handedOff: boolean; onSave(email: string): Promise<void> }) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="capture"
      aria-label="Leave your email"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!EMAIL_RE.test(email.trim())) return setError('Enter a valid email address');
        setBusy(true);
        setError(null);
        try {
          await onSave(email.trim());
        } catch (err) {
          setError((err as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <label>
        {handedOff
          ? 'A teammate will follow up. Leave your email so we can reach you:'
          : 'We are away right now. Leave your email and we will reply there:'}
        <input
          type="email"
          autoComplete="email"
          maxLength={254}
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Save email
      </button>
      {error && (
        <p class="note err" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function readMarkOf(stored: string | null): { conversationId: string | null; seq: number } {
  try {
    const value = JSON.parse(stored ?? '') as { conversationId?: unknown; seq?: unknown };
    if (typeof value.conversationId === 'string' && typeof value.seq === 'number') {
      return { conversationId: value.conversationId, seq: value.seq };
    }
  } catch {}
  return { conversationId: null, seq: 0 };
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
