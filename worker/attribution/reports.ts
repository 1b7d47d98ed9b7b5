// Analytics → Posts and → Flows: per video and per flow, what automations did and the orders they drove, over
// local days [from, to] in the organisation's reporting time zone (analytics settings; default the last 30 days).
// - Comments: automation_comments by commented_at. DMs triggered: automation_dms sent (status SENT) by claim time.
// - Flow runs: automation_flow_runs by started_at; DMs sent: the bot messages of those runs (sent_count).
// - Orders: by the order's creation time; CANCELLED orders are left out. ordersAttributed and attributedRevenue
//   count ATTRIBUTED and CONFIRMED; SOFT (undecided) ones are reported apart (ordersSoft, softRevenue) and
//   REJECTED / ORGANIC ones not at all. Revenue is per currency: amounts in different currencies are never added.
// - Drop-off per step: of the runs (started in the range) that entered a block, the share whose last entered
//   block it is and that did not finish the flow (status other than DONE: waiting on an answer, handed off,
//   stopped). A step with no drop-off is 0; the flow's final block is 0 for runs that completed there.
// - A deleted flow (name null, deleted true) is listed while it has runs or counted or soft orders in the range.
import { loadCalendar } from '../analytics/store';
import { addDays, daysBetween, localDay, localInstant } from '../analytics/time';
import type { FlowRunStatus } from '../db/schema';
import { ValidationError } from '../lib/errors';
import { type Money, sumByCurrency } from './money';

export const MAX_RANGE_DAYS = 366;

export interface RangeFilters {
  from?: string;
  to?: string;
}

async function resolveRange(d1: D1Database, organizationId: string, filters: RangeFilters) {
  const { timeZone } = await loadCalendar(d1, organizationId);
  const to = filters.to ?? localDay(timeZone, Date.now());
  const from = filters.from ?? addDays(to, -29);
  const length = daysBetween(from, to) + 1;
  if (length < 1) throw ValidationError.field('from', 'from must be on or before to');
  if (length > MAX_RANGE_DAYS) throw ValidationError.field('to', `A report covers at most ${MAX_RANGE_DAYS} days`);
  return { from, to, timeZone, start: localInstant(timeZone, from), end: localInstant(timeZone, addDays(to, 1)) };
}

interface OrderRow {
  key: string;
  status: string;
  currency: string;
  n: number;
  minor: number;
}

/** Orders per post or flow (the key column), split by attribution status and currency. */
async function ordersBy(
  d1: D1Database,
  column: 'post_id' | 'flow_id',
  organizationId: string,
  start: number,
  end: number,
) {
  const { results } = await d1
    .prepare(
      `SELECT a.${column} AS key, a.status AS status, o.currency AS currency, count(*) AS n, sum(o.total_minor) AS minor
       FROM automation_order_attributions a JOIN automation_orders o ON o.id = a.order_id
       WHERE a.organization_id = ?1 AND o.organization_id = ?1 AND o.order_created_at >= ?2 AND o.order_created_at < ?3
         AND o.status <> 'CANCELLED' AND a.${column} IS NOT NULL AND a.status IN ('ATTRIBUTED', 'CONFIRMED', 'SOFT')
       GROUP BY a.${column}, a.status, o.currency`,
    )
    .bind(organizationId, start, end)
    .all<OrderRow>();
  const byKey = new Map<string, { counted: OrderRow[]; soft: OrderRow[] }>();
  for (const row of results) {
    const entry = byKey.get(row.key) ?? { counted: [], soft: [] };
    (row.status === 'SOFT' ? entry.soft : entry.counted).push(row);
    byKey.set(row.key, entry);
  }
  const of = (key: string) => {
    const entry = byKey.get(key) ?? { counted: [], soft: [] };
    return {
      ordersAttributed: entry.counted.reduce((n, r) => n + r.n, 0),
      attributedRevenue: sumByCurrency(entry.counted),
      ordersSoft: entry.soft.reduce((n, r) => n + r.n, 0),
      softRevenue: sumByCurrency(entry.soft),
    };
  };
  return Object.assign(of, { keys: [...byKey.keys()] });
}

/**
 * Sorting by revenue: amounts in different currencies cannot be compared, so rows are ordered by their revenue in
 * the report's main currency (the one with the most attributed revenue across all rows; a shop sells in one),
 * then by orders attributed.
 */
function byRevenue<T extends { attributedRevenue: Money[]; ordersAttributed: number }>(rows: T[]): T[] {
  const totals = new Map<string, number>();
  for (const row of rows) {
    for (const m of row.attributedRevenue) totals.set(m.currency, (totals.get(m.currency) ?? 0) + m.amountMinor);
  }
  const main = [...totals.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const revenue = (row: T) => row.attributedRevenue.find((m) => m.currency === main)?.amountMinor ?? 0;
  return [...rows].sort((a, b) => revenue(b) - revenue(a) || b.ordersAttributed - a.ordersAttributed);
}

export const POST_SORTS = ['revenue', 'orders', 'comments', 'dms'] as const;

export async function postsReport(
  d1: D1Database,
  organizationId: string,
  filters: RangeFilters & { sort?: (typeof POST_SORTS)[number] },
) {
  const range = await resolveRange(d1, organizationId, filters);
  const [comments, dms] = await Promise.all([
    d1
      .prepare(
        `SELECT post_id AS key, count(*) AS n FROM automation_comments
         WHERE organization_id = ?1 AND commented_at >= ?2 AND commented_at < ?3 GROUP BY post_id`,
      )
      .bind(organizationId, range.start, range.end)
      .all<{ key: string; n: number }>(),
    d1
      .prepare(
        `SELECT c.post_id AS key, count(*) AS n FROM automation_dms d
         JOIN automation_comments c ON c.organization_id = d.organization_id AND c.comment_id = d.comment_id
         WHERE d.organization_id = ?1 AND d.claimed_at >= ?2 AND d.claimed_at < ?3 AND d.dm_status = 'SENT'
         GROUP BY c.post_id`,
      )
      .bind(organizationId, range.start, range.end)
      .all<{ key: string; n: number }>(),
  ]);
  const orders = await ordersBy(d1, 'post_id', organizationId, range.start, range.end);
  const ordered = await d1
    .prepare(
      `SELECT DISTINCT a.post_id AS key FROM automation_order_attributions a JOIN automation_orders o ON o.id = a.order_id
       WHERE a.organization_id = ?1 AND o.organization_id = ?1 AND o.order_created_at >= ?2 AND o.order_created_at < ?3
         AND a.post_id IS NOT NULL`,
    )
    .bind(organizationId, range.start, range.end)
    .all<{ key: string }>();
  const commentCount = new Map(comments.results.map((r) => [r.key, r.n]));
  const dmCount = new Map(dms.results.map((r) => [r.key, r.n]));
  const ids = [...new Set([...commentCount.keys(), ...dmCount.keys(), ...ordered.results.map((r) => r.key)])];
  const posts = new Map<string, { caption: string | null; is_live: number; published_at: number }>();
  // Bound parameters stay under D1's limit of 100 a statement.
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    const { results } = await d1
      .prepare(
        `SELECT post_id, caption, is_live, published_at FROM automation_posts
         WHERE organization_id = ? AND post_id IN (${chunk.map(() => '?').join(', ')})`,
      )
      .bind(organizationId, ...chunk)
      .all<{ post_id: string; caption: string | null; is_live: number; published_at: number }>();
    for (const row of results) posts.set(row.post_id, row);
  }
  const rows = ids
    .map((postId) => {
      const post = posts.get(postId);
      return {
        postId,
        title: post?.caption?.trim() || `Video ${postId}`,
        isLive: post ? post.is_live === 1 : false,
        publishedAt: post ? new Date(post.published_at) : null,
        comments: commentCount.get(postId) ?? 0,
        dmsTriggered: dmCount.get(postId) ?? 0,
        ...orders(postId),
      };
    })
    .filter((row) => row.comments || row.dmsTriggered || row.ordersAttributed || row.ordersSoft);
  const sort = filters.sort ?? 'revenue';
  const sorted =
    sort === 'revenue'
      ? byRevenue(rows)
      : rows.sort((a, b) =>
          sort === 'orders'
            ? b.ordersAttributed - a.ordersAttributed
            : sort === 'dms'
              ? b.dmsTriggered - a.dmsTriggered
              : b.comments - a.comments,
        );
  return { range: { from: range.from, to: range.to, timeZone: range.timeZone }, sort, posts: sorted };
}

interface FlowBlock {
  id?: unknown;
  type?: unknown;
}

export const FLOW_SORTS = ['revenue', 'runs'] as const;

export async function flowsReport(
  d1: D1Database,
  organizationId: string,
  filters: RangeFilters & { sort?: (typeof FLOW_SORTS)[number] },
) {
  const range = await resolveRange(d1, organizationId, filters);
  const params = [organizationId, range.start, range.end] as const;
  const [flows, runs, reached, stopped] = await Promise.all([
    d1
      .prepare('SELECT id, name, blocks FROM automation_flows WHERE organization_id = ? ORDER BY created_at')
      .bind(organizationId)
      .all<{ id: string; name: string; blocks: string }>(),
    d1
      .prepare(
        `SELECT flow_id AS key, count(*) AS runs, coalesce(sum(sent_count), 0) AS sent FROM automation_flow_runs
         WHERE organization_id = ?1 AND started_at >= ?2 AND started_at < ?3 GROUP BY flow_id`,
      )
      .bind(...params)
      .all<{ key: string; runs: number; sent: number }>(),
    d1
      .prepare(
        `SELECT s.flow_id AS key, s.block_id AS block, count(DISTINCT s.run_id) AS n
         FROM automation_flow_steps s JOIN automation_flow_runs r ON r.id = s.run_id
         WHERE s.organization_id = ?1 AND r.organization_id = ?1 AND r.started_at >= ?2 AND r.started_at < ?3
         GROUP BY s.flow_id, s.block_id`,
      )
      .bind(...params)
      .all<{ key: string; block: string; n: number }>(),
    // The last block each unfinished run entered (by step sequence, then time).
    d1
      .prepare(
        `SELECT s.flow_id AS key, s.block_id AS block, count(*) AS n
         FROM automation_flow_steps s JOIN automation_flow_runs r ON r.id = s.run_id
         WHERE s.organization_id = ?1 AND r.organization_id = ?1 AND r.started_at >= ?2 AND r.started_at < ?3
           AND r.status <> ?4
           AND NOT EXISTS (
             SELECT 1 FROM automation_flow_steps later WHERE later.run_id = s.run_id
               AND (later.seq > s.seq OR (later.seq = s.seq AND later.entered_at > s.entered_at)))
         GROUP BY s.flow_id, s.block_id`,
      )
      .bind(...params, 'DONE' satisfies FlowRunStatus)
      .all<{ key: string; block: string; n: number }>(),
  ]);
  const orders = await ordersBy(d1, 'flow_id', organizationId, range.start, range.end);
  const runCount = new Map(runs.results.map((r) => [r.key, r]));
  const known = new Map(flows.results.map((f) => [f.id, f]));
  // A deleted flow stays in the report while it has runs or orders in the range (its orders still add up).
  const ids = [...new Set([...known.keys(), ...runCount.keys(), ...orders.keys])];
  const rows = ids.map((flowId) => {
    const flow = known.get(flowId);
    let blocks: FlowBlock[] = [];
    try {
      const parsed = flow ? JSON.parse(flow.blocks) : [];
      if (Array.isArray(parsed)) blocks = parsed;
    } catch {}
    const reachedHere = new Map(reached.results.filter((r) => r.key === flowId).map((r) => [r.block, r.n]));
    const stoppedHere = new Map(stopped.results.filter((r) => r.key === flowId).map((r) => [r.block, r.n]));
    const order = [
      ...blocks.map((b) => String(b.id)),
      ...[...reachedHere.keys()].filter((id) => !blocks.some((b) => b.id === id)),
    ];
    const steps = order.map((blockId) => {
      const n = reachedHere.get(blockId) ?? 0;
      const type = blocks.find((b) => b.id === blockId)?.type;
      return {
        blockId,
        type: typeof type === 'string' ? type : null,
        reached: n,
        dropOff: n ? Math.round(((stoppedHere.get(blockId) ?? 0) / n) * 1000) / 1000 : 0,
      };
    });
    return {
      flowId,
      name: flow?.name ?? null,
      deleted: !flow,
      runs: runCount.get(flowId)?.runs ?? 0,
      dmsSent: runCount.get(flowId)?.sent ?? 0,
      ...orders(flowId),
      steps,
    };
  });
  const sort = filters.sort ?? 'revenue';
  return {
    range: { from: range.from, to: range.to, timeZone: range.timeZone },
    sort,
    flows: sort === 'revenue' ? byRevenue(rows) : rows.sort((a, b) => b.runs - a.runs),
  };
}
