// The inbox (/conversations): every channel in one list, filtered and searched, ~20 a page, unread in bold,
// refreshed live from the organisation hub.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { useLive } from '../live';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import { ErrorPanel, formatDate, useLoad } from '../ui';
import { conversationQuery, EMPTY_FILTERS, filtersFromSearch, type InboxFilters, inboxUrl } from './filters';

type Page = ApiData<typeof api.conversations.$get>;
type Row = Page['items'][number];

const STATUSES = ['OPEN', 'PENDING', 'CLOSED', 'ARCHIVED'] as const;
const CHANNEL_TYPES = ['EMAIL', 'FACEBOOK', 'INSTAGRAM', 'WHATSAPP', 'TELEGRAM', 'WEBSITE_CHAT', 'TIKTOK'] as const;

export function InboxPage() {
  const { search } = useLocation();
  const filters = filtersFromSearch(search);
  const query = conversationQuery(filters);
  const key = JSON.stringify(query);
  const list = useLoad(() => call(api.conversations.$get({ query })), [key]);
  const channels = useLoad(() => call(api.channels.$get()), []);
  const members = useLoad(() => call(api.team.members.$get()), []);
  const { account } = useSession();
  const [actionError, setActionError] = useState<unknown>(null);
  const refresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // Bursts of events (a chatty visitor) become one reload.
  useLive((event) => {
    if (event.type === 'typing') return;
    clearTimeout(refresh.current);
    refresh.current = setTimeout(() => void list.reload(), 300);
  });
  useEffect(() => () => clearTimeout(refresh.current), []);

  const setFilters = (changes: Partial<InboxFilters>) => navigate(inboxUrl({ ...filters, page: 1, ...changes }));

  const markAllRead = async () => {
    setActionError(null);
    try {
      await call(api.conversations['bulk-read'].$post({ json: {} }));
      await list.reload();
    } catch (err) {
      setActionError(err);
    }
  };

  const page = list.data;
  const pages = page ? Math.max(1, page.totalPages) : 1;

  return (
    <section aria-labelledby="inbox-title" class="inbox">
      <div class="page-head">
        <h1 id="inbox-title">Inbox</h1>
        <button type="button" onClick={markAllRead}>
          Mark all as read
        </button>
      </div>
      <FilterBar
        filters={filters}
        onChange={setFilters}
        channels={channels.data ?? []}
        members={members.data ?? []}
        me={account.user.id}
      />
      <ErrorPanel error={list.error ?? actionError} />
      <p class="sr-only" aria-live="polite">
        {page ? `${page.total} conversations` : ''}
      </p>
      {page && page.items.length === 0 && <p class="muted">No conversations match these filters.</p>}
      {page && page.items.length > 0 && <ConversationList rows={page.items} />}
      {page && pages > 1 && (
        <nav class="pager" aria-label="Pages">
          <button
            type="button"
            disabled={filters.page <= 1}
            onClick={() => navigate(inboxUrl({ ...filters, page: filters.page - 1 }))}
          >
            Previous page
          </button>
          <span>
            Page {filters.page} of {pages}
          </span>
          <button
            type="button"
            disabled={filters.page >= pages}
            onClick={() => navigate(inboxUrl({ ...filters, page: filters.page + 1 }))}
          >
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}

export function FilterBar({
  filters,
  onChange,
  channels,
  members,
  me,
}: {
  filters: InboxFilters;
  onChange: (changes: Partial<InboxFilters>) => void;
  channels: { id: string; name: string; type: string }[];
  members: { userId: string; name: string }[];
  me: string;
}) {
  const [text, setText] = useState(filters.search);
  useEffect(() => setText(filters.search), [filters.search]);
  const select = (name: keyof InboxFilters) => (e: JSX.TargetedEvent<HTMLSelectElement>) =>
    onChange({ [name]: e.currentTarget.value });

  return (
    // biome-ignore lint/a11y/useSemanticElements: the <search> element is too recent for the browsers we support
    <form
      class="filters"
      role="search"
      aria-label="Filter conversations"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ search: text });
      }}
    >
      <label>
        Search
        <input
          type="search"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="Message or customer"
        />
      </label>
      <label>
        Status
        <select value={filters.status} onChange={select('status')}>
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Channel
        <select value={filters.channelId} onChange={select('channelId')}>
          <option value="">All channels</option>
          {channels.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Channel type
        <select value={filters.channelType} onChange={select('channelType')}>
          <option value="">All types</option>
          {CHANNEL_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        Assignee
        <select value={filters.assignedToId} onChange={select('assignedToId')}>
          <option value="">Anyone</option>
          <option value={me}>Me</option>
          <option value="unassigned">Unassigned</option>
          {members
            .filter((m) => m.userId !== me)
            .map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name}
              </option>
            ))}
        </select>
      </label>
      <label>
        Language
        <input
          value={filters.language}
          size={4}
          maxLength={10}
          placeholder="e.g. en"
          onChange={(e) => onChange({ language: e.currentTarget.value.trim().toLowerCase() })}
        />
      </label>
      <label class="check">
        <input
          type="checkbox"
          checked={filters.unread}
          onChange={(e) => onChange({ unread: e.currentTarget.checked })}
        />
        Unread only
      </label>
      <button type="submit">Search</button>
      {JSON.stringify({ ...filters, page: 1 }) !== JSON.stringify(EMPTY_FILTERS) && (
        <button type="button" class="link" onClick={() => onChange(EMPTY_FILTERS)}>
          Clear filters
        </button>
      )}
    </form>
  );
}

/** Rows are links; Up/Down (or j/k) move between them, Enter opens. */
function ConversationList({ rows }: { rows: Row[] }) {
  const onKeyDown = (e: KeyboardEvent) => {
    const step = e.key === 'ArrowDown' || e.key === 'j' ? 1 : e.key === 'ArrowUp' || e.key === 'k' ? -1 : 0;
    if (!step) return;
    const links = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLAnchorElement>('a.conv-link')];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = links[Math.min(links.length - 1, Math.max(0, at + step))];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  };
  return (
    <ul class="conv-list" aria-label="Conversations" onKeyDown={onKeyDown}>
      {rows.map((c) => {
        const unread = c.unreadCount > 0;
        const who = c.contact?.name || c.contact?.email || 'Visitor';
        return (
          <li key={c.id} class={unread ? 'conv unread' : 'conv'}>
            <Link href={`/conversations/${c.id}`} class="conv-link">
              <span class="conv-who">
                {unread && <span class="sr-only">Unread: </span>}
                {who}
              </span>
              <span class="conv-meta">
                <span class={`status status-${c.status.toLowerCase()}`}>{c.status}</span>
                {c.channel && <span class="muted">{c.channel.name}</span>}
                {c.language && <span class="muted">{c.language}</span>}
                {c.assignee && <span class="muted">→ {c.assignee.name}</span>}
                <time dateTime={c.lastMessageAt ?? undefined}>{formatDate(c.lastMessageAt)}</time>
                {unread && (
                  <span class="badge">
                    {c.unreadCount}
                    <span class="sr-only"> unread</span>
                  </span>
                )}
              </span>
              <span class="conv-preview">{c.lastMessagePreview ?? ''}</span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
