// Each report as CSV: the overview and AI report as metric rows (current and previous period), the
// conversations report per day, per channel, per language and per weekday and hour, the agents report per agent (channels and agents with the
// previous period's figure beside each), and the per-conversation rows.
import { toCsv } from './csv';
import {
  agentsReport,
  aiReport,
  conversationsReport,
  cycleRows,
  type Figures,
  overviewReport,
  type ReportFilters,
  type TimeStats,
} from './reports';

export const EXPORTS = [
  'overview',
  'conversations',
  'channels',
  'languages',
  'hours',
  'agents',
  'ai',
  'conversation-rows',
] as const;
export type ExportName = (typeof EXPORTS)[number];

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
const statRows = (label: string, a: TimeStats, b: TimeStats) => [
  [`${label} count`, a.count, b.count],
  [`${label} mean (s)`, seconds(a.meanMs), seconds(b.meanMs)],
  [`${label} median (s)`, seconds(a.medianMs), seconds(b.medianMs)],
  [`${label} p90 (s)`, seconds(a.p90Ms), seconds(b.p90Ms)],
];

function figureRows(a: Figures, b: Figures) {
  return [
    ['New conversations', a.newConversations, b.newConversations],
    ['Reopened', a.reopened, b.reopened],
    ['Resolutions', a.resolutions, b.resolutions],
    ['Open backlog at end', a.backlog, b.backlog],
    ['Customer messages', a.customerMessages, b.customerMessages],
    ['Replies', a.replies, b.replies],
    ...statRows('First response', a.firstResponse, b.firstResponse),
    ...statRows('Resolution time', a.resolutionTime, b.resolutionTime),
    ['Replies per resolution', a.repliesPerResolution, b.repliesPerResolution],
    ['AI answered share', a.aiAnsweredShare, b.aiAnsweredShare],
    ['AI resolution rate', a.aiResolutionRate, b.aiResolutionRate],
  ];
}

export async function exportCsv(
  d1: D1Database,
  organizationId: string,
  name: ExportName,
  filters: ReportFilters,
): Promise<string> {
  switch (name) {
    case 'overview': {
      const r = await overviewReport(d1, organizationId, filters);
      const period = `${r.range.from}..${r.range.to}`;
      const before = `${r.previousRange.from}..${r.previousRange.to}`;
      return toCsv(['metric', period, before], figureRows(r.current, r.previous));
    }
    case 'conversations': {
      const r = await conversationsReport(d1, organizationId, filters);
      return toCsv(
        ['day', 'new_conversations', 'reopened', 'resolutions', 'open_backlog', 'customer_messages'],
        r.days.map((d) => [d.day, d.newConversations, d.reopened, d.resolutions, d.backlog, d.customerMessages]),
      );
    }
    case 'channels': {
      const r = await conversationsReport(d1, organizationId, filters);
      return toCsv(
        [
          'channel_id',
          'name',
          'type',
          'new_conversations',
          'previous_new_conversations',
          'resolutions',
          'previous_resolutions',
          'customer_messages',
          'previous_customer_messages',
          'replies',
          'previous_replies',
          'first_responses',
          'previous_first_responses',
          'first_response_median_s',
          'previous_first_response_median_s',
          'first_response_p90_s',
          'previous_first_response_p90_s',
        ],
        r.channels.map((c) => [
          c.channelId,
          c.name,
          c.type,
          c.newConversations,
          c.previousNewConversations,
          c.resolutions,
          c.previousResolutions,
          c.customerMessages,
          c.previousCustomerMessages,
          c.replies,
          c.previousReplies,
          c.firstResponse.count,
          c.previousFirstResponse.count,
          seconds(c.firstResponse.medianMs),
          seconds(c.previousFirstResponse.medianMs),
          seconds(c.firstResponse.p90Ms),
          seconds(c.previousFirstResponse.p90Ms),
        ]),
      );
    }
    case 'languages': {
      const r = await conversationsReport(d1, organizationId, filters);
      return toCsv(
        ['language', 'customer_messages'],
        r.languages.map((l) => [l.language, l.messages]),
      );
    }
    case 'hours': {
      // The whole week, hour by hour in the organisation's time zone (ISO weekday: 1 is Monday), empty hours as 0.
      const r = await conversationsReport(d1, organizationId, filters);
      const rows: (string | number)[][] = [];
      for (let weekday = 1; weekday <= 7; weekday++) {
        for (let hour = 0; hour < 24; hour++) {
          const cell = r.heatmap.find((c) => c.weekday === weekday && c.hour === hour);
          rows.push([weekday, hour, cell?.messages ?? 0]);
        }
      }
      return toCsv(['weekday', 'hour', 'customer_messages'], rows);
    }
    case 'agents': {
      const r = await agentsReport(d1, organizationId, filters);
      return toCsv(
        [
          'agent_id',
          'name',
          'replies',
          'previous_replies',
          'resolutions',
          'previous_resolutions',
          'reopened',
          'notes',
          'drafts_approved',
          'previous_drafts_approved',
          'drafts_edited',
          'previous_drafts_edited',
          'drafts_rejected',
          'previous_drafts_rejected',
          'first_responses',
          'previous_first_responses',
          'first_response_median_s',
          'previous_first_response_median_s',
          'first_response_p90_s',
          'previous_first_response_p90_s',
          'resolution_time_median_s',
          'previous_resolution_time_median_s',
          'replies_per_resolution',
        ],
        r.agents.map((a) => [
          a.agentId,
          a.name,
          a.replies,
          a.previousReplies,
          a.resolutions,
          a.previousResolutions,
          a.reopened,
          a.notes,
          a.draftsApproved,
          a.previousDraftsApproved,
          a.draftsEdited,
          a.previousDraftsEdited,
          a.draftsRejected,
          a.previousDraftsRejected,
          a.firstResponse.count,
          a.previousFirstResponse.count,
          seconds(a.firstResponse.medianMs),
          seconds(a.previousFirstResponse.medianMs),
          seconds(a.firstResponse.p90Ms),
          seconds(a.previousFirstResponse.p90Ms),
          seconds(a.resolutionTime.medianMs),
          seconds(a.previousResolutionTime.medianMs),
          a.repliesPerResolution,
        ]),
      );
    }
    case 'ai': {
      const r = await aiReport(d1, organizationId, filters);
      const a = r.current;
      const b = r.previous;
      const rows: (string | number | null)[][] = [
        ['Conversations', a.conversations, b.conversations],
        ['AI involved', a.aiInvolved, b.aiInvolved],
        ['AI answered', a.aiAnswered, b.aiAnswered],
        ['AI answered share', a.aiAnsweredShare, b.aiAnsweredShare],
        ['AI resolved without a human reply', a.aiResolvedAlone, b.aiResolvedAlone],
        ['AI resolution rate', a.aiResolutionRate, b.aiResolutionRate],
        ['AI replies', a.aiReplies, b.aiReplies],
        ['First responses by AI', a.firstResponsesByAi, b.firstResponsesByAi],
        ['Drafts created', a.drafts.created, b.drafts.created],
        ['Drafts approved (edited included)', a.drafts.approved, b.drafts.approved],
        ['Drafts edited before approval', a.drafts.edited, b.drafts.edited],
        ['Drafts rejected', a.drafts.rejected, b.drafts.rejected],
      ];
      const reasons = new Set([...r.tokens, ...r.previousTokens].map((t) => t.reason));
      for (const reason of reasons) {
        rows.push([
          `Tokens: ${reason}`,
          r.tokens.find((t) => t.reason === reason)?.tokens ?? 0,
          r.previousTokens.find((t) => t.reason === reason)?.tokens ?? 0,
        ]);
      }
      return toCsv(
        ['metric', `${r.range.from}..${r.range.to}`, `${r.previousRange.from}..${r.previousRange.to}`],
        rows,
      );
    }
    case 'conversation-rows': {
      const r = await cycleRows(d1, organizationId, filters);
      const iso = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString() : null);
      return toCsv(
        [
          'conversation_id',
          'cycle',
          'kind',
          'channel_id',
          'channel_name',
          'started_at',
          'first_reply_at',
          'first_reply_by',
          'first_reply_agent_id',
          'first_response_s',
          'first_response_business_s',
          'resolved_at',
          'resolved_by_id',
          'resolution_s',
          'resolution_business_s',
          'replies',
          'human_replied',
          'ai_replied',
          'ai_involved',
        ],
        r.rows.map((c) => [
          c.conversation_id,
          c.cycle,
          c.kind,
          c.channel_id,
          c.channel_name,
          iso(c.started_at),
          iso(c.first_reply_at),
          c.first_reply_by,
          c.first_reply_agent_id,
          seconds(c.frt_ms as number | null),
          seconds(c.frt_business_ms as number | null),
          iso(c.resolved_at),
          c.resolved_by_id,
          seconds(c.resolution_ms as number | null),
          seconds(c.resolution_business_ms as number | null),
          c.replies,
          Boolean(c.human_replied),
          Boolean(c.ai_replied),
          Boolean(c.ai_involved),
        ]),
      );
    }
  }
}
