// Analytics → Posts and → Flows: what comment triggers and DM flows did and the orders they drove, per video and
// per flow, for a date range in the organisation's time zone. Every chart has its table; soft-attributed orders
// (not yet confirmed or rejected) are never added to attributed ones: they are drawn with a dotted outline.
import './analytics.css';
import './automation-reports.css';
import { useMemo } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { Link, useLocation } from '../router';
import { ErrorPanel, Field, useLoad } from '../ui';
import { Chart, type Series } from './chart';
import { ReportForm, ScrollTable } from './report-ui';

type PostsReport = ApiData<typeof api.analytics.posts.$get>;
type FlowsReport = ApiData<typeof api.analytics.flows.$get>;
type Money = PostsReport['posts'][number]['attributedRevenue'][number];

const COLORS = { primary: '#2563eb', secondary: '#7c3aed', orders: '#15803d', soft: '#b45309' };

function formatMoney(m: Pick<Money, 'amount' | 'currency'>): string {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: m.currency }).format(Number(m.amount));
  } catch {
    return `${m.amount} ${m.currency}`;
  }
}

/** Overview · Posts · Flows. */
export function AnalyticsTabs({ current }: { current: 'overview' | 'posts' | 'flows' }) {
  const tabs = [
    ['overview', '/analytics', 'Overview'],
    ['posts', '/analytics/posts', 'Posts'],
    ['flows', '/analytics/flows', 'Flows'],
  ] as const;
  return (
    <nav aria-label="Analytics reports">
      <ul class="analytics-tabs">
        {tabs.map(([key, href, label]) => (
          <li key={key}>
            <Link href={href} aria-current={current === key ? 'page' : undefined}>
              {label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * The URL's range and sort. Dates the URL does not give are left to the server, which counts the last 30 days in
 * the organisation's reporting time zone (the browser's day may already be another one there); the form then
 * shows the range the report covers.
 */
function useRange<S extends string>(sorts: readonly S[]) {
  const { search } = useLocation();
  const sort = sorts.find((s) => s === search.get('sort')) ?? sorts[0]!;
  const from = search.get('from');
  const to = search.get('to');
  return { sort, ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function RangeForm({
  path,
  query,
  sorts,
}: {
  path: string;
  query: { from?: string; to?: string; sort: string };
  sorts: readonly (readonly [string, string])[];
}) {
  return (
    <ReportForm path={path} label="Report range" query={query}>
      <Field label="Sort by" name="sort">
        {(p) => (
          <select {...p} value={query.sort}>
            {sorts.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        )}
      </Field>
    </ReportForm>
  );
}

function MoneyList({ values, soft }: { values: Money[]; soft?: boolean }) {
  if (!values.length) return <span class="muted">—</span>;
  return (
    <ul class="money-list">
      {values.map((m) => (
        <li key={m.currency}>{soft ? <span class="soft-figure">{formatMoney(m)}</span> : formatMoney(m)}</li>
      ))}
    </ul>
  );
}

function SoftCount({ n }: { n: number }) {
  return n ? (
    <span class="soft-figure" title="Soft-attributed: not yet confirmed or rejected">
      {n}
    </span>
  ) : (
    <span class="muted">0</span>
  );
}

/** Unique x labels (two videos may share a caption), shortened for the axis. */
function labelsOf(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const short = name.length > 24 ? `${name.slice(0, 23)}…` : name;
    const n = (seen.get(short) ?? 0) + 1;
    seen.set(short, n);
    return n > 1 ? `${short} (${n})` : short;
  });
}

interface Row {
  ordersAttributed: number;
  ordersSoft: number;
  attributedRevenue: Money[];
  softRevenue: Money[];
}

/** Orders (attributed beside soft) and revenue per currency, as charts with their tables. */
/** The order columns the posts and flows tables share, and their cells. */
const ORDER_COLUMNS = ['Orders attributed', 'Attributed revenue', 'Soft-attributed orders', 'Soft revenue'];
function OrderCells({ row }: { row: Row }) {
  return (
    <>
      <td>{row.ordersAttributed}</td>
      <td>
        <MoneyList values={row.attributedRevenue} />
      </td>
      <td>
        <SoftCount n={row.ordersSoft} />
      </td>
      <td>
        <MoneyList values={row.softRevenue} soft />
      </td>
    </>
  );
}

function OrderCharts({ id, labels, rows, xLabel }: { id: string; labels: string[]; rows: Row[]; xLabel: string }) {
  const orders: Series[] = useMemo(
    () => [
      { label: 'Orders attributed', values: rows.map((r) => r.ordersAttributed), color: COLORS.orders },
      { label: 'Soft-attributed (dotted)', values: rows.map((r) => r.ordersSoft), color: COLORS.soft, dotted: true },
    ],
    [rows],
  );
  const currencies = useMemo(
    () => [...new Set(rows.flatMap((r) => [...r.attributedRevenue, ...r.softRevenue].map((m) => m.currency)))].sort(),
    [rows],
  );
  return (
    <>
      <Chart id={`${id}-orders`} title="Orders" labels={labels} series={orders} kind="bars" xLabel={xLabel} />
      {currencies.map((currency) => (
        <RevenueChart
          key={currency}
          id={`${id}-revenue-${currency}`}
          currency={currency}
          labels={labels}
          rows={rows}
          xLabel={xLabel}
        />
      ))}
    </>
  );
}

function RevenueChart({
  id,
  currency,
  labels,
  rows,
  xLabel,
}: {
  id: string;
  currency: string;
  labels: string[];
  rows: Row[];
  xLabel: string;
}) {
  const pick = (list: Money[]) => Number(list.find((m) => m.currency === currency)?.amount ?? 0);
  const series: Series[] = useMemo(
    () => [
      {
        label: `Attributed revenue (${currency})`,
        values: rows.map((r) => pick(r.attributedRevenue)),
        color: COLORS.primary,
      },
      {
        label: `Soft-attributed (${currency}, dotted)`,
        values: rows.map((r) => pick(r.softRevenue)),
        color: COLORS.soft,
        dotted: true,
      },
    ],
    [rows, currency],
  );
  return (
    <Chart
      id={id}
      title={`Revenue in ${currency}`}
      labels={labels}
      series={series}
      kind="bars"
      xLabel={xLabel}
      format={(v) => (v === null ? '—' : formatMoney({ amount: String(v), currency }))}
    />
  );
}

const POST_SORTS = [
  ['revenue', 'Attributed revenue'],
  ['orders', 'Orders attributed'],
  ['comments', 'Comments'],
  ['dms', 'DMs triggered'],
] as const;

export function PostsReportPage() {
  const query = useRange(POST_SORTS.map(([v]) => v));
  const key = JSON.stringify(query);
  const report = useLoad(() => call(api.analytics.posts.$get({ query })), [key]);
  return (
    <section aria-labelledby="analytics-title" class="analytics">
      <div class="page-head">
        <h1 id="analytics-title">Analytics</h1>
      </div>
      <AnalyticsTabs current="posts" />
      <p class="muted">
        Per video: comments received, DMs triggered, and the TikTok Shop orders attributed to it, with their revenue per
        store currency. Days are in {report.data?.range.timeZone ?? 'the organisation’s time zone'}. Orders with a
        dotted outline are soft-attributed: the buyer got a shop link, but for another product; confirm or reject them
        from the order list of the conversation.
      </p>
      <RangeForm path="/analytics/posts" query={{ ...report.data?.range, ...query }} sorts={POST_SORTS} />
      <ErrorPanel error={report.error} />
      {report.data && <PostsSection data={report.data} />}
    </section>
  );
}

function PostsSection({ data }: { data: PostsReport }) {
  const labels = useMemo(() => labelsOf(data.posts.map((p) => p.title)), [data]);
  const activity: Series[] = useMemo(
    () => [
      { label: 'Comments', values: data.posts.map((p) => p.comments), color: COLORS.primary },
      { label: 'DMs triggered', values: data.posts.map((p) => p.dmsTriggered), color: COLORS.secondary },
    ],
    [data],
  );
  if (!data.posts.length) {
    return (
      <section class="card" aria-labelledby="posts-title">
        <h2 id="posts-title">Posts</h2>
        <p class="muted">No comments, DMs or attributed orders in this period.</p>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="posts-title">
      <h2 id="posts-title">
        Posts {data.range.from} to {data.range.to}
      </h2>
      <Chart
        id="posts-activity"
        title="Comments and DMs"
        labels={labels}
        series={activity}
        kind="bars"
        xLabel="Video"
      />
      <OrderCharts id="posts" labels={labels} rows={data.posts} xLabel="Video" />
      <ScrollTable caption="Per video" columns={['Video', 'Comments', 'DMs triggered', ...ORDER_COLUMNS]}>
        {data.posts.map((p) => (
          <tr key={p.postId}>
            <th scope="row">
              {p.title}
              {p.isLive ? ' (LIVE)' : ''}
            </th>
            <td>{p.comments}</td>
            <td>{p.dmsTriggered}</td>
            <OrderCells row={p} />
          </tr>
        ))}
      </ScrollTable>
    </section>
  );
}

const FLOW_SORTS = [
  ['revenue', 'Attributed revenue'],
  ['runs', 'Runs'],
] as const;

export function FlowsReportPage() {
  const query = useRange(FLOW_SORTS.map(([v]) => v));
  const key = JSON.stringify(query);
  const report = useLoad(() => call(api.analytics.flows.$get({ query })), [key]);
  return (
    <section aria-labelledby="analytics-title" class="analytics">
      <div class="page-head">
        <h1 id="analytics-title">Analytics</h1>
      </div>
      <AnalyticsTabs current="flows" />
      <p class="muted">
        Per DM flow: runs started, DMs sent, the orders attributed to it and their revenue, and where buyers stop.
        Drop-off is the share of runs that reached a step and went no further without finishing the flow. Days are in{' '}
        {report.data?.range.timeZone ?? 'the organisation’s time zone'}.
      </p>
      <RangeForm path="/analytics/flows" query={{ ...report.data?.range, ...query }} sorts={FLOW_SORTS} />
      <ErrorPanel error={report.error} />
      {report.data && <FlowsSection data={report.data} />}
    </section>
  );
}

const percent = (v: number) => `${Math.round(v * 1000) / 10} %`;

function FlowsSection({ data }: { data: FlowsReport }) {
  const labels = useMemo(() => labelsOf(data.flows.map((f) => f.name ?? 'Deleted flow')), [data]);
  const activity: Series[] = useMemo(
    () => [
      { label: 'Runs', values: data.flows.map((f) => f.runs), color: COLORS.primary },
      { label: 'DMs sent', values: data.flows.map((f) => f.dmsSent), color: COLORS.secondary },
    ],
    [data],
  );
  if (!data.flows.length) {
    return (
      <section class="card" aria-labelledby="flows-title">
        <h2 id="flows-title">Flows</h2>
        <p class="muted">No flows yet.</p>
      </section>
    );
  }
  return (
    <>
      <section class="card" aria-labelledby="flows-title">
        <h2 id="flows-title">
          Flows {data.range.from} to {data.range.to}
        </h2>
        <Chart id="flows-activity" title="Runs and DMs" labels={labels} series={activity} kind="bars" xLabel="Flow" />
        <OrderCharts id="flows" labels={labels} rows={data.flows} xLabel="Flow" />
        <ScrollTable caption="Per flow" columns={['Flow', 'Runs', 'DMs sent', ...ORDER_COLUMNS]}>
          {data.flows.map((f) => (
            <tr key={f.flowId}>
              <th scope="row">{f.name ?? 'Deleted flow'}</th>
              <td>{f.runs}</td>
              <td>{f.dmsSent}</td>
              <OrderCells row={f} />
            </tr>
          ))}
        </ScrollTable>
      </section>
      {data.flows
        .filter((f) => f.runs > 0)
        .map((f) => (
          <FlowSteps key={f.flowId} flow={f} />
        ))}
    </>
  );
}

function FlowSteps({ flow }: { flow: FlowsReport['flows'][number] }) {
  const labels = useMemo(() => flow.steps.map((s) => s.blockId), [flow]);
  const series: Series[] = useMemo(
    () => [
      { label: 'Reached', values: flow.steps.map((s) => s.reached), color: COLORS.primary },
      {
        label: 'Stopped here',
        values: flow.steps.map((s) => Math.round(s.dropOff * s.reached)),
        color: COLORS.soft,
      },
    ],
    [flow],
  );
  const id = `flow-${flow.flowId}`;
  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Drop-off by step: {flow.name ?? 'Deleted flow'}</h2>
      <Chart id={`${id}-steps`} title="Runs per step" labels={labels} series={series} kind="bars" xLabel="Step" />
      <ScrollTable
        caption={`Steps of ${flow.name ?? 'the deleted flow'}`}
        columns={['Step', 'Type', 'Reached', 'Drop-off']}
      >
        {flow.steps.map((s) => (
          <tr key={s.blockId}>
            <th scope="row">{s.blockId}</th>
            <td>{s.type ?? '—'}</td>
            <td>{s.reached}</td>
            <td>{percent(s.dropOff)}</td>
          </tr>
        ))}
      </ScrollTable>
    </section>
  );
}
