// A Facebook, Instagram or WhatsApp channel's Meta webhook, on its channel page (admins): the callback URL and
// verify token to paste into the Meta app, and the connection state (last event received, last signature failure).
import { api, call } from '../api';
import { CopyButton } from '../copy-button';
import { formatDate, useLoad } from '../ui';

export function MetaConnection({ channelId }: { channelId: string }) {
  const status = useLoad(() => call(api.channels[':id'].meta.$get({ param: { id: channelId } })), [channelId]);
  const s = status.data;
  if (!s) return status.error ? <p class="muted">The Meta webhook details could not be loaded.</p> : null;
  return (
    <section class="card" aria-labelledby="meta-webhook-title">
      <h2 id="meta-webhook-title">Meta webhook</h2>
      <p>In your Meta app's Webhooks settings, subscribe this product with:</p>
      <dl class="summary">
        <dt>Callback URL</dt>
        <dd>
          <code>{s.webhookUrl}</code> <CopyButton text={s.webhookUrl} label="Copy URL" />
        </dd>
        <dt>Verify token</dt>
        <dd>
          {s.verifyToken ? (
            <>
              <code>{s.verifyToken}</code> <CopyButton text={s.verifyToken} label="Copy token" />
            </>
          ) : (
            <span class="connection-failed">Not configured: set {s.verifyTokenVariable} on this installation</span>
          )}
        </dd>
        <dt>App secret</dt>
        <dd>
          {s.appSecretConfigured ? 'Configured (FACEBOOK_APP_SECRET)' : 'Not configured: set FACEBOOK_APP_SECRET'}
        </dd>
        <dt>Last event received</dt>
        <dd>{s.lastEventAt ? formatDate(s.lastEventAt) : 'None yet'}</dd>
        <dt>Last signature failure</dt>
        <dd>
          {s.lastSignatureFailureAt ? (
            <span class="connection-failed">
              {formatDate(s.lastSignatureFailureAt)}: {s.lastSignatureFailure}
            </span>
          ) : (
            'None'
          )}
        </dd>
      </dl>
    </section>
  );
}
