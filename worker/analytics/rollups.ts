// Daily rollups: one local day's figures rebuilt from the reporting events and the cycles of that day, by
// channel and agent. Always rebuilt whole (never incremented), so a rollup can only disagree with the events
// while its day is marked dirty, and every report flushes dirty days before it reads.
import type { DayWindow } from './time';

export interface Statement {
  sql: string;
  params: (string | number)[];
}

/** The local hour (00–23) of `occurred_at`-like column `col` inside a day window (DST-aware). */
function localHour(col: string, w: DayWindow): string {
  return `printf('%02d', ((${col} + CASE WHEN ${col} >= ${w.switchAt} THEN ${w.offsetAfter} ELSE ${w.offsetBefore} END) % 86400000) / 3600000)`;
}

const INSERT = 'INSERT INTO analytics_daily (organization_id, day, channel_id, agent_id, metric, dim, value)';

/** The statements that replace one day's rollups, in order (run them in one batch). */
export function rebuildDayStatements(organizationId: string, w: DayWindow): Statement[] {
  const base = [organizationId, w.day, w.start, w.end];
  const events = `FROM analytics_events WHERE organization_id = ?1 AND occurred_at >= ?3 AND occurred_at < ?4`;
  const cycles = (col: string) => `FROM analytics_cycles WHERE organization_id = ?1 AND ${col} >= ?3 AND ${col} < ?4`;
  return [
    { sql: 'DELETE FROM analytics_daily WHERE organization_id = ?1 AND day = ?2', params: [organizationId, w.day] },
    {
      // Every kind of event, counted per channel and acting agent.
      sql: `${INSERT} SELECT ?1, ?2, channel_id, COALESCE(agent_id, ''), kind, '', COUNT(*) ${events}
            GROUP BY channel_id, COALESCE(agent_id, ''), kind`,
      params: base,
    },
    {
      sql: `${INSERT} SELECT ?1, ?2, channel_id, '', 'CUSTOMER_MESSAGE_LANGUAGE', COALESCE(language, ''), COUNT(*) ${events}
            AND kind = 'CUSTOMER_MESSAGE' GROUP BY channel_id, COALESCE(language, '')`,
      params: base,
    },
    {
      sql: `${INSERT} SELECT ?1, ?2, channel_id, '', 'CUSTOMER_MESSAGE_HOUR', ${localHour('occurred_at', w)}, COUNT(*)
            ${events} AND kind = 'CUSTOMER_MESSAGE' GROUP BY channel_id, 6`,
      params: base,
    },
    ...(
      [
        ['FRT_COUNT', 'COUNT(*)'],
        ['FRT_SUM_MS', 'SUM(frt_ms)'],
        ['FRT_BUSINESS_SUM_MS', 'SUM(frt_business_ms)'],
      ] as const
    ).map(([metric, value]) => ({
      // First responses land on the day of the reply, split by who answered (dim AGENT or AI).
      sql: `${INSERT} SELECT ?1, ?2, channel_id, COALESCE(first_reply_agent_id, ''), '${metric}', first_reply_by, ${value}
            ${cycles('first_reply_at')} AND frt_ms IS NOT NULL
            GROUP BY channel_id, COALESCE(first_reply_agent_id, ''), first_reply_by HAVING ${value} IS NOT NULL`,
      params: base,
    })),
    ...(
      [
        ['RESOLUTION_COUNT', 'COUNT(*)'],
        ['RESOLUTION_SUM_MS', 'SUM(resolution_ms)'],
        ['RESOLUTION_BUSINESS_SUM_MS', 'SUM(resolution_business_ms)'],
        ['RESOLVED_REPLIES', 'SUM(replies)'],
      ] as const
    ).map(([metric, value]) => ({
      sql: `${INSERT} SELECT ?1, ?2, channel_id, COALESCE(resolved_by_id, ''), '${metric}', '', ${value}
            ${cycles('resolved_at')} GROUP BY channel_id, COALESCE(resolved_by_id, '') HAVING ${value} IS NOT NULL`,
      params: base,
    })),
    ...(
      [
        ['CYCLES_STARTED', 'COUNT(*)'],
        ['AI_INVOLVED', 'SUM(ai_involved)'],
        ['AI_ANSWERED', 'SUM(ai_replied)'],
        ['AI_RESOLVED_ALONE', 'SUM(ai_involved AND resolved_at IS NOT NULL AND NOT human_replied)'],
      ] as const
    ).map(([metric, value]) => ({
      // Conversations (openings and reopenings) belong to the day they started; their outcome updates that day.
      sql: `${INSERT} SELECT ?1, ?2, channel_id, '', '${metric}', '', ${value}
            ${cycles('started_at')} GROUP BY channel_id HAVING ${value} > 0`,
      params: base,
    })),
  ];
}
