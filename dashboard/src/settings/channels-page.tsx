// Settings → Channels: every connected channel as a card. Admins add and open them for editing.
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { Link } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, useLoad } from '../ui';
import { CHANNEL_TYPE_LABELS } from './channel-form';

export function ChannelsPage() {
  const { canManageSettings } = usePermissions();
  const channels = useLoad(() => call(api.channels.$get()), []);
  const [copied, setCopied] = useState<string | null>(null);

  const copy = async (id: string) => {
    await navigator.clipboard?.writeText(id);
    setCopied(id);
  };

  return (
    <section aria-labelledby="channels-title">
      <div class="page-head">
        <h1 id="channels-title">Channels</h1>
        {canManageSettings && (
          <Link href="/settings/channels/new" class="button primary">
            Add channel
          </Link>
        )}
      </div>
      <ErrorPanel error={channels.error} />
      {channels.data?.length === 0 && <p class="muted">No channels yet.</p>}
      <ul class="cards" aria-label="Channels">
        {channels.data?.map((c) => (
          <li key={c.id} class="card">
            <h2>
              <Link href={`/settings/channels/${c.id}`}>{c.name}</Link>
            </h2>
            <p>
              {CHANNEL_TYPE_LABELS[c.type]} · {c.isActive ? 'Active' : <span class="badge-inactive">Inactive</span>} ·
              AI: {c.autoReplyMode}
            </p>
            <p class="muted">
              Channel id <code>{c.id}</code>{' '}
              <button type="button" class="link" onClick={() => copy(c.id)} aria-label={`Copy id of ${c.name}`}>
                {copied === c.id ? 'Copied' : 'Copy'}
              </button>
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
