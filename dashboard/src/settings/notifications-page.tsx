// Settings → Notifications: push on this device (its state, enable/disable, iPhone install steps), the member's
// preference matrix (event × in-app / email / push) and scope, and the organisation's Slack and webhook
// integrations (every member sees them; admins add, change and remove them).
import { useEffect, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import {
  type DeviceState,
  detectDeviceState,
  isIosSafari,
  STATE_LABEL,
  subscribeDevice,
  unsubscribeDevice,
} from '../notifications/push-device';
import '../notifications/notifications.css';
import { ConfirmButton } from '../confirm';
import { usePermissions } from '../session';
import { ErrorPanel, Field, useLoad } from '../ui';

type Preferences = ApiData<typeof api.notifications.preferences.$get>;
type Event = keyof Preferences['matrix'];
/** Integrations carry every event but mentions, which are news for the mentioned member alone. */
type IntegrationEvent = Exclude<Event, 'MENTION'>;
type Channel = keyof Preferences['matrix'][Event];
type Integration = ApiData<typeof api.notifications.integrations.$get>[number];

const EVENTS: [Event, string][] = [
  ['NEW_CONVERSATION', 'New conversation'],
  ['NEW_MESSAGE', 'New message'],
  ['ASSIGNED', 'Assigned to me'],
  ['STATUS_CHANGED', 'Status changed'],
  ['MENTION', 'Mentioned in a note'],
  ['NEEDS_HUMAN', 'The AI handed over to a human'],
];
const INTEGRATION_EVENTS = EVENTS.filter((e): e is [IntegrationEvent, string] => e[0] !== 'MENTION');
const CHANNELS: [Channel, string][] = [
  ['IN_APP', 'In-app'],
  ['EMAIL', 'Email'],
  ['PUSH', 'Push'],
];

export function NotificationsPage() {
  return (
    <section aria-labelledby="notifications-title">
      <div class="page-head">
        <h1 id="notifications-title">Notifications</h1>
      </div>
      <DevicePush />
      <PreferenceMatrix />
      <Integrations />
    </section>
  );
}

const STATE_HELP: Record<DeviceState, string> = {
  subscribed: 'This device shows a notification when something needs you, even with the dashboard closed.',
  'not-subscribed': 'Turn on push to be alerted on this device. It affects only this browser, not your other devices.',
  'requires-install':
    'This browser offers push only to installed apps: install HelpStack from the browser menu, then open it from there.',
  denied:
    'Notifications are blocked for this site. Allow them in the browser or system settings, then reload this page.',
  unsupported: 'This browser cannot receive web push notifications.',
  'ios-home-screen': 'On iPhone and iPad, web push works only in HelpStack installed to the Home Screen from Safari.',
  'not-configured':
    'The server has no web push keys (VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY): ask whoever runs HelpStack.',
};

function DevicePush() {
  const [state, setState] = useState<DeviceState | null>(null);
  const [publicKey, setPublicKey] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    detectDeviceState().then(
      (found) => {
        setState(found.state);
        setPublicKey(found.publicKey);
      },
      (err) => setError(err),
    );
  }, []);

  const act = async (action: () => Promise<DeviceState>) => {
    setBusy(true);
    setError(null);
    try {
      setState(await action());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="device-title">
      <h2 id="device-title">Push notifications on this device</h2>
      <ErrorPanel error={error} />
      {state === null ? (
        <p class="muted" role="status">
          Checking this device…
        </p>
      ) : (
        <>
          <p role="status">
            Status:{' '}
            <span class="device-state" data-testid="device-state">
              {STATE_LABEL[state]}
            </span>
          </p>
          <p class="muted">{STATE_HELP[state]}</p>
          {state === 'not-subscribed' && publicKey && (
            <button type="button" class="primary" disabled={busy} onClick={() => act(() => subscribeDevice(publicKey))}>
              Enable push on this device
            </button>
          )}
          {state === 'subscribed' && (
            <button type="button" disabled={busy} onClick={() => act(unsubscribeDevice)}>
              Disable push on this device
            </button>
          )}
          {state === 'ios-home-screen' && (
            <>
              <h3>Install HelpStack on your iPhone or iPad</h3>
              <ol>
                {!isIosSafari() && <li>Open this page in Safari (other iOS browsers cannot install it with push).</li>}
                <li>Tap the Share button (the square with an arrow pointing up).</li>
                <li>Choose “Add to Home Screen”, then tap Add.</li>
                <li>Open HelpStack from its Home Screen icon and sign in.</li>
                <li>Come back to Settings → Notifications and tap “Enable push on this device”, then Allow.</li>
              </ol>
            </>
          )}
        </>
      )}
    </section>
  );
}

function PreferenceMatrix() {
  const prefs = useLoad(() => call(api.notifications.preferences.$get()), []);
  const [draft, setDraft] = useState<Preferences | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (prefs.data) setDraft(prefs.data);
  }, [prefs.data]);

  const toggle = (event: Event, channel: Channel) => {
    if (!draft) return;
    setSaved(false);
    setDraft({
      ...draft,
      matrix: { ...draft.matrix, [event]: { ...draft.matrix[event], [channel]: !draft.matrix[event][channel] } },
    });
  };

  const save = async (e: Event | SubmitEvent) => {
    (e as SubmitEvent).preventDefault?.();
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      prefs.setData(
        await call(api.notifications.preferences.$put({ json: { scope: draft.scope, matrix: draft.matrix } })),
      );
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="matrix-title">
      <h2 id="matrix-title">What you are notified about</h2>
      <ErrorPanel error={prefs.error ?? error} />
      {draft && (
        <form onSubmit={save}>
          <fieldset class="radios">
            <legend>Conversations</legend>
            <label class="check">
              <input
                type="radio"
                name="scope"
                checked={draft.scope === 'ALL'}
                onChange={() => {
                  setSaved(false);
                  setDraft({ ...draft, scope: 'ALL' });
                }}
              />
              All conversations
            </label>
            <label class="check">
              <input
                type="radio"
                name="scope"
                checked={draft.scope === 'ASSIGNED_ONLY'}
                onChange={() => {
                  setSaved(false);
                  setDraft({ ...draft, scope: 'ASSIGNED_ONLY' });
                }}
              />
              Only conversations assigned to me
            </label>
          </fieldset>
          <table class="table matrix">
            <caption class="sr-only">Events and the ways you are told of them</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                {CHANNELS.map(([channel, label]) => (
                  <th key={channel} scope="col">
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {EVENTS.map(([event, label]) => (
                <tr key={event}>
                  <th scope="row">{label}</th>
                  {CHANNELS.map(([channel, channelLabel]) => (
                    <td key={channel}>
                      <input
                        type="checkbox"
                        aria-label={`${label}: ${channelLabel}`}
                        checked={draft.matrix[event][channel]}
                        onChange={() => toggle(event, channel)}
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">
            Push reaches the devices where you turned it on. Email is batched: one mail per conversation for a burst of
            updates.
          </p>
          <button type="submit" class="primary" disabled={busy}>
            Save preferences
          </button>
          {saved && (
            <span class="success" role="status">
              {' '}
              Saved
            </span>
          )}
        </form>
      )}
    </section>
  );
}

function Integrations() {
  const { canManageSettings } = usePermissions();
  const list = useLoad(() => call(api.notifications.integrations.$get()), []);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const update = async (integration: Integration, change: { enabled?: boolean }) => {
    setError(null);
    try {
      await call(api.notifications.integrations[':id'].$patch({ param: { id: integration.id }, json: change }));
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const remove = async (integration: Integration) => {
    setError(null);
    try {
      await call(api.notifications.integrations[':id'].$delete({ param: { id: integration.id } }));
      await list.reload();
    } catch (err) {
      setError(err);
    }
  };

  const items = list.data ?? [];
  return (
    <section class="card" aria-labelledby="integrations-title">
      <h2 id="integrations-title">Integrations</h2>
      <p class="muted">Organisation-wide: Slack or a signed webhook receives the events chosen for it.</p>
      <ErrorPanel error={list.error ?? error} />
      {secret && (
        <div class="notice" role="status">
          <p>
            The webhook's signing secret, shown only now: <code>{secret}</code>
          </p>
          <p class="muted">Each request carries X-HelpStack-Signature: sha256=HMAC-SHA256(secret, body) in hex.</p>
          <button type="button" class="link" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      )}
      {items.length === 0 ? (
        <p class="muted">No integrations yet.</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              {canManageSettings && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((integration) => (
              <tr key={integration.id}>
                <td>{integration.name}</td>
                <td>{integration.type === 'SLACK' ? 'Slack' : 'Webhook'}</td>
                <td>
                  <code>{integration.url}</code>
                </td>
                <td>{integration.events.map((e) => EVENTS.find(([k]) => k === e)?.[1] ?? e).join(', ')}</td>
                <td>{integration.enabled ? 'On' : 'Off'}</td>
                {canManageSettings && (
                  <td class="actions">
                    <button
                      type="button"
                      class="link"
                      onClick={() => update(integration, { enabled: !integration.enabled })}
                    >
                      {integration.enabled ? 'Turn off' : 'Turn on'}
                      <span class="sr-only"> {integration.name}</span>
                    </button>
                    <ConfirmButton
                      class="link danger"
                      message={`Remove the integration "${integration.name}"?`}
                      confirmLabel={`Remove ${integration.name}`}
                      onConfirm={() => remove(integration)}
                    >
                      Remove<span class="sr-only"> {integration.name}</span>
                    </ConfirmButton>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canManageSettings &&
        (adding ? (
          <IntegrationForm
            onDone={async (created) => {
              setAdding(false);
              if (created?.secret && created.type === 'WEBHOOK') setSecret(created.secret);
              await list.reload();
            }}
          />
        ) : (
          <button type="button" class="primary" onClick={() => setAdding(true)}>
            Add integration
          </button>
        ))}
    </section>
  );
}

function IntegrationForm({ onDone }: { onDone: (created?: Integration) => void }) {
  const [type, setType] = useState<'SLACK' | 'WEBHOOK'>('SLACK');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<IntegrationEvent[]>(['NEW_CONVERSATION']);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await call(api.notifications.integrations.$post({ json: { type, name, url, events } })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} class="card" aria-label="New integration">
      <ErrorPanel error={error} shownFields={['type', 'name', 'url', 'events']} />
      <Field label="Type" name="type" error={error}>
        {(props) => (
          <select {...props} value={type} onChange={(e) => setType(e.currentTarget.value as 'SLACK' | 'WEBHOOK')}>
            <option value="SLACK">Slack (incoming webhook)</option>
            <option value="WEBHOOK">Webhook (signed)</option>
          </select>
        )}
      </Field>
      <Field label="Name" name="name" error={error}>
        {(props) => (
          <input {...props} value={name} maxLength={100} required onInput={(e) => setName(e.currentTarget.value)} />
        )}
      </Field>
      <Field
        label="URL"
        name="url"
        error={error}
        hint={type === 'SLACK' ? 'https://hooks.slack.com/services/…' : 'A public https URL that accepts POST'}
      >
        {(props) => (
          <input
            {...props}
            type="url"
            value={url}
            maxLength={1000}
            required
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        )}
      </Field>
      <fieldset class="radios">
        <legend>Events</legend>
        {INTEGRATION_EVENTS.map(([event, label]) => (
          <label key={event} class="check">
            <input
              type="checkbox"
              checked={events.includes(event)}
              onChange={() =>
                setEvents(events.includes(event) ? events.filter((x) => x !== event) : [...events, event])
              }
            />
            {label}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={busy}>
        Add
      </button>{' '}
      <button type="button" onClick={() => onDone()}>
        Cancel
      </button>
    </form>
  );
}
