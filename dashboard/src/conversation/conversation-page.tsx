// One conversation, open beside the inbox list (or alone on a phone): the header with Resolve / Reopen, Snooze
// and Assign to me, the thread, the composer, and the contact panel (contact, assignee, status, priority,
// labels). Opening it marks it read; live events keep it current; the workspace's keys (e, a, r, n) act here.
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { useLive } from '../live';
import { channelTypeName, isResolved, PRIORITIES, PRIORITY_NAMES, type Priority, STATUSES, statusName } from '../names';
import { Link, useLocation } from '../router';
import { usePermissions, useSession } from '../session';
import { ErrorPanel, formatDate, useLoad } from '../ui';
import { AutomationActions, AutomationPanel } from './automation-panel';
import { Composer } from './composer';
import { EarlierConversations } from './earlier-conversations';
import { MetaWindow } from './meta-window';
import { OrderPanel } from './order-panel';
import { Thread, type ThreadMessage } from './thread';
import { VisitorDetails } from './visitor-details';
import { VisitorRating } from './visitor-rating';

const PAGE_SIZE = 100;

type Status = (typeof STATUSES)[number];
type Label = ApiData<typeof api.labels.$get>[number];

/** The whole thread, oldest first (the API pages it). */
async function loadThread(id: string): Promise<ThreadMessage[]> {
  const all: ThreadMessage[] = [];
  for (let page = 1; ; page++) {
    const result = await call(
      api.conversations[':id'].messages.$get({
        param: { id },
        query: { page: String(page), pageSize: String(PAGE_SIZE) },
      }),
    );
    all.push(...result.items);
    if (page >= result.totalPages) return all;
  }
}

/** Snooze choices: later today, tomorrow morning, next Monday morning. */
function snoozeOptions(now = new Date()): [string, Date][] {
  const inHours = (h: number) => new Date(now.getTime() + h * 3_600_000);
  const morning = (days: number) => {
    const d = new Date(now);
    d.setDate(d.getDate() + days);
    d.setHours(9, 0, 0, 0);
    return d;
  };
  const monday = (8 - now.getDay()) % 7 || 7;
  return [
    ['In 1 hour', inHours(1)],
    ['In 4 hours', inHours(4)],
    ['Tomorrow at 9:00', morning(1)],
    ['Next Monday at 9:00', morning(monday)],
  ];
}

export function ConversationPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const { canReply } = usePermissions();
  const { account } = useSession();
  const { search } = useLocation();
  const conversation = useLoad(() => call(api.conversations[':id'].$get({ param: { id } })), [id]);
  const messages = useLoad(() => loadThread(id), [id]);
  const members = useLoad(() => call(api.team.members.$get()), []);
  const files = useLoad(() => call(api.conversations[':id'].attachments.$get({ param: { id } })), [id]);
  const labels = useLoad(() => call(api.labels.$get()), []);
  const onThis = useLoad(() => call(api.labels.conversations.$get({ query: { ids: id } })), [id]);
  const snoozes = useLoad(() => call(api.views.snoozes.$get()), [id]);
  const providers = useLoad(() => call(api['ai-providers'].$get()), []);
  const automation = useLoad(() => call(api.conversations[':id'].automation.$get({ param: { id } })), [id]);
  const [typing, setTyping] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [drafting, setDrafting] = useState(false);
  const end = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void call(api.conversations[':id'].read.$post({ param: { id } })).catch(() => {});
    setActionError(null);
  }, [id]);

  useLive((event) => {
    if (event.type === 'notification' || event.conversationId !== id) return;
    if (event.type !== 'typing') void automation.reload();
    if (event.type === 'typing') setTyping(event.isTyping === true);
    else if (event.type === 'conversation.labels') onThis.setData({ [id]: event.labelIds });
    else if (event.type === 'conversation.snoozed') void snoozes.reload();
    else if (event.type.startsWith('message.')) {
      void messages.reload();
      // The agent is looking at it: whatever just arrived is read.
      if (event.type === 'message.created')
        void call(api.conversations[':id'].read.$post({ param: { id } })).catch(() => {});
    } else void conversation.reload();
  });

  // A message with a file the list does not describe yet (just sent or received): describe it.
  const undescribed = (messages.data ?? [])
    .flatMap((m) => m.attachments)
    .filter((mediaId) => files.data && !files.data.some((f) => f.id === mediaId))
    .join(',');
  useEffect(() => {
    if (undescribed) void files.reload();
  }, [undescribed]);

  const count = messages.data?.length ?? 0;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [count]);

  const act = async (action: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await action();
    } catch (err) {
      setActionError(err);
    }
  };

  const update = (json: { status?: Status; priority?: Priority; assignedToId?: string | null }) =>
    act(async () => conversation.setData(await call(api.conversations[':id'].$patch({ param: { id }, json }))));

  const c = conversation.data;
  const resolved = c ? isResolved(c.status) : false;
  const snoozedUntil = c?.status === 'PENDING' ? snoozes.data?.find((s) => s.conversationId === id)?.until : undefined;

  // The workspace's keys: e resolves (or reopens), a assigns to me.
  const latest = useRef({ c, resolved });
  latest.current = { c, resolved };
  useEffect(() => {
    const onShortcut = (e: Event) => {
      const key = (e as CustomEvent<string>).detail;
      const { c: now, resolved: done } = latest.current;
      if (!now || !canReply) return;
      if (key === 'e') void update({ status: done ? 'OPEN' : 'CLOSED' });
      if (key === 'a' && now.assignedToId !== account.user.id) void update({ assignedToId: account.user.id });
    };
    addEventListener('hs:shortcut', onShortcut);
    return () => removeEventListener('hs:shortcut', onShortcut);
  }, [id, canReply]);

  const draftReply = async () => {
    const lastInbound = [...(messages.data ?? [])].reverse().find((m) => m.direction === 'INBOUND');
    if (!lastInbound) return;
    setDrafting(true);
    setActionError(null);
    try {
      await call(api.messages[':id']['generate-reply'].$post({ param: { id: lastInbound.id } }));
      await messages.reload();
    } catch (err) {
      setActionError(err);
    } finally {
      setDrafting(false);
    }
  };

  const snooze = (until: Date) =>
    act(async () => {
      const result = await call(
        api.conversations[':id'].snooze.$post({ param: { id }, json: { until: until.toISOString() } }),
      );
      conversation.setData(result.conversation);
      await snoozes.reload();
    });
  const unsnooze = () =>
    act(async () => {
      conversation.setData(await call(api.conversations[':id'].snooze.$delete({ param: { id } })));
      await snoozes.reload();
    });

  const contact = c?.contact;
  const who = contact?.name || contact?.email || 'Visitor';
  const assignable = (members.data ?? []).filter((m) => m.status === 'ACTIVE' && m.role !== 'VIEWER');
  const labelById = new Map((labels.data ?? []).map((l) => [l.id, l]));
  const mine = (onThis.data?.[id] ?? []).map((l) => labelById.get(l)).filter((l): l is Label => l !== undefined);
  const noProvider = providers.data !== undefined && providers.data.length === 0;

  return (
    <div class="conversation">
      <section class="conv-main" aria-labelledby="conv-title">
        <p class="back-link">
          <Link href={`/conversations${search.size ? `?${search}` : ''}`}>← Conversations</Link>
        </p>
        <header class="conv-head">
          <h2 id="conv-title">{c ? who : 'Conversation'}</h2>
          {c && <span class={`status status-${c.status.toLowerCase()}`}>{statusName(c.status)}</span>}
          {c && canReply && (
            <div class="conv-actions">
              {resolved ? (
                <button type="button" onClick={() => update({ status: 'OPEN' })}>
                  Reopen
                </button>
              ) : (
                <button type="button" class="primary" onClick={() => update({ status: 'CLOSED' })}>
                  Resolve
                </button>
              )}
              {!resolved && !automation.data && c.assignedToId !== account.user.id && (
                <button type="button" onClick={() => update({ assignedToId: account.user.id })}>
                  Assign to me
                </button>
              )}
              {!resolved && !snoozedUntil && <SnoozeMenu onSnooze={snooze} />}
              {automation.data && (
                <AutomationActions
                  conversationId={id}
                  automation={automation.data}
                  me={account.user.id}
                  teammates={assignable}
                  assignedToId={c.assignedToId}
                  onAssign={(userId) => void update({ assignedToId: userId }).then(() => automation.reload())}
                  onChanged={(next) => {
                    automation.setData(next);
                    void conversation.reload();
                    void messages.reload();
                  }}
                />
              )}
            </div>
          )}
        </header>
        {snoozedUntil && (
          <p class="banner" role="status">
            Snoozed until {formatDate(snoozedUntil)}; it comes back as Open then.{' '}
            {canReply && (
              <button type="button" class="link" onClick={unsnooze}>
                Unsnooze now
              </button>
            )}
          </p>
        )}
        {resolved && (
          <p class="banner banner-resolved" role="status">
            This conversation is {statusName(c!.status).toLowerCase()}
            {c?.closedAt ? ` (${formatDate(c.closedAt)})` : ''}.
          </p>
        )}
        <ErrorPanel error={conversation.error ?? messages.error ?? actionError} shownFields={[]} />
        {messages.data && (
          <Thread
            messages={messages.data}
            files={files.data}
            customerLanguage={conversation.data?.language ?? null}
            canAct={canReply}
            onChanged={() => {
              void messages.reload();
              // A corrected customer language is the conversation's language from now on.
              void conversation.reload();
            }}
          />
        )}
        <div ref={end} />
        <p class="typing" aria-live="polite">
          {typing ? `${who} is typing…` : ''}
        </p>
        {canReply && c && resolved && (
          <div class="reopen-box">
            <p>Replying reopens this conversation.</p>
            <button type="button" onClick={() => update({ status: 'OPEN' })}>
              Reopen to reply
            </button>
          </div>
        )}
        {canReply && !resolved && (
          <>
            <div class="ai-bar">
              {noProvider ? (
                <p class="muted small">
                  AI drafts need an AI provider.{' '}
                  {account.role === 'ADMIN' || account.role === 'OWNER' ? (
                    <Link href="/settings/ai-providers">Add one in AI providers</Link>
                  ) : (
                    'Ask an admin to add one.'
                  )}
                </p>
              ) : (
                <button type="button" onClick={draftReply} disabled={drafting || !providers.data}>
                  <span aria-hidden="true">✨ </span>
                  {drafting ? 'Drafting…' : 'Draft a reply with AI'}
                </button>
              )}
            </div>
            <MetaWindow
              key={`window-${id}-${messages.data?.length ?? 0}`}
              conversationId={id}
              onSent={() => {
                void messages.reload();
                void conversation.reload();
              }}
            />
            {/* Keyed: text and files written for one conversation never follow the agent into another. */}
            <Composer
              key={id}
              conversationId={id}
              onSent={() => {
                void messages.reload();
                void conversation.reload();
              }}
              placeholders={{
                contactName: contact?.name,
                contactEmail: contact?.email,
                agentName: account.user.name,
              }}
              teammates={assignable.filter((m) => m.userId !== account.user.id)}
            />
          </>
        )}
      </section>
      {c && (
        <aside class="conv-side" aria-label="Conversation details">
          <h2>Contact</h2>
          <dl class="summary">
            <dt>Name</dt>
            <dd>{contact?.name || '—'}</dd>
            <dt>Email</dt>
            <dd>{contact?.email || '—'}</dd>
            <dt>Language</dt>
            <dd>{c.language || '—'}</dd>
            <dt>Channel</dt>
            <dd>{c.channel ? `${c.channel.name} (${channelTypeName(c.channel.type)})` : '—'}</dd>
          </dl>
          {automation.data && <AutomationPanel automation={automation.data} />}
          <VisitorDetails conversationId={id} />
          {c.channel?.type === 'TIKTOK' && <OrderPanel conversationId={id} />}
          <EarlierConversations contactId={c.contactId} currentId={id} />
          <h2>Conversation</h2>
          {canReply ? (
            <div class="side-controls">
              <label>
                Assignee
                <select
                  value={c.assignedToId ?? ''}
                  onChange={(e) => update({ assignedToId: e.currentTarget.value || null })}
                >
                  <option value="">Unassigned</option>
                  {assignable.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Status
                <select value={c.status} onChange={(e) => update({ status: e.currentTarget.value as Status })}>
                  {STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {statusName(s)}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Priority
                <select value={c.priority} onChange={(e) => update({ priority: e.currentTarget.value as Priority })}>
                  {PRIORITIES.map((p) => (
                    <option key={p} value={p}>
                      {PRIORITY_NAMES[p]}
                    </option>
                  ))}
                </select>
              </label>
            </div>
          ) : (
            <dl class="summary">
              <dt>Assignee</dt>
              <dd>{c.assignee?.name ?? 'Unassigned'}</dd>
              <dt>Status</dt>
              <dd>{statusName(c.status)}</dd>
              <dt>Priority</dt>
              <dd>{PRIORITY_NAMES[c.priority as Priority] ?? c.priority}</dd>
            </dl>
          )}
          <h2>Labels</h2>
          <ul class="label-list">
            {mine.map((l) => (
              <li key={l.id} class="label-chip">
                <span class="label-dot" style={{ background: l.color }} aria-hidden="true" />
                {l.name}
                {canReply && (
                  <button
                    type="button"
                    class="link"
                    aria-label={`Remove label ${l.name}`}
                    onClick={() =>
                      act(() =>
                        call(api.labels.apply.$post({ json: { labelId: l.id, conversationIds: [id], remove: true } })),
                      ).then(() => onThis.reload())
                    }
                  >
                    ×
                  </button>
                )}
              </li>
            ))}
            {mine.length === 0 && <li class="muted">No labels</li>}
          </ul>
          {canReply && (labels.data ?? []).some((l) => !mine.includes(l)) && (
            <label>
              Add label
              <select
                value=""
                onChange={(e) => {
                  const labelId = e.currentTarget.value;
                  if (labelId)
                    void act(() => call(api.labels.apply.$post({ json: { labelId, conversationIds: [id] } }))).then(
                      () => onThis.reload(),
                    );
                }}
              >
                <option value="">Choose a label…</option>
                {(labels.data ?? [])
                  .filter((l) => !mine.includes(l))
                  .map((l) => (
                    <option key={l.id} value={l.id}>
                      {l.name}
                    </option>
                  ))}
              </select>
            </label>
          )}
          <VisitorRating conversationId={id} status={c.status} />
        </aside>
      )}
    </div>
  );
}

function SnoozeMenu({ onSnooze }: { onSnooze: (until: Date) => void }) {
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState('');
  return (
    <div class="snooze">
      <button type="button" aria-expanded={open} aria-controls="snooze-menu" onClick={() => setOpen(!open)}>
        Snooze
      </button>
      {open && (
        <div id="snooze-menu" class="snooze-menu">
          {snoozeOptions().map(([label, until]) => (
            <button
              key={label}
              type="button"
              onClick={() => {
                setOpen(false);
                onSnooze(until);
              }}
            >
              {label}
            </button>
          ))}
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!custom) return;
              setOpen(false);
              onSnooze(new Date(custom));
            }}
          >
            <label>
              Until
              <input type="datetime-local" value={custom} onInput={(e) => setCustom(e.currentTarget.value)} />
            </label>
            <button type="submit">Snooze until then</button>
          </form>
        </div>
      )}
    </div>
  );
}
