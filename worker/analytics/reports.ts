// The four reports (overview, conversations, agents, AI) and the per-conversation rows. Counts and sums come
// from the daily rollups; medians and p90 from the cycles (one row per opening or reopening, never the message
// table). Each report first flushes the organisation's pending rollups, so every report reads the same figures.
import { ValidationError } from '../lib/errors';
import type { Calendar } from './cycles';
import { flushOrganization, loadCalendar } from './store';
import { addDays, daysBetween, isoWeekday, localDay, localInstant } from './time';

export const MAX_RANGE_DAYS = 366;

export interface ReportFilters {
  from?: string;
  to?: string;
  channelId?: string;
  agentId?: string;
  /** Response and resolution times counted in business hours only. */
  businessTime?: boolean;
}

interface Range {
  from: string;
  to: string;
  start: number;
  end: number;
}

interface Scope {
  organizationId: string;
  calendar: Calendar;
  current: Range;
  previous: Range;
  channelId?: string;
  agentId?: string;
  businessTime: boolean;
  pending: { conversations: number; days: number };
}

function range(calendar: Calendar, from: string, to: string): Range {
  return {
    from,
    to,
    start: localInstant(calendar.timeZone, from),
    end: localInstant(calendar.timeZone, addDays(to, 1)),
  };
}

async function scope(d1: D1Database, organizationId: string, filters: ReportFilters): Promise<Scope> {
  const calendar = await loadCalendar(d1, organizationId);
  const to = filters.to ?? localDay(calendar.timeZone, Date.now());
  const from = filters.from ?? addDays(to, -29);
  const length = daysBetween(from, to) + 1;
  if (length < 1) throw ValidationError.field('from', 'from must be on or before to');
  if (length > MAX_RANGE_DAYS) throw ValidationError.field('to', `A report covers at most ${MAX_RANGE_DAYS} days`);
  if (filters.businessTime && !calendar.businessHours?.length) {
    throw ValidationError.field('businessTime', 'Set business hours first (PUT /api/analytics/settings)');
  }
  const pending = await flushOrganization(d1, organizationId);
  return {
    organizationId,
    calendar,
    current: range(calendar, from, to),
    previous: range(calendar, addDays(from, -length), addDays(from, -1)),
    channelId: filters.channelId,
    agentId: filters.agentId,
    businessTime: Boolean(filters.businessTime),
    pending: { conversations: pending.pendingConversations, days: pending.pendingDays },
  };
}

type Totals = Map<string, number>;
const key = (metric: string, dim = '') => `${metric}|${dim}`;
const get = (t: Totals, metric: string, dim?: string) => t.get(key(metric, dim)) ?? 0;
/** Approved AI drafts, edited before approval or not. */
const approvedDrafts = (t: Totals) => get(t, 'AI_DRAFT_APPROVED') + get(t, 'AI_DRAFT_EDITED');
/** Replies that reached the customer: agents', the AI's and approved drafts. */
const repliesSent = (t: Totals) => get(t, 'AGENT_REPLY') + get(t, 'AI_REPLY') + approvedDrafts(t);

function rollupWhere(s: Scope, options: { agent?: boolean } = {}) {
  const clauses = ['organization_id = ?'];
  const params: (string | number)[] = [s.organizationId];
  if (s.channelId) {
    clauses.push('channel_id = ?');
    params.push(s.channelId);
  }
  if (s.agentId && options.agent !== false) {
    clauses.push('agent_id = ?');
    params.push(s.agentId);
  }
  return { clauses, params };
}

async function totals(d1: D1Database, s: Scope, r: Range, groupBy: '' | 'agent_id' | 'channel_id' | 'day' = '') {
  const { clauses, params } = rollupWhere(s);
  const extra = groupBy ? `${groupBy}, ` : '';
  const rows = await d1
    .prepare(
      `SELECT ${extra}metric, dim, SUM(value) AS value FROM analytics_daily
       WHERE ${clauses.join(' AND ')} AND day >= ? AND day <= ? GROUP BY ${extra}metric, dim`,
    )
    .bind(...params, r.from, r.to)
    .all<{ metric: string; dim: string; value: number; agent_id?: string; channel_id?: string; day?: string }>();
  const grouped = new Map<string, Totals>();
  for (const row of rows.results) {
    const g = groupBy ? String(row[groupBy]) : '';
    const t = grouped.get(g) ?? new Map<string, number>();
    grouped.set(g, t);
    t.set(key(row.metric, row.dim), row.value);
  }
  return grouped;
}

export interface TimeStats {
  count: number;
  meanMs: number | null;
  medianMs: number | null;
  p90Ms: number | null;
}

type TimeKind = 'firstResponse' | 'resolution';

function timeColumns(kind: TimeKind, business: boolean) {
  return kind === 'firstResponse'
    ? { at: 'first_reply_at', value: business ? 'frt_business_ms' : 'frt_ms', agent: 'first_reply_agent_id' }
    : { at: 'resolved_at', value: business ? 'resolution_business_ms' : 'resolution_ms', agent: 'resolved_by_id' };
}

/**
 * Mean, median and p90 (nearest rank: the value at rank ⌈p·n⌉ of the n sorted values) per group, from the
 * cycles whose reply (or resolution) falls in the range, for the whole scope or per agent or channel.
 */
async function timeStats(
  d1: D1Database,
  s: Scope,
  r: Range,
  kind: TimeKind,
  by: 'agent' | 'channel' | null = null,
): Promise<Map<string, TimeStats>> {
  const col = timeColumns(kind, s.businessTime);
  const clauses = ['organization_id = ?', `${col.at} >= ?`, `${col.at} < ?`, `${col.value} IS NOT NULL`];
  const params: (string | number)[] = [s.organizationId, r.start, r.end];
  if (s.channelId) {
    clauses.push('channel_id = ?');
    params.push(s.channelId);
  }
  if (s.agentId) {
    clauses.push(`${col.agent} = ?`);
    params.push(s.agentId);
  }
  const group = by === 'agent' ? `COALESCE(${col.agent}, '')` : by === 'channel' ? 'channel_id' : "''";
  const rows = await d1
    .prepare(
      `WITH ranked AS (
         SELECT ${group} AS g, ${col.value} AS v,
           ROW_NUMBER() OVER (PARTITION BY ${group} ORDER BY ${col.value}) AS rn,
           COUNT(*) OVER (PARTITION BY ${group}) AS n,
           AVG(${col.value}) OVER (PARTITION BY ${group}) AS mean
         FROM analytics_cycles WHERE ${clauses.join(' AND ')})
       SELECT g, n, mean,
         MAX(CASE WHEN rn = (50 * n + 99) / 100 THEN v END) AS median,
         MAX(CASE WHEN rn = (90 * n + 99) / 100 THEN v END) AS p90
       FROM ranked GROUP BY g`,
    )
    .bind(...params)
    .all<{ g: string; n: number; mean: number; median: number; p90: number }>();
  return new Map(
    rows.results.map((row) => [
      row.g,
      { count: row.n, meanMs: Math.round(row.mean), medianMs: row.median, p90Ms: row.p90 },
    ]),
  );
}

const EMPTY_STATS: TimeStats = { count: 0, meanMs: null, medianMs: null, p90Ms: null };
const ratio = (a: number, b: number) => (b ? a / b : null);

/** Open conversations at the end of the day before `day` (openings and reopenings minus resolutions). */
async function backlogBefore(d1: D1Database, s: Scope, day: string): Promise<number> {
  const { clauses, params } = rollupWhere(s, { agent: false });
  const row = await d1
    .prepare(
      `SELECT COALESCE(SUM(CASE metric WHEN 'CYCLES_STARTED' THEN value ELSE -value END), 0) AS backlog
       FROM analytics_daily WHERE ${clauses.join(' AND ')} AND day < ? AND metric IN ('CYCLES_STARTED', 'RESOLUTION_COUNT')`,
    )
    .bind(...params, day)
    .first<{ backlog: number }>();
  return row?.backlog ?? 0;
}

async function backlogAt(d1: D1Database, s: Scope, day: string) {
  return backlogBefore(d1, s, addDays(day, 1));
}

export interface Figures {
  newConversations: number;
  reopened: number;
  resolutions: number;
  backlog: number;
  customerMessages: number;
  replies: number;
  firstResponse: TimeStats;
  resolutionTime: TimeStats;
  repliesPerResolution: number | null;
  aiAnsweredShare: number | null;
  aiResolutionRate: number | null;
}

async function figures(d1: D1Database, s: Scope, r: Range): Promise<Figures> {
  const t = (await totals(d1, s, r)).get('') ?? new Map();
  const [frt, resolution, backlog] = await Promise.all([
    timeStats(d1, s, r, 'firstResponse'),
    timeStats(d1, s, r, 'resolution'),
    backlogAt(d1, s, r.to),
  ]);
  return {
    newConversations: get(t, 'OPENED'),
    reopened: get(t, 'REOPENED'),
    resolutions: get(t, 'RESOLVED'),
    backlog,
    customerMessages: get(t, 'CUSTOMER_MESSAGE'),
    replies: repliesSent(t),
    firstResponse: frt.get('') ?? EMPTY_STATS,
    resolutionTime: resolution.get('') ?? EMPTY_STATS,
    repliesPerResolution: ratio(get(t, 'RESOLVED_REPLIES'), get(t, 'RESOLUTION_COUNT')),
    aiAnsweredShare: ratio(get(t, 'AI_ANSWERED'), get(t, 'CYCLES_STARTED')),
    aiResolutionRate: ratio(get(t, 'AI_RESOLVED_ALONE'), get(t, 'AI_INVOLVED')),
  };
}

function header(s: Scope) {
  return {
    range: { from: s.current.from, to: s.current.to, timeZone: s.calendar.timeZone },
    previousRange: { from: s.previous.from, to: s.previous.to },
    filters: { channelId: s.channelId ?? null, agentId: s.agentId ?? null, businessTime: s.businessTime },
    pending: s.pending,
  };
}

export async function overviewReport(d1: D1Database, organizationId: string, filters: ReportFilters) {
  const s = await scope(d1, organizationId, filters);
  const [current, previous] = await Promise.all([figures(d1, s, s.current), figures(d1, s, s.previous)]);
  return { ...header(s), current, previous };
}

async function channelNames(d1: D1Database, organizationId: string) {
  const rows = await d1
    .prepare('SELECT id, name, type FROM channels WHERE organization_id = ?')
    .bind(organizationId)
    .all<{ id: string; name: string; type: string }>();
  return new Map(rows.results.map((r) => [r.id, r]));
}

function listDays(r: Range): string[] {
  const days: string[] = [];
  for (let day = r.from; day <= r.to; day = addDays(day, 1)) days.push(day);
  return days;
}

export async function conversationsReport(d1: D1Database, organizationId: string, filters: ReportFilters) {
  const s = await scope(d1, organizationId, filters);
  const [
    byDay,
    byChannel,
    previousByChannel,
    frtByChannel,
    previousFrtByChannel,
    all,
    previous,
    startBacklog,
    channels,
  ] = await Promise.all([
    totals(d1, s, s.current, 'day'),
    totals(d1, s, s.current, 'channel_id'),
    totals(d1, s, s.previous, 'channel_id'),
    timeStats(d1, s, s.current, 'firstResponse', 'channel'),
    timeStats(d1, s, s.previous, 'firstResponse', 'channel'),
    totals(d1, s, s.current),
    totals(d1, s, s.previous),
    backlogBefore(d1, s, s.current.from),
    channelNames(d1, organizationId),
  ]);
  // The backlog ignores the agent filter: an open conversation belongs to no one agent's activity.
  const backlogDeltas = s.agentId ? await totals(d1, { ...s, agentId: undefined }, s.current, 'day') : byDay;
  let backlog = startBacklog;
  const days = listDays(s.current).map((day) => {
    const t = byDay.get(day) ?? new Map();
    const b = backlogDeltas.get(day) ?? new Map();
    backlog += get(b, 'CYCLES_STARTED') - get(b, 'RESOLUTION_COUNT');
    return {
      day,
      newConversations: get(t, 'OPENED'),
      reopened: get(t, 'REOPENED'),
      resolutions: get(t, 'RESOLVED'),
      backlog,
      customerMessages: get(t, 'CUSTOMER_MESSAGE'),
    };
  });
  const t = all.get('') ?? new Map();
  const p = previous.get('') ?? new Map();
  const languages = [...t]
    .filter(([k]) => k.startsWith('CUSTOMER_MESSAGE_LANGUAGE|'))
    .map(([k, messages]) => ({ language: k.split('|')[1] || null, messages }))
    .sort((a, b) => b.messages - a.messages);
  // Weekday × hour of the customer's messages, in the organisation's time zone.
  const heat = new Map<string, number>();
  for (const [day, dt] of byDay) {
    const weekday = isoWeekday(day);
    for (const [k, v] of dt) {
      if (!k.startsWith('CUSTOMER_MESSAGE_HOUR|')) continue;
      const hk = `${weekday}|${Number(k.split('|')[1])}`;
      heat.set(hk, (heat.get(hk) ?? 0) + v);
    }
  }
  const heatmap = [...heat].map(([k, messages]) => {
    const [weekday, hour] = k.split('|').map(Number);
    return { weekday: weekday!, hour: hour!, messages };
  });
  heatmap.sort((a, b) => a.weekday - b.weekday || a.hour - b.hour);
  // Every channel with activity in either period, each figure beside the previous period's.
  const channelRows = [...new Set([...byChannel.keys(), ...previousByChannel.keys()])].map((channelId) => {
    const ct = byChannel.get(channelId) ?? new Map();
    const cp = previousByChannel.get(channelId) ?? new Map();
    return {
      channelId,
      name: channels.get(channelId)?.name ?? null,
      type: channels.get(channelId)?.type ?? null,
      newConversations: get(ct, 'OPENED'),
      previousNewConversations: get(cp, 'OPENED'),
      resolutions: get(ct, 'RESOLVED'),
      previousResolutions: get(cp, 'RESOLVED'),
      customerMessages: get(ct, 'CUSTOMER_MESSAGE'),
      previousCustomerMessages: get(cp, 'CUSTOMER_MESSAGE'),
      replies: repliesSent(ct),
      previousReplies: repliesSent(cp),
      firstResponse: frtByChannel.get(channelId) ?? EMPTY_STATS,
      previousFirstResponse: previousFrtByChannel.get(channelId) ?? EMPTY_STATS,
    };
  });
  channelRows.sort(
    (a, b) =>
      b.newConversations - a.newConversations ||
      b.customerMessages - a.customerMessages ||
      (a.name ?? a.channelId).localeCompare(b.name ?? b.channelId),
  );
  return {
    ...header(s),
    totals: {
      newConversations: get(t, 'OPENED'),
      reopened: get(t, 'REOPENED'),
      resolutions: get(t, 'RESOLVED'),
      customerMessages: get(t, 'CUSTOMER_MESSAGE'),
      replies: repliesSent(t),
    },
    previousTotals: {
      newConversations: get(p, 'OPENED'),
      reopened: get(p, 'REOPENED'),
      resolutions: get(p, 'RESOLVED'),
      customerMessages: get(p, 'CUSTOMER_MESSAGE'),
      replies: repliesSent(p),
    },
    days,
    channels: channelRows,
    languages,
    heatmap,
  };
}

async function memberNames(d1: D1Database, organizationId: string) {
  const rows = await d1
    .prepare('SELECT u.id, u.name FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = ?')
    .bind(organizationId)
    .all<{ id: string; name: string }>();
  return new Map(rows.results.map((r) => [r.id, r.name]));
}

export async function agentsReport(d1: D1Database, organizationId: string, filters: ReportFilters) {
  const s = await scope(d1, organizationId, filters);
  const [byAgent, previousByAgent, frt, previousFrt, resolution, previousResolution, names] = await Promise.all([
    totals(d1, s, s.current, 'agent_id'),
    totals(d1, s, s.previous, 'agent_id'),
    timeStats(d1, s, s.current, 'firstResponse', 'agent'),
    timeStats(d1, s, s.previous, 'firstResponse', 'agent'),
    timeStats(d1, s, s.current, 'resolution', 'agent'),
    timeStats(d1, s, s.previous, 'resolution', 'agent'),
    memberNames(d1, organizationId),
  ]);
  // Every member with activity in either period: one who stopped answering shows with the figures before.
  const agents = [...new Set([...byAgent.keys(), ...previousByAgent.keys()])].filter(
    (id) => id !== '' && names.has(id),
  );
  const rows = agents.map((agentId) => {
    const t = byAgent.get(agentId) ?? new Map();
    const p = previousByAgent.get(agentId) ?? new Map();
    return {
      agentId,
      name: names.get(agentId) ?? null,
      replies: get(t, 'AGENT_REPLY'),
      previousReplies: get(p, 'AGENT_REPLY'),
      resolutions: get(t, 'RESOLVED'),
      previousResolutions: get(p, 'RESOLVED'),
      reopened: get(t, 'REOPENED'),
      notes: get(t, 'NOTE'),
      draftsApproved: approvedDrafts(t),
      previousDraftsApproved: approvedDrafts(p),
      draftsEdited: get(t, 'AI_DRAFT_EDITED'),
      previousDraftsEdited: get(p, 'AI_DRAFT_EDITED'),
      draftsRejected: get(t, 'AI_DRAFT_REJECTED'),
      previousDraftsRejected: get(p, 'AI_DRAFT_REJECTED'),
      firstResponse: frt.get(agentId) ?? EMPTY_STATS,
      previousFirstResponse: previousFrt.get(agentId) ?? EMPTY_STATS,
      resolutionTime: resolution.get(agentId) ?? EMPTY_STATS,
      previousResolutionTime: previousResolution.get(agentId) ?? EMPTY_STATS,
      repliesPerResolution: ratio(get(t, 'RESOLVED_REPLIES'), get(t, 'RESOLUTION_COUNT')),
    };
  });
  rows.sort((a, b) => b.replies - a.replies || (a.name ?? '').localeCompare(b.name ?? ''));
  return { ...header(s), agents: rows };
}

/** Tokens spent by feature (the ledger's reason) in a range: the ledger has no channel or agent. */
async function tokensByReason(d1: D1Database, organizationId: string, r: Range) {
  const rows = await d1
    .prepare(
      `SELECT reason, -SUM(delta) AS tokens FROM token_ledger
       WHERE organization_id = ? AND created_at >= ? AND created_at < ? AND delta < 0 GROUP BY reason ORDER BY tokens DESC`,
    )
    .bind(organizationId, r.start, r.end)
    .all<{ reason: string; tokens: number }>();
  return rows.results;
}

function aiFigures(t: Totals, frtByAi: number) {
  return {
    conversations: get(t, 'CYCLES_STARTED'),
    aiInvolved: get(t, 'AI_INVOLVED'),
    aiAnswered: get(t, 'AI_ANSWERED'),
    aiResolvedAlone: get(t, 'AI_RESOLVED_ALONE'),
    aiAnsweredShare: ratio(get(t, 'AI_ANSWERED'), get(t, 'CYCLES_STARTED')),
    aiResolutionRate: ratio(get(t, 'AI_RESOLVED_ALONE'), get(t, 'AI_INVOLVED')),
    aiReplies: get(t, 'AI_REPLY') + approvedDrafts(t),
    firstResponsesByAi: frtByAi,
    /** `approved` includes the drafts an agent edited first; `edited` counts those alone. */
    drafts: {
      created: get(t, 'AI_DRAFT'),
      approved: approvedDrafts(t),
      edited: get(t, 'AI_DRAFT_EDITED'),
      rejected: get(t, 'AI_DRAFT_REJECTED'),
    },
  };
}

export async function aiReport(d1: D1Database, organizationId: string, filters: ReportFilters) {
  const s = await scope(d1, organizationId, filters);
  // AI figures are per conversation and channel: the agent filter applies to approvals and rejections only.
  const [cur, prev, curAgent, prevAgent, tokens, previousTokens] = await Promise.all([
    totals(d1, { ...s, agentId: undefined }, s.current),
    totals(d1, { ...s, agentId: undefined }, s.previous),
    totals(d1, s, s.current),
    totals(d1, s, s.previous),
    tokensByReason(d1, organizationId, s.current),
    tokensByReason(d1, organizationId, s.previous),
  ]);
  const t = cur.get('') ?? new Map();
  const p = prev.get('') ?? new Map();
  const current = aiFigures(t, get(t, 'FRT_COUNT', 'AI'));
  const previous = aiFigures(p, get(p, 'FRT_COUNT', 'AI'));
  if (s.agentId) {
    const ta = curAgent.get('') ?? new Map();
    const pa = prevAgent.get('') ?? new Map();
    current.drafts.approved = approvedDrafts(ta);
    current.drafts.edited = get(ta, 'AI_DRAFT_EDITED');
    current.drafts.rejected = get(ta, 'AI_DRAFT_REJECTED');
    previous.drafts.approved = approvedDrafts(pa);
    previous.drafts.edited = get(pa, 'AI_DRAFT_EDITED');
    previous.drafts.rejected = get(pa, 'AI_DRAFT_REJECTED');
  }
  return { ...header(s), current, previous, tokens, previousTokens };
}

/**
 * Per-conversation rows (one per opening or reopening that started in the range), for export. A range with more
 * than MAX_EXPORT_ROWS of them is refused (with the count) rather than exported cut short.
 */
export const MAX_EXPORT_ROWS = 50_000;

export async function cycleRows(d1: D1Database, organizationId: string, filters: ReportFilters) {
  const s = await scope(d1, organizationId, filters);
  const clauses = ['c.organization_id = ?', 'c.started_at >= ?', 'c.started_at < ?'];
  const params: (string | number)[] = [organizationId, s.current.start, s.current.end];
  if (s.channelId) {
    clauses.push('c.channel_id = ?');
    params.push(s.channelId);
  }
  if (s.agentId) {
    clauses.push('(c.first_reply_agent_id = ? OR c.resolved_by_id = ?)');
    params.push(s.agentId, s.agentId);
  }
  const rows = await d1
    .prepare(
      `SELECT c.conversation_id, c.cycle, c.kind, c.channel_id, ch.name AS channel_name, c.started_at, c.first_reply_at,
         c.first_reply_by, c.first_reply_agent_id, c.frt_ms, c.frt_business_ms, c.resolved_at, c.resolved_by_id,
         c.resolution_ms, c.resolution_business_ms, c.replies, c.human_replied, c.ai_replied, c.ai_involved
       FROM analytics_cycles c LEFT JOIN channels ch ON ch.id = c.channel_id
       WHERE ${clauses.join(' AND ')} ORDER BY c.started_at LIMIT ?`,
    )
    .bind(...params, MAX_EXPORT_ROWS + 1)
    .all<Record<string, string | number | null>>();
  if (rows.results.length > MAX_EXPORT_ROWS) {
    throw ValidationError.field(
      'from',
      `More than ${MAX_EXPORT_ROWS.toLocaleString('en')} conversations started in this range: export a shorter range`,
    );
  }
  return { ...header(s), rows: rows.results };
}
