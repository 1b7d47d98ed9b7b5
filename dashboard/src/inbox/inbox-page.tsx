// The agent's workspace (/conversations and /conversations/:id): views and labels / the conversation list /
// the open thread with its contact panel, side by side at desktop width and one at a time on a phone. The
// list stays mounted while conversations open beside it, so its scroll, filters and selection are kept.
// Tabs Mine / Unassigned / All carry live counts; rows can be selected for bulk changes; the keyboard
// drives it all (? lists the keys).
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { Lazy, type Loader } from '../lazy-page';
import { useLive } from '../live';
import { CHANNEL_TYPE_NAMES, CREATABLE_CHANNEL_TYPES, isResolved, STATUSES, statusName } from '../names';
import { Link, navigate, useLocation } from '../router';
import { usePermissions, useSession } from '../session';
import { ErrorPanel, Field, formatDate, Skeleton, useLoad, useOnline } from '../ui';
import { AutomationViews, CardAutomation, ContactAvatar, ContactHandle } from './automation';
import {
  conversationQuery,
  EMPTY_FILTERS,
  filtersFromSearch,
  filtersOfView,
  type InboxFilters,
  inboxUrl,
  viewFilters,
} from './filters';

type Page = ApiData<typeof api.conversations.$get>;
type Row = Page['items'][number];
export type Label = ApiData<typeof api.labels.$get>[number];
type Member = ApiData<typeof api.team.members.$get>[number];

const loadConversationPage: Loader = () => import('../conversation/conversation-page').then((m) => m.ConversationPage);

/** Filters that narrow the list, besides the tab and paging. */
const isFiltered = (f: InboxFilters) =>
  JSON.stringify({ ...f, assignedToId: '', page: 1 }) !== JSON.stringify(EMPTY_FILTERS);

/** Members a conversation can be assigned to: active, and allowed to reply. */
export const canBeAssigned = (m: Member) => m.status === 'ACTIVE' && m.role !== 'VIEWER';

export function InboxPage({ params = {} }: { params?: Record<string, string> }) {
  const openId = params.id ?? null;
  const { search } = useLocation();
  const filters = filtersFromSearch(search);
  const query = conversationQuery(filters);
  const key = JSON.stringify(query);
  const { account } = useSession();
  const { canReply, canManageSettings } = usePermissions();
  const me = account.user.id;
  const list = useLoad(() => call(api.conversations.$get({ query })), [key]);
  // The tab counts take the inbox's own filters; the automation views narrow the list only.
  const {
    page: _p,
    pageSize: _s,
    assignedToId: _a,
    automationState: _as,
    unassignedHumans: _uh,
    contactTag: _ct,
    triggerId: _t,
    ...countQuery
  } = query;
  const counts = useLoad(() => call(api.views.counts.$get({ query: countQuery })), [JSON.stringify(countQuery)]);
  const channels = useLoad(() => call(api.channels.$get()), []);
  const members = useLoad(() => call(api.team.members.$get()), []);
  const labels = useLoad(() => call(api.labels.$get()), []);
  const views = useLoad(() => call(api.views.$get()), []);
  const snoozes = useLoad(() => call(api.views.snoozes.$get()), []);
  const contactTags = useLoad(() => call(api.automations['contact-tags'].$get()), []);
  const triggers = useLoad(() => call(api.automations.triggers.$get()).then((d) => d.triggers), []);
  const rowIds = (list.data?.items ?? []).map((c) => c.id).join(',');
  const labelMap = useLoad(
    () =>
      rowIds
        ? call(api.labels.conversations.$get({ query: { ids: rowIds } }))
        : Promise.resolve({} as Record<string, string[]>),
    [rowIds],
  );
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [actionError, setActionError] = useState<unknown>(null);
  const [help, setHelp] = useState(false);
  const refresh = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const reloadAll = useCallback(() => {
    void list.reload();
    void counts.reload();
    void snoozes.reload();
  }, [list.reload, counts.reload, snoozes.reload]);
  const online = useOnline(reloadAll);
  // The debounced reload runs with the filters on screen when it fires, not those of when the event came.
  const latestReloadAll = useRef(reloadAll);
  latestReloadAll.current = reloadAll;

  // Bursts of events (a chatty visitor) become one reload.
  useLive((event) => {
    if (event.type === 'typing' || event.type === 'notification') return;
    if (event.type === 'conversation.labels') {
      if (labelMap.data && event.conversationId in labelMap.data)
        labelMap.setData({ ...labelMap.data, [event.conversationId]: event.labelIds });
      return;
    }
    clearTimeout(refresh.current);
    refresh.current = setTimeout(() => latestReloadAll.current(), 300);
  });
  useEffect(() => () => clearTimeout(refresh.current), []);

  // Selection is of what is on screen: a new page or filter starts empty.
  useEffect(() => setSelected(new Set()), [key]);

  const setFilters = (changes: Partial<InboxFilters>) =>
    navigate(inboxUrl({ ...filters, page: 1, ...changes }, openId ?? undefined));

  const rows = list.data?.items ?? [];
  const openAt = rows.findIndex((r) => r.id === openId);

  const move = useCallback(
    (step: number) => {
      if (!rows.length) return;
      const next = rows[openAt < 0 ? (step > 0 ? 0 : rows.length - 1) : openAt + step];
      if (next) navigate(inboxUrl(filters, next.id));
    },
    [rows, openAt, key],
  );

  // The workspace's keys; typing in a field is never taken for a shortcut.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest?.('input, textarea, select, [contenteditable="true"]')) {
        // Escape leaves the field, so the keys work again without reaching for the mouse.
        if (e.key === 'Escape' && !target.closest('.suggestions-open')) target.blur();
        return;
      }
      if (e.key === 'Escape' && help) setHelp(false);
      else if (e.key === 'j') move(1);
      else if (e.key === 'k') move(-1);
      else if (e.key === '/') document.getElementById('inbox-search')?.focus();
      else if (e.key === '?') setHelp((h) => !h);
      else if (['r', 'n', 'e', 'a'].includes(e.key) && openId) {
        dispatchEvent(new CustomEvent('hs:shortcut', { detail: e.key }));
      } else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [move, help, openId]);

  const bulk = async (action: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await action();
      setSelected(new Set());
      reloadAll();
    } catch (err) {
      setActionError(err);
    }
  };
  const conversationIds = [...selected];

  const page = list.data;
  const pages = page ? Math.max(1, page.totalPages) : 1;
  const tab = filters.assignedToId === me ? 'mine' : filters.assignedToId === 'unassigned' ? 'unassigned' : 'all';
  const snoozedUntil = new Map((snoozes.data ?? []).map((s) => [s.conversationId, s.until]));
  const labelById = new Map((labels.data ?? []).map((l) => [l.id, l]));

  return (
    <div class={openId ? 'workspace has-open' : 'workspace'}>
      {!online && (
        <p class="offline" role="status">
          You are offline. The inbox updates by itself when the connection is back.
        </p>
      )}
      <Sidebar
        filters={filters}
        labels={labels.data ?? []}
        views={views.data ?? []}
        onFilters={(f) => navigate(inboxUrl(f, openId ?? undefined))}
        onViewsChanged={() => void views.reload()}
        onLabelsChanged={() => void labels.reload()}
        canManageLabels={canManageSettings}
        automation={
          <AutomationViews
            filters={filters}
            tags={contactTags.data ?? []}
            triggers={triggers.data ?? []}
            onFilters={(f) => navigate(inboxUrl(f, openId ?? undefined))}
          />
        }
      />
      <section aria-labelledby="inbox-title" class="ws-list">
        <div class="page-head">
          <h1 id="inbox-title">Inbox</h1>
          <span class="head-actions">
            <button
              type="button"
              class="link"
              onClick={() => bulk(() => call(api.conversations['bulk-read'].$post({ json: {} })))}
            >
              Mark all as read
            </button>
            <button type="button" class="link" onClick={() => setHelp(true)} aria-haspopup="dialog">
              Keyboard shortcuts
            </button>
          </span>
        </div>
        <fieldset class="tabs">
          <legend class="sr-only">Whose conversations</legend>
          {(
            [
              ['mine', 'Mine', me],
              ['unassigned', 'Unassigned', 'unassigned'],
              ['all', 'All', ''],
            ] as const
          ).map(([id, name, value]) => (
            <button
              key={id}
              type="button"
              class="tab"
              aria-pressed={tab === id}
              onClick={() => setFilters({ assignedToId: value })}
            >
              {name}
              <span class="tab-count">{counts.data ? counts.data[id] : ''}</span>
            </button>
          ))}
        </fieldset>
        <FilterBar
          filters={filters}
          onChange={setFilters}
          channels={channels.data ?? []}
          members={members.data ?? []}
          labels={labels.data ?? []}
          me={me}
        />
        {canReply && (
          <BulkBar
            rows={rows}
            selected={selected}
            onSelect={setSelected}
            members={(members.data ?? []).filter(canBeAssigned)}
            labels={labels.data ?? []}
            onResolve={() =>
              bulk(() => call(api.conversations['bulk-update'].$post({ json: { conversationIds, status: 'CLOSED' } })))
            }
            onRead={() =>
              bulk(() => call(api.conversations['bulk-update'].$post({ json: { conversationIds, read: true } })))
            }
            onAssign={(assignedToId) =>
              bulk(() => call(api.conversations['bulk-update'].$post({ json: { conversationIds, assignedToId } })))
            }
            onLabel={(labelId) => bulk(() => call(api.labels.apply.$post({ json: { labelId, conversationIds } })))}
          />
        )}
        <ErrorPanel error={list.error ?? actionError} shownFields={[]} />
        <p class="sr-only" aria-live="polite">
          {page ? `${page.total} conversations` : ''}
        </p>
        {!page && !list.error && <Skeleton label="Loading conversations" />}
        {page && page.items.length === 0 && (
          <EmptyList filtered={isFiltered(filters) || tab !== 'all'} onClear={() => setFilters(EMPTY_FILTERS)} />
        )}
        {page && page.items.length > 0 && (
          <ConversationList
            rows={page.items}
            openId={openId}
            hrefOf={(id) => inboxUrl(filters, id)}
            selectable={canReply}
            selected={selected}
            onSelect={setSelected}
            labelsOf={(id) => (labelMap.data?.[id] ?? []).map((l) => labelById.get(l)).filter((l) => l !== undefined)}
            snoozedUntil={snoozedUntil}
          />
        )}
        {page && pages > 1 && (
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={filters.page <= 1}
              onClick={() => navigate(inboxUrl({ ...filters, page: filters.page - 1 }, openId ?? undefined))}
            >
              Previous page
            </button>
            <span>
              Page {filters.page} of {pages}
            </span>
            <button
              type="button"
              disabled={filters.page >= pages}
              onClick={() => navigate(inboxUrl({ ...filters, page: filters.page + 1 }, openId ?? undefined))}
            >
              Next page
            </button>
          </nav>
        )}
      </section>
      <div class="ws-thread">
        {openId ? (
          <Lazy load={loadConversationPage} params={{ id: openId }} />
        ) : (
          <p class="ws-placeholder muted">Choose a conversation to read it here.</p>
        )}
      </div>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

function EmptyList({ filtered, onClear }: { filtered: boolean; onClear: () => void }) {
  if (filtered) {
    return (
      <div class="empty">
        <p>Nothing matches these filters.</p>
        <button type="button" onClick={onClear}>
          Show all conversations
        </button>
      </div>
    );
  }
  return (
    <div class="empty">
      <p>
        No conversations yet: install the website chat widget or connect a channel, and customers' messages arrive here.
      </p>
      <Link href="/settings/channels">Set up a channel</Link>
    </div>
  );
}

const SHORTCUTS: [string, string][] = [
  ['j / k', 'Next / previous conversation'],
  ['r', 'Reply'],
  ['n', 'Internal note'],
  ['e', 'Resolve'],
  ['a', 'Assign to me'],
  ['/', 'Search'],
  ['/ in the reply box', 'Insert a saved reply'],
  ['Enter', 'Send (Shift+Enter for a new line)'],
  ['?', 'Show this list'],
];

function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    close.current?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div class="dialog-backdrop">
      <div
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <dl class="shortcuts">
          {SHORTCUTS.map(([keys, what]) => (
            <div key={keys}>
              <dt>
                <kbd>{keys}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button ref={close} type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}

function Sidebar({
  filters,
  labels,
  views,
  onFilters,
  onViewsChanged,
  onLabelsChanged,
  canManageLabels,
  automation,
}: {
  automation?: ComponentChildren;
  filters: InboxFilters;
  labels: Label[];
  views: { id: string; name: string; filters: Record<string, string> }[];
  onFilters: (filters: InboxFilters) => void;
  onViewsChanged: () => void;
  onLabelsChanged: () => void;
  canManageLabels: boolean;
}) {
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const current = JSON.stringify(viewFilters(filters));
  // Open beside the list on a wide screen; folded away above it on narrower ones.
  const [open] = useState(() => typeof matchMedia !== 'function' || matchMedia('(min-width: 1101px)').matches);
  const saveView = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await call(api.views.$post({ json: { name, filters: viewFilters(filters) } }));
      setNaming(false);
      setName('');
      onViewsChanged();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <nav class="ws-sidebar" aria-label="Views">
      <details class="ws-views" open={open}>
        <summary>Views and labels</summary>
        <h2>Status</h2>
        <ul class="side-list">
          {(['', 'OPEN', 'PENDING', 'CLOSED'] as const).map((s) => (
            <li key={s || 'all'}>
              <button
                type="button"
                class="side-item"
                aria-pressed={filters.status === s}
                onClick={() => onFilters({ ...filters, status: s, page: 1 })}
              >
                {s ? statusName(s) : 'Any status'}
              </button>
            </li>
          ))}
        </ul>
        {automation}
        <h2>Saved views</h2>
        {views.length === 0 && <p class="muted small">Set filters, then save them here as a view.</p>}
        <ul class="side-list">
          {views.map((v) => (
            <li key={v.id} class="side-row">
              <button
                type="button"
                class="side-item"
                aria-pressed={JSON.stringify(v.filters) === current}
                onClick={() => onFilters(filtersOfView(v.filters))}
              >
                {v.name}
              </button>
              <button
                type="button"
                class="link small"
                aria-label={`Remove view ${v.name}`}
                onClick={async () => {
                  await call(api.views[':id'].$delete({ param: { id: v.id } })).catch(setError);
                  onViewsChanged();
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
        {naming ? (
          <form class="side-form" onSubmit={saveView}>
            <Field label="View name" name="name" error={error}>
              {(props) => (
                <input {...props} value={name} maxLength={40} onInput={(e) => setName(e.currentTarget.value)} />
              )}
            </Field>
            <button type="submit">Save view</button>
            <button type="button" class="link" onClick={() => setNaming(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <button type="button" class="link" onClick={() => setNaming(true)}>
            Save these filters as a view
          </button>
        )}
        <ErrorPanel error={error} shownFields={['name']} />
        <h2>Labels</h2>
        {labels.length === 0 && <p class="muted small">No labels yet.</p>}
        <ul class="side-list">
          {labels.map((l) => (
            <li key={l.id}>
              <button
                type="button"
                class="side-item"
                aria-pressed={filters.labelId === l.id}
                onClick={() => onFilters({ ...filters, labelId: filters.labelId === l.id ? '' : l.id, page: 1 })}
              >
                <span class="label-dot" style={{ background: l.color }} aria-hidden="true" />
                {l.name}
              </button>
            </li>
          ))}
        </ul>
        {canManageLabels && <NewLabel onCreated={onLabelsChanged} />}
      </details>
    </nav>
  );
}

function NewLabel({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [color, setColor] = useState('#2f80ed');
  const [error, setError] = useState<unknown>(null);
  return (
    <details class="new-label">
      <summary>New label</summary>
      <form
        class="side-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await call(api.labels.$post({ json: { name, color } }));
            setName('');
            onCreated();
          } catch (err) {
            setError(err);
          }
        }}
      >
        <Field label="Label name" name="name" error={error}>
          {(props) => <input {...props} value={name} maxLength={40} onInput={(e) => setName(e.currentTarget.value)} />}
        </Field>
        <Field label="Colour" name="color" error={error}>
          {(props) => <input {...props} type="color" value={color} onInput={(e) => setColor(e.currentTarget.value)} />}
        </Field>
        <button type="submit">Add label</button>
        <ErrorPanel error={error} shownFields={['name', 'color']} />
      </form>
    </details>
  );
}

export function FilterBar({
  filters,
  onChange,
  channels,
  members,
  labels = [],
  me,
}: {
  filters: InboxFilters;
  onChange: (changes: Partial<InboxFilters>) => void;
  channels: { id: string; name: string; type: string }[];
  members: { userId: string; name: string }[];
  labels?: Label[];
  me: string;
}) {
  const [text, setText] = useState(filters.search);
  useEffect(() => setText(filters.search), [filters.search]);
  const active = [
    filters.status,
    filters.channelId,
    filters.channelType,
    filters.language,
    filters.unread,
    filters.labelId,
  ].filter(Boolean).length;
  const [open, setOpen] = useState(false);
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
      <div class="filter-row">
        <label for="inbox-search" class="sr-only">
          Search
        </label>
        <input
          id="inbox-search"
          type="search"
          value={text}
          maxLength={200}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="Search messages or customers"
        />
        <button type="submit">Search</button>
        <button
          type="button"
          aria-expanded={open}
          aria-controls="more-filters"
          onClick={() => setOpen(!open)}
          class="filter-toggle"
        >
          Filters{active ? ` (${active})` : ''}
        </button>
      </div>
      <div id="more-filters" class="filter-grid" hidden={!open}>
        <label>
          Status
          <select value={filters.status} onChange={select('status')}>
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusName(s)}
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
            {CREATABLE_CHANNEL_TYPES.map((t) => (
              <option key={t} value={t}>
                {CHANNEL_TYPE_NAMES[t]}
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
        {labels.length > 0 && (
          <label>
            Label
            <select value={filters.labelId} onChange={select('labelId')}>
              <option value="">Any label</option>
              {labels.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
        )}
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
        {isFiltered(filters) && (
          <button
            type="button"
            class="link"
            onClick={() => onChange({ ...EMPTY_FILTERS, assignedToId: filters.assignedToId })}
          >
            Clear filters
          </button>
        )}
      </div>
    </form>
  );
}

function BulkBar({
  rows,
  selected,
  onSelect,
  members,
  labels,
  onResolve,
  onRead,
  onAssign,
  onLabel,
}: {
  rows: Row[];
  selected: ReadonlySet<string>;
  onSelect: (ids: ReadonlySet<string>) => void;
  members: Member[];
  labels: Label[];
  onResolve: () => void;
  onRead: () => void;
  onAssign: (userId: string | null) => void;
  onLabel: (labelId: string) => void;
}) {
  const all = rows.length > 0 && rows.every((r) => selected.has(r.id));
  return (
    <div class="bulk-bar">
      <label class="check">
        <input
          type="checkbox"
          checked={all}
          disabled={!rows.length}
          onChange={() => onSelect(all ? new Set() : new Set(rows.map((r) => r.id)))}
        />
        Select all
      </label>
      {selected.size > 0 && (
        // biome-ignore lint/a11y/useSemanticElements: a toolbar of actions, not a form group
        <div class="bulk-actions" role="group" aria-label={`Change ${selected.size} selected`}>
          <span>{selected.size} selected</span>
          <button type="button" onClick={onResolve}>
            Resolve
          </button>
          <button type="button" onClick={onRead}>
            Mark read
          </button>
          <select
            aria-label="Assign selected to"
            value=""
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v) onAssign(v === 'none' ? null : v);
            }}
          >
            <option value="">Assign to…</option>
            <option value="none">Nobody (unassign)</option>
            {members.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name}
              </option>
            ))}
          </select>
          {labels.length > 0 && (
            <select
              aria-label="Label selected"
              value=""
              onChange={(e) => e.currentTarget.value && onLabel(e.currentTarget.value)}
            >
              <option value="">Label…</option>
              {labels.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </select>
          )}
          <button type="button" class="link" onClick={() => onSelect(new Set())}>
            Clear selection
          </button>
        </div>
      )}
    </div>
  );
}

/** Rows are links; Up/Down move between them, Enter opens; each has a checkbox for bulk changes. */
function ConversationList({
  rows,
  openId,
  hrefOf,
  selectable,
  selected,
  onSelect,
  labelsOf,
  snoozedUntil,
}: {
  rows: Row[];
  openId: string | null;
  hrefOf: (id: string) => string;
  selectable: boolean;
  selected: ReadonlySet<string>;
  onSelect: (ids: ReadonlySet<string>) => void;
  labelsOf: (id: string) => Label[];
  snoozedUntil: Map<string, string>;
}) {
  const onKeyDown = (e: KeyboardEvent) => {
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (!step) return;
    const links = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLAnchorElement>('a.conv-link')];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = links[Math.min(links.length - 1, Math.max(0, at + step))];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  };
  const opened = useRef<HTMLLIElement>(null);
  // Keyboard moves (j/k) keep the open conversation in sight in the list.
  useEffect(() => opened.current?.scrollIntoView?.({ block: 'nearest' }), [openId]);
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelect(next);
  };
  const statusOf = useMemo(() => (c: Row) => statusName(c.status), []);
  return (
    <ul class="conv-list" aria-label="Conversations" onKeyDown={onKeyDown}>
      {rows.map((c) => {
        const unread = c.unreadCount > 0;
        const who = c.contact?.name || c.contact?.email || 'Visitor';
        const snooze = c.status === 'PENDING' ? snoozedUntil.get(c.id) : undefined;
        const classes = [
          'conv',
          unread ? 'unread' : '',
          c.id === openId ? 'open' : '',
          isResolved(c.status) ? 'resolved' : '',
        ]
          .filter(Boolean)
          .join(' ');
        return (
          <li key={c.id} class={classes} ref={c.id === openId ? opened : undefined}>
            {selectable && (
              <input
                type="checkbox"
                class="conv-check"
                aria-label={`Select conversation with ${who}`}
                checked={selected.has(c.id)}
                onChange={() => toggle(c.id)}
              />
            )}
            <Link href={hrefOf(c.id)} class="conv-link" aria-current={c.id === openId ? 'page' : undefined}>
              <span class="conv-who">
                {unread && <span class="sr-only">Unread: </span>}
                {c.automation && <ContactAvatar name={who} avatarUrl={c.contact?.avatarUrl} />}
                {who}
                {c.automation && <ContactHandle handle={c.contact?.handle} />}
              </span>
              <span class="conv-meta">
                <span class={`status status-${c.status.toLowerCase()}`}>{statusOf(c)}</span>
                {snooze && <span class="chip">Snoozed until {formatDate(snooze)}</span>}
                {c.channel && <span class="muted">{c.channel.name}</span>}
                {c.assignee && <span class="muted">→ {c.assignee.name}</span>}
                <time dateTime={c.lastMessageAt ?? undefined}>{formatDate(c.lastMessageAt)}</time>
                {unread && (
                  <span class="badge">
                    {c.unreadCount}
                    <span class="sr-only"> unread</span>
                  </span>
                )}
              </span>
              {labelsOf(c.id).length > 0 && (
                <span class="conv-labels">
                  {labelsOf(c.id).map((l) => (
                    <span key={l.id} class="label-chip">
                      <span class="label-dot" style={{ background: l.color }} aria-hidden="true" />
                      {l.name}
                    </span>
                  ))}
                </span>
              )}
              {c.automation && <CardAutomation automation={c.automation} owner={c.assignee?.name ?? null} />}
              <span class="conv-preview">{c.lastMessagePreview ?? ''}</span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
