// Where reporting events, cycles and rollups are written. A reporting event is inserted once (its id is the
// domain event's), the conversation's version is bumped in the same batch, and its cycles are written only if
// that version is still current, so concurrent deliveries for one conversation can never leave stale cycles.
import type { AnalyticsEventKind, BusinessInterval } from '../db/schema';
import { type Calendar, type Cycle, deriveCycles, type ReportingEvent } from './cycles';
import { rebuildDayStatements, type Statement } from './rollups';
import { dayWindow, localDay } from './time';

export interface NewReportingEvent extends ReportingEvent {
  organizationId: string;
  conversationId: string;
  language: string | null;
  messageId: string | null;
}

const prepare = (d1: D1Database, s: Statement) => d1.prepare(s.sql).bind(...s.params);

export async function loadCalendar(d1: D1Database, organizationId: string): Promise<Calendar> {
  const row = await d1
    .prepare('SELECT time_zone, business_hours FROM organization_settings WHERE organization_id = ?')
    .bind(organizationId)
    .first<{ time_zone: string; business_hours: string | null }>();
  return {
    timeZone: row?.time_zone ?? 'UTC',
    businessHours: row?.business_hours ? (JSON.parse(row.business_hours) as BusinessInterval[]) : null,
  };
}

function markDays(organizationId: string, days: Iterable<string>): Statement[] {
  return [...new Set(days)].map((day) => ({
    sql: `INSERT INTO analytics_dirty_days (organization_id, day, generation) VALUES (?, ?, 1)
          ON CONFLICT (organization_id, day) DO UPDATE SET generation = generation + 1`,
    params: [organizationId, day],
  }));
}

/** Stores a reporting event (a second delivery changes nothing) and marks its conversation for derivation. */
export async function recordEvent(d1: D1Database, event: NewReportingEvent, calendar: Calendar): Promise<void> {
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO analytics_events (id, organization_id, conversation_id, channel_id, kind, agent_id, language, message_id, occurred_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .bind(
        event.id,
        event.organizationId,
        event.conversationId,
        event.channelId,
        event.kind,
        event.agentId,
        event.language,
        event.messageId,
        event.occurredAt,
      ),
    d1
      .prepare(
        `INSERT INTO analytics_conversations (conversation_id, organization_id, version, derived_version) VALUES (?, ?, 1, 0)
         ON CONFLICT (conversation_id) DO UPDATE SET version = version + 1`,
      )
      .bind(event.conversationId, event.organizationId),
    ...markDays(event.organizationId, [localDay(calendar.timeZone, event.occurredAt)]).map((s) => prepare(d1, s)),
  ]);
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
  calendar: Calendar,
  organizationId: string,
  conversationIds: readonly string[],
): Promise<void> {
  for (let i = 0; i < conversationIds.length; i += DERIVE_CHUNK) {
    const ids = conversationIds.slice(i, i + DERIVE_CHUNK);
    const list = ids.map(() => '?').join(', ');
    const [versionRows, eventRows, oldRows] = await d1.batch([
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
    calendar,
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
