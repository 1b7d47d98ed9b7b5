// Billing: plan and cycle, allowance used and left, top-up tokens, monthly active contacts, usage over the
// cycle (by day and feature), the ledger (paged, CSV). The OWNER changes the plan, buys tokens and opens the
// Stripe portal; everyone else sees the figures read-only.
import { useEffect, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { useSession } from '../session';
import { ErrorPanel, formatDate, useLoad } from '../ui';
import { BILLING_CHANGED } from './usage-banner';

type Billing = ApiData<typeof api.billing.$get>;
type UsageRow = Billing['usage'][number];

const FEATURES: Record<string, { label: string; color: string }> = {
  AI_REPLY: { label: 'AI replies', color: '#2563eb' },
  AI_ENHANCE: { label: 'Enhance', color: '#7c3aed' },
  AI_FAQ: { label: 'FAQ generation', color: '#db2777' },
  TRANSLATION: { label: 'Translation', color: '#059669' },
  MESSAGE_SENT: { label: 'Agent replies', color: '#d97706' },
};
const featureOf = (reason: string) => FEATURES[reason] ?? { label: reason, color: '#6b7280' };
const n = (value: number) => value.toLocaleString('en');
const PAGE_SIZE = 20;

export function BillingPage() {
  const { account } = useSession();
  const billing = useLoad(() => call(api.billing.$get()), []);
  const [page, setPage] = useState(1);
  const ledger = useLoad(
    () => call(api.billing.ledger.$get({ query: { page: String(page), pageSize: String(PAGE_SIZE) } })),
    [page],
  );
  const returned = new URLSearchParams(location.search);
  const paidNow = returned.get('top_up') === 'success' || returned.get('checkout') === 'success';

  // Back from Stripe: the webhook may land a moment later, so look again a few times.
  useEffect(() => {
    if (!paidNow) return;
    let tries = 0;
    const timer = setInterval(() => {
      tries += 1;
      void billing.reload().then(() => dispatchEvent(new Event(BILLING_CHANGED)));
      void ledger.reload();
      if (tries >= 10) clearInterval(timer);
    }, 2000);
    return () => clearInterval(timer);
  }, [paidNow]);

  const data = billing.data;
  const owner = account.role === 'OWNER';
  return (
    <section aria-labelledby="billing-title">
      <div class="page-head">
        <h1 id="billing-title">Billing</h1>
      </div>
      <ErrorPanel error={billing.error} />
      {paidNow && (
        <p class="success" role="status">
          Thank you. The purchase shows here as soon as Stripe confirms it.
        </p>
      )}
      {data && (
        <>
          {data.paymentFailure && (
            <p class="error-panel" role="alert">
              <strong>Payment failed.</strong> {data.paymentFailure.message}
            </p>
          )}
          <dl class="summary" data-testid="billing-summary">
            <dt>Plan</dt>
            <dd data-testid="plan">{data.plan}</dd>
            <dt>Cycle</dt>
            <dd>
              {formatDate(data.cycle.start)} – {formatDate(data.cycle.end)}
            </dd>
            <dt>Allowance</dt>
            <dd>
              {n(data.tokens.allowanceUsed)} of {n(data.tokens.allowance)} tokens used,{' '}
              {n(data.tokens.allowanceRemaining)} left
            </dd>
            <dt>Top-up tokens</dt>
            <dd data-testid="top-up-balance">{n(data.tokens.topUpBalance)}</dd>
            <dt>Balance</dt>
            <dd data-testid="balance">{n(data.tokens.balance)} tokens</dd>
            <dt>Monthly active contacts</dt>
            <dd>
              {n(data.contacts.used)} of {n(data.contacts.cap)}
              {data.contacts.held > 0 && ` (${data.contacts.held} automated messages held)`}
            </dd>
            <dt>Seats</dt>
            <dd>
              {data.seats.used} of {data.seats.limit}
              {data.seats.pending > 0 &&
                ` (${data.seats.pending} held by pending ${data.seats.pending === 1 ? 'invitation' : 'invitations'})`}
            </dd>
          </dl>
          {owner ? <Actions billing={data} /> : <ReadOnlyNotice />}
          <UsageChart usage={data.usage} />
        </>
      )}
      <h2 id="ledger-title">Ledger</h2>
      <p>
        <a class="button" href="/api/billing/ledger?format=csv" download="token-ledger.csv">
          Export CSV
        </a>
      </p>
      <ErrorPanel error={ledger.error} />
      {ledger.data && (
        <>
          <table class="table" aria-labelledby="ledger-title">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Reason</th>
                <th scope="col">Change</th>
                <th scope="col">Balance after</th>
                <th scope="col">Reference</th>
              </tr>
            </thead>
            <tbody>
              {ledger.data.items.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDate(entry.createdAt)}</td>
                  <td>{entry.reason}</td>
                  <td>{entry.delta > 0 ? `+${n(entry.delta)}` : n(entry.delta)}</td>
                  <td>{n(entry.balanceAfter)}</td>
                  <td>{entry.referenceId ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="pager">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
              Previous
            </button>
            <span>
              Page {ledger.data.page} of {Math.max(1, ledger.data.totalPages)}
            </span>
            <button type="button" disabled={page >= ledger.data.totalPages} onClick={() => setPage(page + 1)}>
              Next
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function ReadOnlyNotice() {
  return (
    <p class="notice" role="note" data-testid="billing-read-only">
      Only the organisation's owner can change the plan, buy tokens or open the payment portal.
    </p>
  );
}

function Actions({ billing }: { billing: Billing }) {
  const [plan, setPlan] = useState<'STARTER' | 'GROWTH'>('STARTER');
  const [tokens, setTokens] = useState(String(billing.topUpOptions.min * 10));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const go = async (request: () => Promise<{ url: string }>) => {
    setBusy(true);
    setError(null);
    try {
      const { url } = await request();
      location.assign(url);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const steps = Number(tokens) / billing.topUpOptions.step;
  const price = Number.isFinite(steps) ? (steps * billing.topUpOptions.centsPerStep) / 100 : 0;
  return (
    <div class="card" data-testid="billing-actions">
      {!billing.paymentsConfigured && (
        <p class="notice" role="note">
          Payments are not configured on this installation: plans and usage work, but nothing can be bought here.
        </p>
      )}
      <ErrorPanel error={error} />
      <div class="row">
        <label class="field">
          Plan
          <select value={plan} onChange={(e) => setPlan(e.currentTarget.value as 'STARTER' | 'GROWTH')}>
            <option value="STARTER">Starter</option>
            <option value="GROWTH">Growth</option>
          </select>
        </label>
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() => go(() => call(api.billing.checkout.$post({ json: { plan } })))}
        >
          Upgrade
        </button>
      </div>
      <div class="row">
        <label class="field">
          Tokens to buy
          <input
            type="number"
            min={billing.topUpOptions.min}
            max={billing.topUpOptions.max}
            step={billing.topUpOptions.step}
            value={tokens}
            onInput={(e) => setTokens(e.currentTarget.value)}
          />
        </label>
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() => go(() => call(api.billing['top-up'].$post({ json: { tokens: Number(tokens) } })))}
        >
          Buy tokens{price > 0 ? ` (${price.toFixed(2)} ${billing.topUpOptions.currency.toUpperCase()})` : ''}
        </button>
      </div>
      <button type="button" disabled={busy} onClick={() => go(() => call(api.billing.portal.$post()))}>
        Open customer portal
      </button>
    </div>
  );
}

/** Tokens used per day this cycle, stacked by feature (an SVG chart, with the same figures as a table). */
function UsageChart({ usage }: { usage: UsageRow[] }) {
  const days = [...new Set(usage.map((u) => u.day))];
  const features = [...new Set(usage.map((u) => u.feature))];
  const perDay = days.map((day) => usage.filter((u) => u.day === day));
  const max = Math.max(1, ...perDay.map((rows) => rows.reduce((s, r) => s + r.tokens, 0)));
  const width = Math.max(240, days.length * 28);
  const height = 140;
  const totals = features.map(
    (f) => [f, usage.filter((u) => u.feature === f).reduce((s, r) => s + r.tokens, 0)] as const,
  );
  return (
    <div>
      <h2 id="usage-title">Usage this cycle</h2>
      {usage.length === 0 ? (
        <p class="muted">No tokens used yet this cycle.</p>
      ) : (
        <>
          <svg
            role="img"
            aria-labelledby="usage-title"
            viewBox={`0 0 ${width} ${height + 20}`}
            width="100%"
            style={{ maxWidth: `${width}px` }}
          >
            <title>Tokens used per day this cycle, by feature</title>
            {perDay.map((rows, i) => {
              let y = height;
              return (
                <g key={days[i]}>
                  {rows.map((r) => {
                    const h = (r.tokens / max) * height;
                    y -= h;
                    return (
                      <rect
                        key={r.feature}
                        x={i * 28 + 4}
                        y={y}
                        width={20}
                        height={h}
                        fill={featureOf(r.feature).color}
                      >
                        <title>{`${days[i]} · ${featureOf(r.feature).label}: ${n(r.tokens)}`}</title>
                      </rect>
                    );
                  })}
                  <text x={i * 28 + 14} y={height + 14} font-size="9" text-anchor="middle">
                    {days[i]!.slice(8)}
                  </text>
                </g>
              );
            })}
          </svg>
          <table class="table">
            <caption class="sr-only">Tokens used by feature this cycle</caption>
            <tbody>
              {totals.map(([feature, total]) => (
                <tr key={feature}>
                  <td>
                    <span aria-hidden="true" style={{ color: featureOf(feature).color }}>
                      ■{' '}
                    </span>
                    {featureOf(feature).label}
                  </td>
                  <td>{n(total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
