// What the inbox shows of comment-to-DM automations: the Bot / Human / Waiting / Closed chip of a conversation
// the bot touched, its tags, the trigger that started it, the owner's initials and how long a Waiting one has
// left; and the sidebar's automation views (Unassigned humans, Waiting, by tag, by trigger).
import { useState } from 'preact/hooks';
import type { ApiData, api } from '../api';
import type { InboxFilters } from './filters';
import './automation.css';

type Row = ApiData<typeof api.conversations.$get>['items'][number];
export type RowAutomation = NonNullable<Row['automation']>;
export type AutomationState = RowAutomation['state'];

export const STATE_NAMES: Record<AutomationState, string> = {
  BOT: 'Bot',
  HUMAN: 'Human',
  WAITING: 'Waiting',
  CLOSED: 'Closed',
};

export const STATE_HINTS: Record<AutomationState, string> = {
  BOT: 'The bot is handling it',
  HUMAN: 'A person handles it; the bot sends nothing',
  WAITING: 'Waiting for the buyer to answer the bot',
  CLOSED: 'The bot’s conversation ended',
};

/** "closes in 3 h": the time a Waiting conversation has left before it closes by itself. */
export function closesIn(until: number, now = Date.now()): string {
  const ms = until - now;
  if (ms <= 0) return 'closing now';
  const minutes = Math.ceil(ms / 60_000);
  if (minutes < 60) return `closes in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `closes in ${hours} h`;
  return `closes in ${Math.round(hours / 24)} days`;
}

/** Up to two initials of a name ("Mia Agent" → "MA"); "?" without one. */
export function initials(name: string | null | undefined): string {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (!words.length) return '?';
  return words
    .slice(0, 2)
    .map((w) => [...w.replace(/^@/, '')][0] ?? '')
    .join('')
    .toUpperCase();
}

export function StateChip({ state, waitingUntil }: { state: AutomationState; waitingUntil?: number | null }) {
  return (
    <span class={`state-chip state-${state.toLowerCase()}`} title={STATE_HINTS[state]}>
      <span class="sr-only">Automation: </span>
      {STATE_NAMES[state]}
      {state === 'WAITING' && waitingUntil ? ` · ${closesIn(waitingUntil)}` : ''}
    </span>
  );
}

/** The automation part of a conversation card. */
export function CardAutomation({ automation, owner }: { automation: RowAutomation; owner: string | null }) {
  return (
    <span class="conv-automation">
      <StateChip state={automation.state} waitingUntil={automation.waitingUntil} />
      {automation.triggerName && <span class="muted">Triggered by {automation.triggerName}</span>}
      {automation.tags.map((tag) => (
        <span key={tag} class="tag-chip">
          #{tag}
        </span>
      ))}
      {owner && (
        <span class="avatar avatar-small" title={`Owner: ${owner}`}>
          <span aria-hidden="true">{initials(owner)}</span>
          <span class="sr-only">Owner: {owner}</span>
        </span>
      )}
    </span>
  );
}

/**
 * The contact's avatar before the name on a card of a conversation the bot touched: their TikTok picture when
 * there is one (an https image, which the dashboard's img-src allows), else (or if it fails to load) initials.
 * Decorative either way: the name follows it.
 */
export function ContactAvatar({ name, avatarUrl }: { name: string; avatarUrl?: string | null }) {
  const [failed, setFailed] = useState<string | null>(null);
  if (avatarUrl?.startsWith('https://') && failed !== avatarUrl) {
    return (
      <img
        class="avatar avatar-small avatar-image"
        src={avatarUrl}
        alt=""
        loading="lazy"
        referrerpolicy="no-referrer"
        onError={() => setFailed(avatarUrl)}
      />
    );
  }
  return (
    <span class="avatar avatar-small" aria-hidden="true">
      {initials(name)}
    </span>
  );
}

/** The TikTok @handle after the name on a card. */
export function ContactHandle({ handle }: { handle: string | null | undefined }) {
  return handle ? <span class="muted contact-handle">@{handle}</span> : null;
}

type Filters = Pick<InboxFilters, 'automationState' | 'unassignedHumans' | 'contactTag' | 'triggerId'>;

/** Filters with no automation view chosen. */
const NO_VIEW: Filters = { automationState: '', unassignedHumans: false, contactTag: '', triggerId: '' };

export function AutomationViews({
  filters,
  tags,
  triggers,
  onFilters,
}: {
  filters: InboxFilters;
  tags: { tag: string; count: number }[];
  triggers: { id: string; name: string }[];
  onFilters: (filters: InboxFilters) => void;
}) {
  if (!tags.length && !triggers.length) return null;
  const choose = (view: Partial<Filters>, on: boolean) =>
    onFilters({
      ...filters,
      ...NO_VIEW,
      ...(on ? view : {}),
      // Unassigned humans have no owner: whose-tab filtering would hide them all.
      assignedToId: on && view.unassignedHumans ? '' : filters.assignedToId,
      page: 1,
    });
  return (
    <>
      <h2>Automation</h2>
      <ul class="side-list">
        <li>
          <button
            type="button"
            class="side-item"
            aria-pressed={filters.unassignedHumans}
            onClick={() => choose({ unassignedHumans: true }, !filters.unassignedHumans)}
          >
            Unassigned humans
          </button>
        </li>
        <li>
          <button
            type="button"
            class="side-item"
            aria-pressed={filters.automationState === 'WAITING'}
            onClick={() => choose({ automationState: 'WAITING' }, filters.automationState !== 'WAITING')}
          >
            Waiting
          </button>
        </li>
      </ul>
      {tags.length > 0 && (
        <>
          <h3 class="side-subhead">By tag</h3>
          <ul class="side-list">
            {tags.map((t) => (
              <li key={t.tag}>
                <button
                  type="button"
                  class="side-item"
                  aria-pressed={filters.contactTag === t.tag}
                  onClick={() => choose({ contactTag: t.tag }, filters.contactTag !== t.tag)}
                >
                  #{t.tag} <span class="muted small">{t.count}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {triggers.length > 0 && (
        <>
          <h3 class="side-subhead">By trigger</h3>
          <ul class="side-list">
            {triggers.map((t) => (
              <li key={t.id}>
                <button
                  type="button"
                  class="side-item"
                  aria-pressed={filters.triggerId === t.id}
                  onClick={() => choose({ triggerId: t.id }, filters.triggerId !== t.id)}
                >
                  {t.name}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
