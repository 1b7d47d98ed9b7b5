// Analytics: the team's numbers for a date range (in the organisation's time zone), by channel and agent,
// compared with the period before. Every chart has its table; every report exports as CSV. Viewers included.
import './analytics.css';
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { Link, useLocation } from '../router';
import { ErrorPanel, Field, useLoad } from '../ui';
import { AnalyticsTabs } from './automation-reports';
import { Chart } from './chart';
import { ReportForm, ScrollTable } from './report-ui';

type Overview = ApiData<typeof api.analytics.overview.$get>;
type Stats = Overview['current']['firstResponse'];

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function duration(ms: number | null): string {
  if (ms === null) return '—';
  const minutes = ms / 60_000;
  if (minutes < 1) return `${Math.round(ms / 1000)} s`;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} d`;
}
const percent = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10} %`);
const number = (v: number | null) => (v === null ? '—' : (Math.round(v * 10) / 10).toLocaleString());

function change(current: number | null, previous: number | null): string {
  if (current === null || previous === null) return 'no earlier figure';
  if (previous === 0) return current === 0 ? 'same as before' : 'none before';
  const delta = ((current - previous) / previous) * 100;
  return `${delta >= 0 ? '+' : ''}${Math.round(delta)} % vs before`;
}

/** A figure with its change against the previous period beside it. */
function Compared({ value, current, previous }: { value: string; current: number | null; previous: number | null }) {
  return (
    <>
      {value} <span class="muted">({change(current, previous)})</span>
    </>
  );
}

/** A table cell with a figure (`format`ted) and its change against the previous period; `children` follow. */
function ComparedCell({
  current,
  previous,
  format = String,
  children,
}: {
  current: number | null;
  previous: number | null;
  format?: (v: number | null) => string;
  children?: ComponentChildren;
}) {
  return (
    <td>
      <Compared value={format(current)} current={current} previous={previous} />
      {children}
    </td>
  );
}

/**
 * The filters live in the URL, so a report can be bookmarked and shared. Without dates the Worker reports the
 * 30 days ending today in the organisation's time zone (not the browser's), and the form shows that range.
 */
function useFilters() {
  const { search } = useLocation();
  const query: Record<string, string> = {};
  for (const key of ['from', 'to', 'channelId', 'agentId', 'businessTime']) {
    const value = search.get(key);
    if (value) query[key] = value;
  }
  return query;
}

export function AnalyticsPage() {
  const query = useFilters();
  const key = JSON.stringify(query);
  const overview = useLoad(() => call(api.analytics.overview.$get({ query })), [key]);
  const conversations = useLoad(() => call(api.analytics.conversations.$get({ query })), [key]);
  const agents = useLoad(() => call(api.analytics.agents.$get({ query })), [key]);
  const ai = useLoad(() => call(api.analytics.ai.$get({ query })), [key]);
  const channels = useLoad(() => call(api.channels.$get()), []);
  const settings = useLoad(() => call(api.analytics.settings.$get()), []);
  const range = overview.data?.range;
  // The range the reports cover, dates included once the Worker has said which days "the last 30" are.
  const shown = range ? { ...query, from: range.from, to: range.to } : query;
  const exportQuery = new URLSearchParams(shown).toString();

  return (
    <section aria-labelledby="analytics-title" class="analytics">
      <div class="page-head">
        <h1 id="analytics-title">Analytics</h1>
      </div>
      <AnalyticsTabs current="overview" />
      <p class="muted">
        Days are in {settings.data?.timeZone ?? 'the organisation’s time zone'}. Each figure is compared with the period
        of the same length just before. <Link href="/analytics/business-hours">Time zone and business hours</Link>
      </p>
      <Filters
        query={shown}
        channels={channels.data ?? []}
        agents={agents.data?.agents ?? []}
        businessHours={Boolean(settings.data?.businessHours?.length)}
      />
      <ErrorPanel error={overview.error ?? conversations.error ?? agents.error ?? ai.error} />
      {overview.data && overview.data.pending.conversations + overview.data.pending.days > 0 && (
        <p class="notice" role="status">
          Recalculating: {overview.data.pending.conversations} conversations and {overview.data.pending.days} days still
          to update. Reload in a minute for final figures.
        </p>
      )}
      {overview.data && <OverviewCards data={overview.data} />}
      {conversations.data && <ConversationCharts data={conversations.data} />}
      {agents.data && <AgentsTable data={agents.data} />}
      {ai.data && <AiSection data={ai.data} />}
      <section aria-labelledby="export-title" class="card">
        <h2 id="export-title">Export CSV</h2>
        <ul class="export-links">
          {(
            [
              ['overview', 'Overview'],
              ['conversations', 'Conversations by day'],
              ['channels', 'Channels'],
              ['languages', 'Customer messages by language'],
              ['hours', 'Customer messages by weekday and hour'],
              ['agents', 'Agents'],
              ['ai', 'AI'],
              ['conversation-rows', 'Per-conversation rows'],
            ] as const
          ).map(([report, label]) => (
            <li key={report}>
              <a href={`/api/analytics/export/${report}?${exportQuery}`} download>
                {label} (CSV)
              </a>
            </li>
          ))}
        </ul>
      </section>
    </section>
  );
}

function Filters({
  query,
  channels,
  agents,
  businessHours,
}: {
  query: Record<string, string>;
  channels: { id: string; name: string }[];
  agents: { agentId: string; name: string | null }[];
  businessHours: boolean;
}) {
  return (
    <ReportForm path="/analytics" label="Report filters" query={query}>
      <Field label="Channel" name="channelId">
        {(p) => (
          <select {...p} value={query.channelId ?? ''}>
            <option value="">All channels</option>
            {channels.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Agent" name="agentId">
        {(p) => (
          <select {...p} value={query.agentId ?? ''}>
            <option value="">All agents</option>
            {agents.map((a) => (
              <option key={a.agentId} value={a.agentId}>
                {a.name ?? a.agentId}
              </option>
            ))}
          </select>
        )}
      </Field>
      {businessHours && (
        <label class="checkbox">
          <input type="checkbox" name="businessTime" value="true" checked={query.businessTime === 'true'} /> Business
          hours only
        </label>
      )}
    </ReportForm>
  );
}

function Card({ label, value, detail }: { label: string; value: string; detail: string }) {
  return (
    <div class="metric">
      <dt>{label}</dt>
      <dd>
        <span class="metric-value">{value}</span>
        <span class="muted">{detail}</span>
      </dd>
    </div>
  );
}

function OverviewCards({ data }: { data: Overview }) {
  const c = data.current;
  const p = data.previous;
  const stat = (s: Stats, q: Stats) =>
    `median, p90 ${duration(s.p90Ms)}, n=${s.count}; ${change(s.medianMs, q.medianMs)}`;
  return (
    <section aria-labelledby="overview-title" class="card">
      <h2 id="overview-title">
        Overview {data.range.from} to {data.range.to}
      </h2>
      <dl class="metrics">
        <Card
          label="New conversations"
          value={number(c.newConversations)}
          detail={change(c.newConversations, p.newConversations)}
        />
        <Card label="Reopened" value={number(c.reopened)} detail={change(c.reopened, p.reopened)} />
        <Card label="Resolutions" value={number(c.resolutions)} detail={change(c.resolutions, p.resolutions)} />
        <Card label="Open backlog at end" value={number(c.backlog)} detail={change(c.backlog, p.backlog)} />
        <Card
          label="First response"
          value={duration(c.firstResponse.medianMs)}
          detail={stat(c.firstResponse, p.firstResponse)}
        />
        <Card
          label="Resolution time"
          value={duration(c.resolutionTime.medianMs)}
          detail={stat(c.resolutionTime, p.resolutionTime)}
        />
        <Card
          label="Replies per resolution"
          value={number(c.repliesPerResolution)}
          detail={change(c.repliesPerResolution, p.repliesPerResolution)}
        />
        <Card
          label="AI resolution rate"
          value={percent(c.aiResolutionRate)}
          detail={change(c.aiResolutionRate, p.aiResolutionRate)}
        />
      </dl>
    </section>
  );
}

type Conversations = ApiData<typeof api.analytics.conversations.$get>;

function ConversationCharts({ data }: { data: Conversations }) {
  const days = useMemo(() => data.days.map((d) => d.day), [data]);
  const volume = useMemo(
    () => [
      { label: 'New', values: data.days.map((d) => d.newConversations), color: '#2563eb' },
      { label: 'Resolutions', values: data.days.map((d) => d.resolutions), color: '#15803d' },
      { label: 'Open backlog', values: data.days.map((d) => d.backlog), color: '#b45309' },
    ],
    [data],
  );
  const hours = useMemo(() => Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`), []);
  const byHour = useMemo(() => {
    const totals = Array.from({ length: 24 }, () => 0);
    for (const cell of data.heatmap) totals[cell.hour]! += cell.messages;
    return [{ label: 'Customer messages', values: totals, color: '#7c3aed' }];
  }, [data]);
  const max = Math.max(1, ...data.heatmap.map((c) => c.messages));
  const cell = (weekday: number, hour: number) =>
    data.heatmap.find((c) => c.weekday === weekday && c.hour === hour)?.messages ?? 0;
  return (
    <section aria-labelledby="conversations-title" class="card">
      <h2 id="conversations-title">Conversations</h2>
      <Chart id="volume" title="Conversations per day" labels={days} series={volume} />
      <Chart id="hours" title="Customer messages by hour of day" labels={hours} series={byHour} kind="bars" />
      <h3>Customer messages by weekday and hour</h3>
      <ScrollTable
        className="heatmap"
        columns={[
          'Day',
          ...hours.map((h, i) => (
            <abbr key={h} title={h}>
              {i}
            </abbr>
          )),
        ]}
      >
        {WEEKDAYS.map((name, w) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            {hours.map((h, hour) => {
              const n = cell(w + 1, hour);
              return (
                <td key={h} class={`heat-${Math.ceil((n / max) * 4)}`}>
                  {n}
                </td>
              );
            })}
          </tr>
        ))}
      </ScrollTable>
      <div class="two-col">
        <ScrollTable
          caption="By channel"
          columns={['Channel', 'New', 'Resolutions', 'Customer messages', 'Replies', 'First response (median)']}
        >
          {data.channels.map((c) => (
            <tr key={c.channelId}>
              <th scope="row">{c.name ?? c.channelId}</th>
              <ComparedCell current={c.newConversations} previous={c.previousNewConversations} />
              <ComparedCell current={c.resolutions} previous={c.previousResolutions} />
              <ComparedCell current={c.customerMessages} previous={c.previousCustomerMessages} />
              <ComparedCell current={c.replies} previous={c.previousReplies} />
              <ComparedCell
                current={c.firstResponse.medianMs}
                previous={c.previousFirstResponse.medianMs}
                format={duration}
              />
            </tr>
          ))}
        </ScrollTable>
        <ScrollTable caption="Customer messages by language" columns={['Language', 'Messages']}>
          {data.languages.map((l) => (
            <tr key={l.language ?? 'unknown'}>
              <th scope="row">{l.language ?? 'Unknown'}</th>
              <td>{l.messages}</td>
            </tr>
          ))}
        </ScrollTable>
      </div>
    </section>
  );
}

type Agents = ApiData<typeof api.analytics.agents.$get>;

function AgentsTable({ data }: { data: Agents }) {
  return (
    <section aria-labelledby="agents-title" class="card">
      <h2 id="agents-title">Agents</h2>
      {data.agents.length === 0 ? (
        <p class="muted">No agent activity in this period.</p>
      ) : (
        <ScrollTable
          columns={[
            'Agent',
            'Replies',
            'Resolutions',
            'First response (median)',
            'First response (p90)',
            'Resolution time (median)',
            'Drafts approved',
          ]}
        >
          {data.agents.map((a) => (
            <tr key={a.agentId}>
              <th scope="row">{a.name}</th>
              <ComparedCell current={a.replies} previous={a.previousReplies} />
              <ComparedCell current={a.resolutions} previous={a.previousResolutions} />
              <ComparedCell
                current={a.firstResponse.medianMs}
                previous={a.previousFirstResponse.medianMs}
                format={duration}
              />
              <ComparedCell
                current={a.firstResponse.p90Ms}
                previous={a.previousFirstResponse.p90Ms}
                format={duration}
              />
              <ComparedCell
                current={a.resolutionTime.medianMs}
                previous={a.previousResolutionTime.medianMs}
                format={duration}
              />
              <ComparedCell current={a.draftsApproved} previous={a.previousDraftsApproved}>
                {(a.draftsEdited > 0 || a.previousDraftsEdited > 0) && (
                  <span class="muted">
                    {' '}
                    {a.draftsEdited} edited (before: {a.previousDraftsEdited})
                  </span>
                )}
              </ComparedCell>
            </tr>
          ))}
        </ScrollTable>
      )}
    </section>
  );
}

type Ai = ApiData<typeof api.analytics.ai.$get>;

function AiSection({ data }: { data: Ai }) {
  const c = data.current;
  const p = data.previous;
  return (
    <section aria-labelledby="ai-title" class="card">
      <h2 id="ai-title">AI</h2>
      <dl class="metrics">
        <Card
          label="Answered by AI"
          value={percent(c.aiAnsweredShare)}
          detail={`${c.aiAnswered} of ${c.conversations}; ${change(c.aiAnsweredShare, p.aiAnsweredShare)}`}
        />
        <Card
          label="AI resolution rate"
          value={percent(c.aiResolutionRate)}
          detail={`${c.aiResolvedAlone} of ${c.aiInvolved} without a human reply; ${change(c.aiResolutionRate, p.aiResolutionRate)}`}
        />
        <Card
          label="Drafts approved"
          value={number(c.drafts.approved)}
          detail={`${c.drafts.created} drafted, ${c.drafts.edited} edited before approval, ${c.drafts.rejected} rejected; ${change(c.drafts.approved, p.drafts.approved)}`}
        />
        <Card label="AI replies" value={number(c.aiReplies)} detail={change(c.aiReplies, p.aiReplies)} />
      </dl>
      <ScrollTable caption="Tokens spent by feature" columns={['Feature', 'Tokens', 'Before']}>
        {data.tokens.length === 0 && (
          <tr>
            <td colSpan={3}>No tokens spent in this period.</td>
          </tr>
        )}
        {data.tokens.map((t) => (
          <tr key={t.reason}>
            <th scope="row">{t.reason}</th>
            <td>{t.tokens.toLocaleString()}</td>
            <td>{(data.previousTokens.find((q) => q.reason === t.reason)?.tokens ?? 0).toLocaleString()}</td>
          </tr>
        ))}
      </ScrollTable>
    </section>
  );
}
