// One conversation (/conversations/:id): the thread, the composer, and the conversation's details
// (contact, assignee, status, priority). Opening it marks it read; live events keep it current.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call } from '../api';
import { useLive } from '../live';
import { Link } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, useLoad } from '../ui';
import { Composer } from './composer';
import { EarlierConversations } from './earlier-conversations';
import { VisitorRating } from './visitor-rating';
import { Thread, type ThreadMessage } from './thread';

const PAGE_SIZE = 100;

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

const STATUSES = ['OPEN', 'PENDING', 'CLOSED', 'ARCHIVED'] as const;
const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;

export function ConversationPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const { canReply } = usePermissions();
  const conversation = useLoad(() => call(api.conversations[':id'].$get({ param: { id } })), [id]);
  const messages = useLoad(() => loadThread(id), [id]);
  const members = useLoad(() => call(api.team.members.$get()), []);
  const files = useLoad(() => call(api.conversations[':id'].attachments.$get({ param: { id } })), [id]);
  const [typing, setTyping] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [drafting, setDrafting] = useState(false);
  const end = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void call(api.conversations[':id'].read.$post({ param: { id } })).catch(() => {});
  }, [id]);

  useLive((event) => {
    if (event.conversationId !== id) return;
    if (event.type === 'typing') setTyping(event.isTyping === true);
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

  const update = async (json: {
    status?: (typeof STATUSES)[number];
    priority?: (typeof PRIORITIES)[number];
    assignedToId?: string | null;
  }) => {
    try {
      conversation.setData(await call(api.conversations[':id'].$patch({ param: { id }, json })));
    } catch (err) {
      setActionError(err);
    }
  };

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

  const c = conversation.data;
  const contact = c?.contact;
  const who = contact?.name || contact?.email || 'Visitor';

  return (
    <div class="conversation">
      <section class="conv-main" aria-labelledby="conv-title">
        <p>
          <Link href="/conversations">← Inbox</Link>
        </p>
        <h1 id="conv-title">{c ? who : 'Conversation'}</h1>
        <ErrorPanel error={conversation.error ?? messages.error} />
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
        {canReply && (
          <>
            <div class="ai-bar">
              <button type="button" onClick={draftReply} disabled={drafting}>
                <span aria-hidden="true">✨ </span>
                {drafting ? 'Drafting…' : 'Draft a reply with AI'}
              </button>
              <ErrorPanel error={actionError} />
            </div>
            {/* Keyed: text and files written for one conversation never follow the agent into another. */}
            <Composer key={id} conversationId={id} onSent={() => messages.reload()} />
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
            <dd>{c.channel ? `${c.channel.name} (${c.channel.type})` : '—'}</dd>
          </dl>
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
                  {members.data
                    ?.filter((m) => m.status === 'ACTIVE')
                    .map((m) => (
                      <option key={m.userId} value={m.userId}>
                        {m.name}
                      </option>
                    ))}
                </select>
              </label>
              <label>
                Status
                <select
                  value={c.status}
                  onChange={(e) => update({ status: e.currentTarget.value as (typeof STATUSES)[number] })}
                >
                  {STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Priority
                <select
                  value={c.priority}
                  onChange={(e) => update({ priority: e.currentTarget.value as (typeof PRIORITIES)[number] })}
                >
                  {PRIORITIES.map((p) => (
                    <option key={p} value={p}>
                      {p}
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
              <dd>{c.status}</dd>
              <dt>Priority</dt>
              <dd>{c.priority}</dd>
            </dl>
          )}
          <VisitorRating conversationId={id} status={c.status} />
        </aside>
      )}
    </div>
  );
}
