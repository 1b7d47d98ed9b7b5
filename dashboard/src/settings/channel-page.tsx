// One channel: admins edit every setting and may delete it; agents and viewers see a read-only summary.
// Website chat channels show the embed snippet to copy into the site.
import { useEffect, useState } from 'preact/hooks';
import { api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { Link, navigate } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, useLoad } from '../ui';
import {
  AiSection,
  CHANNEL_TYPE_LABELS,
  type Channel,
  type ChannelDraft,
  ConnectionSection,
  channelBody,
  draftFromChannel,
  LanguageSection,
  WidgetSection,
} from './channel-form';
import { EmailPollStatus } from './email-poll-status';
import { MetaConnection } from './meta-connection';

export function ChannelPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const { canManageSettings } = usePermissions();
  const channel = useLoad(() => call(api.channels[':id'].$get({ param: { id } })), [id]);
  const c = channel.data;

  return (
    <section aria-labelledby="channel-title">
      <p>
        <Link href="/settings/channels">← Channels</Link>
      </p>
      <h1 id="channel-title">{c ? c.name : 'Channel'}</h1>
      <ErrorPanel error={channel.error} />
      {c && (
        <>
          <p>
            {CHANNEL_TYPE_LABELS[c.type]} · id <code>{c.id}</code>
          </p>
          {c.type === 'WEBSITE_CHAT' && <EmbedSnippet id={c.id} />}
          {c.type === 'WEBSITE_CHAT' && <RefusedOrigins id={c.id} version={c.updatedAt} />}
          {c.type === 'EMAIL' && <EmailPollStatus channelId={c.id} />}
          {canManageSettings && (c.type === 'FACEBOOK' || c.type === 'INSTAGRAM' || c.type === 'WHATSAPP') && (
            <MetaConnection channelId={c.id} />
          )}
          {canManageSettings ? <ChannelEditor channel={c} onSaved={channel.setData} /> : <ChannelSummary channel={c} />}
        </>
      )}
    </section>
  );
}

function EmbedSnippet({ id }: { id: string }) {
  const script = useLoad(() => call(api.channels[':id']['widget-script'].$get({ param: { id } })), [id]);
  const [copied, setCopied] = useState(false);
  if (!script.data) return <ErrorPanel error={script.error} />;
  return (
    <div class="card">
      <h2 id="embed-title">Embed code</h2>
      <p>Paste this before the closing &lt;/body&gt; tag of every page that should show the chat.</p>
      <pre>
        <code>{script.data.script}</code>
      </pre>
      <button
        type="button"
        onClick={async () => {
          await navigator.clipboard?.writeText(script.data!.script);
          setCopied(true);
        }}
      >
        {copied ? 'Copied' : 'Copy embed code'}
      </button>
    </div>
  );
}

/** Sites whose widget the channel refused lately: the admin sees "add it" instead of guessing why nothing shows. */
function RefusedOrigins({ id, version }: { id: string; version: string }) {
  const list = useLoad(() => call(api.channels[':id']['refused-origins'].$get({ param: { id } })), [id, version]);
  if (list.error) return <ErrorPanel error={list.error} />;
  if (!list.data?.length) return null;
  return (
    <section class="card" aria-labelledby="refused-title">
      <h2 id="refused-title">Sites where the widget was refused</h2>
      <p>
        These sites tried to show the chat but are not in the allowed domains, so their visitors saw no launcher. Add
        the ones that are yours to Allowed domains below.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Site</th>
            <th scope="col">Times refused (at least)</th>
            <th scope="col">Last time</th>
            <th scope="col">Now</th>
          </tr>
        </thead>
        <tbody>
          {list.data.map((r) => (
            <tr key={r.origin}>
              <td>
                <code>{r.origin}</code>
              </td>
              <td>{r.count}</td>
              <td>{new Date(r.lastSeenAt).toLocaleString()}</td>
              <td>{r.allowedNow ? 'Allowed' : `Add ${new URL(r.origin).hostname}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ChannelSummary({ channel: c }: { channel: Channel }) {
  return (
    <dl class="card summary">
      <dt>Status</dt>
      <dd>{c.isActive ? 'Active' : 'Inactive'}</dd>
      <dt>Agent language</dt>
      <dd>{c.defaultLanguage}</dd>
      <dt>Auto-translate</dt>
      <dd>{c.autoTranslate ? 'On' : 'Off'}</dd>
      <dt>AI auto-reply</dt>
      <dd>{c.autoReplyMode}</dd>
      <dt>System prompt</dt>
      <dd>{c.systemPrompt || '—'}</dd>
      {c.type === 'WEBSITE_CHAT' && <WebsiteChatSummary settings={c.settings} />}
    </dl>
  );
}

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const PRE_CHAT_LABELS = { OFF: 'Off', OPTIONAL: 'Optional', REQUIRED: 'Required (an email first)' };

/** What agents are told of the widget: when the team promises to be there, and what visitors are asked first. */
function WebsiteChatSummary({ settings }: { settings: Channel['settings'] }) {
  const s = settings as {
    businessHours?: { timeZone: string; intervals: { day: number; start: string; end: string }[] } | null;
    preChatForm?: keyof typeof PRE_CHAT_LABELS;
  };
  const hours = s.businessHours;
  return (
    <>
      <dt>Business hours</dt>
      <dd>
        {hours
          ? `${hours.intervals.map((i) => `${WEEKDAY_NAMES[i.day - 1]} ${i.start}–${i.end}`).join(', ')} (${hours.timeZone})`
          : 'Always open'}
      </dd>
      <dt>Pre-chat form</dt>
      <dd>{PRE_CHAT_LABELS[s.preChatForm ?? 'OFF']}</dd>
    </>
  );
}

function ChannelEditor({ channel, onSaved }: { channel: Channel; onSaved: (c: Channel) => void }) {
  const [draft, setDraft] = useState<ChannelDraft>(() => draftFromChannel(channel));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setDraft(draftFromChannel(channel)), [channel]);
  const set = (changes: Partial<ChannelDraft>) => {
    setSaved(false);
    setDraft((d) => ({ ...d, ...changes }));
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      onSaved(await call(api.channels[':id'].$patch({ param: { id: channel.id }, json: channelBody(draft) })));
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };

  const remove = async () => {
    try {
      await call(api.channels[':id'].$delete({ param: { id: channel.id } }));
      navigate('/settings/channels', true);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form onSubmit={save} noValidate aria-label="Channel settings">
      <ConnectionSection draft={draft} set={set} error={error} channelId={channel.id} />
      <label class="check">
        <input type="checkbox" checked={draft.isActive} onChange={(e) => set({ isActive: e.currentTarget.checked })} />
        Channel active
      </label>
      {draft.type === 'WEBSITE_CHAT' && <WidgetSection draft={draft} set={set} error={error} />}
      <LanguageSection draft={draft} set={set} error={error} />
      <AiSection draft={draft} set={set} error={error} />
      <ErrorPanel error={error} />
      {saved && <p role="status">Saved.</p>}
      <div class="wizard-actions">
        <button type="submit" class="primary">
          Save channel
        </button>
        <ConfirmButton
          message={`Delete the channel "${channel.name}" and all its conversations?`}
          confirmLabel={`Delete ${channel.name}`}
          onConfirm={remove}
        >
          Delete channel
        </ConfirmButton>
      </div>
    </form>
  );
}
