// Where reporting events, cycles and rollups are written. A reporting event is inserted once (its id is the
// domain event's), the conversation's version is bumped in the same batch, and its cycles are written only if
// that version is still current, so concurrent deliveries for one conversation can never leave stale cycles.
import type { Db } from '../db/client';
import type { AnalyticsEventKind, BusinessInterval } from '../db/schema';
import type { DomainEvent } from '../events/types';
import { type Calendar, type Cycle, deriveCycles, type ReportingEvent } from './cycles';
import { rebuildDayStatements, type Statement } from './rollups';
import { dayWindow, localDay } from './time';

/**
 * A reporting event as its domain event tells it. What the event does not carry is read by the statement that
 * stores it, from the rows D1 holds then (a customer message's language is settled by then: see the subscriber).
 */
export interface ReportingDraft {
  id: string;
  organizationId: string;
  conversationId: string;
  occurredAt: number;
  kind: AnalyticsEventKind;
  agentId: string | null;
  messageId: string | null;
  /** The event's channel, or null for the conversation's (a status change): no conversation, no reporting event. */
  channelId: string | null;
  /** The language is the message's (customer messages); otherwise none. */
  languageOfMessage: boolean;
  /** Counted only when the message is an AI draft (approvals: an agent's held reply was counted when written). */
  onlyAiMessage: boolean;
}

const prepare = (d1: D1Database, s: Statement) => d1.prepare(s.sql).bind(...s.params);

interface SettingsRow {
  time_zone: string;
  business_hours: string | null;
}

const SETTINGS = 'SELECT organization_id, time_zone, business_hours FROM organization_settings';

const toCalendar = (row: SettingsRow | null | undefined): Calendar => ({
  timeZone: row?.time_zone ?? 'UTC',
  businessHours: row?.business_hours ? (JSON.parse(row.business_hours) as BusinessInterval[]) : null,
});

export async function loadCalendar(d1: D1Database, organizationId: string): Promise<Calendar> {
  return toCalendar(
    await d1.prepare(`${SETTINGS} WHERE organization_id = ?`).bind(organizationId).first<SettingsRow>(),
  );
}

/**
 * The calendars of a queue batch's organisations, read once for the batch (`FanOutContext.once`). No domain event
 * or subscriber changes them: only the settings API does, and a change it makes while the batch runs is caught
 * where it matters — `recordEvent` reads the time zone in the batch that marks the event's day and marks it again
 * if it moved, and `deriveConversations` reads the calendar with the versions its writes are guarded by.
 */
export async function calendarsOf(db: Db, events: readonly DomainEvent[]): Promise<Map<string, Calendar>> {
  const d1 = db.$client;
  const ids = [...new Set(events.map((event) => event.organizationId))];
  const rows: (SettingsRow & { organization_id: string })[] = [];
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    const { results } = await d1
      .prepare(`${SETTINGS} WHERE organization_id IN (${chunk.map(() => '?').join(', ')})`)
      .bind(...chunk)
      .all<SettingsRow & { organization_id: string }>();
    rows.push(...results);
  }
  const byOrganization = new Map(rows.map((row) => [row.organization_id, row]));
  return new Map(ids.map((id) => [id, toCalendar(byOrganization.get(id))]));
}

function markDays(organizationId: string, days: Iterable<string>, ifRecorded?: string): Statement[] {
  // `ifRecorded`: only once that reporting event is stored (its statement may have found nothing to count).
  const when = ifRecorded ? 'WHERE EXISTS (SELECT 1 FROM analytics_events WHERE id = ?)' : 'WHERE true';
  return [...new Set(days)].map((day) => ({
    sql: `INSERT INTO analytics_dirty_days (organization_id, day, generation) SELECT ?, ?, 1 ${when}
          ON CONFLICT (organization_id, day) DO UPDATE SET generation = generation + 1`,
    params: [organizationId, day, ...(ifRecorded ? [ifRecorded] : [])],
  }));
}

/** The statement that stores a reporting event once, reading from D1 what the domain event does not carry. */
function insertStatement(d1: D1Database, event: ReportingDraft): D1PreparedStatement {
  // ?1 id, ?2 organisation, ?3 conversation, ?4 channel, ?5 kind, ?6 agent, ?7 message, ?8 occurred at.
  const channel = event.channelId
    ? '?4'
    : '(SELECT channel_id FROM conversations WHERE id = ?3 AND organization_id = ?2)';
  const message = (column: string) => `(SELECT ${column} FROM messages WHERE id = ?7 AND organization_id = ?2)`;
  const conditions = [`${channel} IS NOT NULL`, ...(event.onlyAiMessage ? [`${message('sender_type')} = 'AI'`] : [])];
  return d1
    .prepare(
      `INSERT INTO analytics_events (id, organization_id, conversation_id, channel_id, kind, agent_id, language, message_id, occurred_at)
       SELECT ?1, ?2, ?3, ${channel}, ?5, ?6, ${event.languageOfMessage ? message('language') : 'NULL'}, ?7, ?8
       WHERE ${conditions.join(' AND ')}
       ON CONFLICT (id) DO NOTHING`,
    )
    .bind(
      event.id,
      event.organizationId,
      event.conversationId,
      event.channelId,
      event.kind,
      event.agentId,
      event.messageId,
      event.occurredAt,
    );
}

/**
 * Stores a reporting event (a second delivery changes nothing) and marks its conversation for derivation, in one
 * D1 batch. True when the reporting event is stored (false: D1 says there is nothing to count in it).
 */
export async function recordEvent(d1: D1Database, event: ReportingDraft, calendar: Calendar): Promise<boolean> {
  const day = (timeZone: string) =>
    markDays(event.organizationId, [localDay(timeZone, event.occurredAt)], event.id).map((s) => prepare(d1, s));
  const results = await d1.batch<{ time_zone: string }>([
    insertStatement(d1, event),
    d1
      .prepare(
        `INSERT INTO analytics_conversations (conversation_id, organization_id, version, derived_version)
         SELECT ?, ?, 1, 0 WHERE EXISTS (SELECT 1 FROM analytics_events WHERE id = ?)
         ON CONFLICT (conversation_id) DO UPDATE SET version = version + 1`,
      )
      .bind(event.conversationId, event.organizationId, event.id),
    ...day(calendar.timeZone),
    d1
      .prepare(
        `SELECT COALESCE((SELECT time_zone FROM organization_settings WHERE organization_id = ?), 'UTC') AS time_zone`,
      )
      .bind(event.organizationId),
  ]);
  const recorded = (results[1]?.meta.changes ?? 0) > 0;
  // The time zone changed since `calendar` was read: the day is the one in the new zone (the settings change
  // marked the days of the events stored before it, not this one's).
  const timeZone = results.at(-1)?.results[0]?.time_zone ?? calendar.timeZone;
  if (recorded && timeZone !== calendar.timeZone) await d1.batch(day(timeZone));
  return recorded;
}

const CYCLE_COLUMNS = [
  'organization_id',
  'conversation_id',
  'cycle',
  'channel_id',
  'kind',
  'started_at',
  'waiting_since',
  'first_reply_at',
  'first_reply_by',
  'first_reply_agent_id',
  'frt_ms',
  'frt_business_ms',
  'resolved_at',
  'resolved_by_id',
  'resolution_ms',
  'resolution_business_ms',
  'replies',
  'human_replied',
  'ai_replied',
  'ai_involved',
] as const;

function cycleValues(organizationId: string, conversationId: string, c: Cycle): (string | number | null)[] {
  return [
    organizationId,
    conversationId,
    c.cycle,
    c.channelId,
    c.kind,
    c.startedAt,
    c.waitingSince,
    c.firstReplyAt,
    c.firstReplyBy,
    c.firstReplyAgentId,
    c.frtMs,
    c.frtBusinessMs,
    c.resolvedAt,
    c.resolvedById,
    c.resolutionMs,
    c.resolutionBusinessMs,
    c.replies,
    c.humanReplied ? 1 : 0,
    c.aiReplied ? 1 : 0,
    c.aiInvolved ? 1 : 0,
  ];
}

/** The instants a cycle contributes to rollups: their days change when the cycle does. */
function cycleInstants(c: { startedAt: number; firstReplyAt: number | null; resolvedAt: number | null }): number[] {
  return [c.startedAt, c.firstReplyAt, c.resolvedAt].filter((t): t is number => t !== null);
}

/** The SQL that replaces a conversation's cycles, guarded by the version the derivation read. */
export function cycleStatements(
  organizationId: string,
  conversationId: string,
  version: number,
  cycles: readonly Cycle[],
): Statement[] {
  const guard = '(SELECT version FROM analytics_conversations WHERE conversation_id = ?) = ?';
  return [
    {
      sql: `DELETE FROM analytics_cycles WHERE conversation_id = ? AND ${guard}`,
      params: [conversationId, conversationId, version],
    },
    ...cycles.map((c) => ({
      sql: `INSERT INTO analytics_cycles (${CYCLE_COLUMNS.join(', ')}) SELECT ${CYCLE_COLUMNS.map(() => '?').join(', ')} WHERE ${guard}`,
      params: [...cycleValues(organizationId, conversationId, c), conversationId, version] as (string | number)[],
    })),
    {
      sql: 'UPDATE analytics_conversations SET derived_version = ? WHERE conversation_id = ? AND version = ?',
      params: [version, conversationId, version],
    },
  ];
}

interface EventRow {
  id: string;
  conversation_id: string;
  kind: AnalyticsEventKind;
  channel_id: string;
  agent_id: string | null;
  occurred_at: number;
}

interface OldCycleRow {
  conversation_id: string;
  started_at: number;
  first_reply_at: number | null;
  resolved_at: number | null;
}

/** Conversations per read: three IN lists of this many ids stay under D1's 100 bound parameters. */
const DERIVE_CHUNK = 90;

/**
 * Re-derives conversations' cycles from their events and marks the days whose figures that moves. Each
 * conversation's write is guarded by the version read with its events, so a concurrent newer event wins.
 */
export async function deriveConversations(
  d1: D1Database,
  organizationId: string,
  conversationIds: readonly string[],
): Promise<void> {
  for (let i = 0; i < conversationIds.length; i += DERIVE_CHUNK) {
    const ids = conversationIds.slice(i, i + DERIVE_CHUNK);
    const list = ids.map(() => '?').join(', ');
    // The calendar is read with the versions: a settings change bumps every version in the same batch as the
    // settings, so cycles written under a version were derived with that version's calendar.
    const [settingsRows, versionRows, eventRows, oldRows] = await d1.batch([
      d1.prepare(`${SETTINGS} WHERE organization_id = ?`).bind(organizationId),
      d1
        .prepare(
          `SELECT conversation_id, version FROM analytics_conversations WHERE organization_id = ? AND conversation_id IN (${list})`,
        )
        .bind(organizationId, ...ids),
      d1
        .prepare(
          `SELECT id, conversation_id, kind, channel_id, agent_id, occurred_at FROM analytics_events
           WHERE organization_id = ? AND conversation_id IN (${list})`,
        )
        .bind(organizationId, ...ids),
      d1
        .prepare(
          `SELECT conversation_id, started_at, first_reply_at, resolved_at FROM analytics_cycles
           WHERE organization_id = ? AND conversation_id IN (${list})`,
        )
        .bind(organizationId, ...ids),
    ]);
    const calendar = toCalendar(settingsRows!.results[0] as SettingsRow | undefined);
    const events = new Map<string, ReportingEvent[]>();
    for (const r of eventRows!.results as unknown as EventRow[]) {
      const list = events.get(r.conversation_id) ?? [];
      list.push({ id: r.id, kind: r.kind, channelId: r.channel_id, agentId: r.agent_id, occurredAt: r.occurred_at });
      events.set(r.conversation_id, list);
    }
    const days = new Set<string>();
    for (const r of oldRows!.results as unknown as OldCycleRow[]) {
      for (const t of cycleInstants({
        startedAt: r.started_at,
        firstReplyAt: r.first_reply_at,
        resolvedAt: r.resolved_at,
      }))
        days.add(localDay(calendar.timeZone, t));
    }
    const statements: Statement[] = [];
    for (const { conversation_id, version } of versionRows!.results as { conversation_id: string; version: number }[]) {
      const cycles = deriveCycles(events.get(conversation_id) ?? [], calendar);
      for (const t of cycles.flatMap(cycleInstants)) days.add(localDay(calendar.timeZone, t));
      statements.push(...cycleStatements(organizationId, conversation_id, version, cycles));
    }
    statements.push(...markDays(organizationId, days));
    if (statements.length) await d1.batch(statements.map((s) => prepare(d1, s)));
  }
}

/** Conversations re-derived per flush; the rest wait for the next flush (the minute cron or a report). */
const DERIVE_BATCH = 900;
/** Days rebuilt per flush. */
const DAYS_BATCH = 400;

export interface FlushResult {
  /** Conversations whose cycles still wait for derivation (after a settings change on a large account). */
  pendingConversations: number;
  pendingDays: number;
}

/** Brings an organisation's cycles and rollups up to date with its events (as far as one batch goes). */
export async function flushOrganization(d1: D1Database, organizationId: string): Promise<FlushResult> {
  const calendar = await loadCalendar(d1, organizationId);
  const stale = await d1
    .prepare(
      'SELECT conversation_id FROM analytics_conversations WHERE organization_id = ? AND derived_version < version LIMIT ?',
    )
    .bind(organizationId, DERIVE_BATCH + 1)
    .all<{ conversation_id: string }>();
  await deriveConversations(
    d1,
    organizationId,
    stale.results.slice(0, DERIVE_BATCH).map((r) => r.conversation_id),
  );
  // Days are rebuilt once their conversations are derived: a day rebuilt before would be marked again.
  const dirty = await d1
    .prepare('SELECT day, generation FROM analytics_dirty_days WHERE organization_id = ? ORDER BY day LIMIT ?')
    .bind(organizationId, stale.results.length > DERIVE_BATCH ? 0 : DAYS_BATCH + 1)
    .all<{ day: string; generation: number }>();
  for (const { day, generation } of dirty.results.slice(0, DAYS_BATCH)) {
    const statements = [
      ...rebuildDayStatements(organizationId, dayWindow(calendar.timeZone, day)),
      {
        sql: 'DELETE FROM analytics_dirty_days WHERE organization_id = ? AND day = ? AND generation = ?',
        params: [organizationId, day, generation],
      },
    ];
    await d1.batch(statements.map((s) => prepare(d1, s)));
  }
  const [left] = await d1.batch([
    d1
      .prepare(
        `SELECT (SELECT COUNT(*) FROM analytics_conversations WHERE organization_id = ?1 AND derived_version < version) AS conversations,
                (SELECT COUNT(*) FROM analytics_dirty_days WHERE organization_id = ?1) AS days`,
      )
      .bind(organizationId),
  ]);
  const counts = left!.results[0] as { conversations: number; days: number };
  return { pendingConversations: counts.conversations, pendingDays: counts.days };
}

/** The minute cron: every organisation with stale cycles or dirty days, a batch each. */
export async function flushAll(d1: D1Database, maxOrganizations = 50): Promise<void> {
  const orgs = await d1
    .prepare(
      `SELECT organization_id FROM analytics_dirty_days
       UNION SELECT organization_id FROM analytics_conversations WHERE derived_version < version LIMIT ?`,
    )
    .bind(maxOrganizations)
    .all<{ organization_id: string }>();
  for (const { organization_id } of orgs.results) await flushOrganization(d1, organization_id);
}

/**
 * After a time-zone or business-hours change (or when asked to rebuild) every figure moves: all cycles are re-derived (business time)
 * and every day with events is rebuilt in the new zone. Written in one batch with the settings themselves.
 */
export async function invalidateOrganization(
  d1: D1Database,
  organizationId: string,
  timeZone: string,
  settingsWrite?: D1PreparedStatement,
): Promise<void> {
  const span = await d1
    .prepare(
      'SELECT MIN(occurred_at) AS first, MAX(occurred_at) AS last FROM analytics_events WHERE organization_id = ?',
    )
    .bind(organizationId)
    .first<{ first: number | null; last: number | null }>();
  const days: string[] = [];
  if (span?.first != null && span.last != null) {
    for (let day = localDay(timeZone, span.first); day <= localDay(timeZone, span.last); ) {
      days.push(day);
      day = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    }
  }
  await d1.batch([
    ...(settingsWrite ? [settingsWrite] : []),
    d1.prepare('DELETE FROM analytics_daily WHERE organization_id = ?').bind(organizationId),
    d1.prepare('DELETE FROM analytics_dirty_days WHERE organization_id = ?').bind(organizationId),
    d1
      .prepare('UPDATE analytics_conversations SET version = version + 1 WHERE organization_id = ?')
      .bind(organizationId),
    ...markDays(organizationId, days).map((s) => prepare(d1, s)),
  ]);
}
