// Settings → Integrations: the TikTok and TikTok Shop cards. Connected (green) or red with Reconnect, the
// granted vs required scopes (missing ones amber), last sync, the webhook state (Receiving events / Waiting…,
// with the 10- and 15-minute guidance) and, on the Shop card, the order sync: when it last worked, or why it
// failed and the fix. Only the workspace owner connects and disconnects.
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { useLocation } from '../router';
import { ErrorPanel, formatDate, Skeleton, useLoad } from '../ui';
import '../automations/automations.css';

type Card = ApiData<typeof api.integrations.$get>['integrations'][number];

/** "just now", "5 min ago", "3 h ago", "2 days ago": how long ago a sync ran, as people say it. */
export function ago(value: string | Date, now = Date.now()): string {
  const minutes = Math.floor((now - new Date(value).getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** The Shop card's order sync: orders are what attribution runs on, so a failing sync must be seen. */
function OrderSync({ sync }: { sync: NonNullable<Card['orderSync']> | null }) {
  if (!sync) return <p>Orders have not synced yet.</p>;
  const at = <time dateTime={new Date(sync.lastRunAt).toISOString()}>{ago(sync.lastRunAt)}</time>;
  if (!sync.lastError) return <p class="connection-ok">Orders last synced {at}.</p>;
  return (
    <>
      <p class="connection-failed">
        Order sync failed {at}: {sync.lastError.replace(/[.\s]+$/, '')}. We retry every {sync.retryEveryMinutes}{' '}
        minutes.
      </p>
      {sync.fix && <p class="amber">To fix it: {sync.fix}</p>}
    </>
  );
}

export function IntegrationsPage() {
  const { search } = useLocation();
  const data = useLoad(() => call(api.integrations.$get()), []);
  const [error, setError] = useState<unknown>(null);
  const connected = search.get('connected');
  const failed = search.get('error');

  const connect = async (card: Card) => {
    setError(null);
    try {
      const start =
        card.slug === 'tiktok'
          ? await call(api.integrations.tiktok.connect.$post())
          : await call(api.integrations['tiktok-shop'].connect.$post());
      location.assign(start.authorizeUrl);
    } catch (err) {
      setError(err);
    }
  };
  const disconnect = async (card: Card) => {
    if (!card.id) return;
    setError(null);
    try {
      await call(api.integrations[':id'].$delete({ param: { id: card.id } }));
      await data.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="integrations-title">
      <h1 id="integrations-title">Integrations</h1>
      {connected && <p role="status">{connected === 'tiktok' ? 'TikTok' : 'TikTok Shop'} is connected.</p>}
      {failed && (
        <div class="error-panel" role="alert">
          <strong>The connection did not complete.</strong> {failed}
        </div>
      )}
      <ErrorPanel error={data.error ?? error} />
      {!data.data && <Skeleton rows={2} label="Loading integrations" />}
      {data.data && (
        <>
          {!data.data.canManage && <p class="muted">Only the workspace owner can connect or disconnect platforms.</p>}
          <div class="integration-cards">
            {data.data.integrations.map((card) => (
              <article class="card" key={card.provider} aria-label={card.name}>
                <h2>{card.name}</h2>
                <p>
                  <span
                    class={card.status === 'CONNECTED' ? 'dot green' : card.status === 'ERROR' ? 'dot red' : 'dot grey'}
                    aria-hidden="true"
                  />
                  {card.status === 'CONNECTED'
                    ? `Connected${card.accountName ? ` as ${card.accountName}` : ''}`
                    : card.status === 'ERROR'
                      ? 'Connection lost'
                      : 'Not connected'}
                </p>
                {card.lastError && <p class="field-error">{card.lastError}</p>}
                <h3>Scopes</h3>
                <ul>
                  {card.scopes.map((s) => (
                    <li key={s.scope} class={card.id && !s.granted ? 'amber' : ''}>
                      {card.id ? (s.granted ? '✓ ' : '⚠ ') : ''}
                      {s.label} <small class="muted">({s.scope})</small>
                      {card.id && !s.granted && ' — missing: reconnect and approve it'}
                    </li>
                  ))}
                </ul>
                {card.id && <p>Last sync: {card.lastSyncAt ? formatDate(card.lastSyncAt) : 'never'}</p>}
                {card.id && card.provider === 'TIKTOK_SHOP' && <OrderSync sync={card.orderSync} />}
                {card.webhook && (
                  <p>
                    Webhook: <strong>{card.webhook.label}</strong>
                    {card.webhook.guidance && (
                      <>
                        <br />
                        <span class="amber">{card.webhook.guidance}</span> Workspace ID:{' '}
                        <code>{data.data?.workspaceId}</code>
                      </>
                    )}
                  </p>
                )}
                <p>
                  <a href={card.statusPageUrl} target="_blank" rel="noopener noreferrer">
                    TikTok developer status
                  </a>
                </p>
                {data.data?.canManage && (
                  <div class="actions">
                    <button type="button" class="primary" onClick={() => connect(card)}>
                      {card.id ? 'Reconnect' : `Connect ${card.name}`}
                    </button>
                    {card.id && (
                      <ConfirmButton
                        message={`Disconnect ${card.name}? Comments stop arriving and no DM can be sent.`}
                        confirmLabel={`Disconnect ${card.name}`}
                        onConfirm={() => disconnect(card)}
                      >
                        Disconnect
                      </ConfirmButton>
                    )}
                  </div>
                )}
              </article>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
