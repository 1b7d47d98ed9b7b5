// A conversation the bot touched: Take it / Hand back to bot in the header, and the side panel's automation
// section (state, when a paused flow resumes, why it was handed off, trigger, flow and current step, the answers
// captured, contact tags).
import { useState } from 'preact/hooks';
import { type ApiData, ApiError, api, call } from '../api';
import { closesIn, StateChip } from '../inbox/automation';
import { ErrorPanel } from '../ui';
import '../inbox/automation.css';

export type Automation = NonNullable<ApiData<(typeof api.conversations)[':id']['automation']['$get']>>;

/** "resumes in 5 min": when a flow asleep in a Wait block goes on. */
export function resumesIn(at: number, now = Date.now()): string {
  const ms = at - now;
  if (ms <= 0) return 'resuming now';
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `resumes in ${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `resumes in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `resumes in ${hours} h`;
  return `resumes in ${Math.round(hours / 24)} days`;
}

/**
 * Take it (assign to me, Human), Assign to… (a teammate; the assignment makes it Human too) and Hand back to bot;
 * a refused hand-back says why in the server's words.
 */
export function AutomationActions({
  conversationId,
  automation,
  me,
  teammates,
  assignedToId,
  onAssign,
  onChanged,
}: {
  conversationId: string;
  automation: Automation;
  me: string;
  teammates: { userId: string; name: string }[];
  assignedToId: string | null;
  onAssign: (userId: string) => void;
  onChanged: (automation: Automation) => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const act = async (request: () => Promise<Automation>) => {
    setError(null);
    setBusy(true);
    try {
      onChanged(await request());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const param = { id: conversationId };
  const mine = automation.state === 'HUMAN' && automation.ownerId === me;
  return (
    <>
      {!mine && (
        <button
          type="button"
          disabled={busy}
          onClick={() => act(() => call(api.conversations[':id'].take.$post({ param })))}
        >
          Take it
        </button>
      )}
      <select
        aria-label="Assign to…"
        value=""
        disabled={busy}
        onChange={(e) => {
          const userId = e.currentTarget.value;
          if (userId) onAssign(userId);
        }}
      >
        <option value="">Assign to…</option>
        {teammates
          .filter((m) => m.userId !== me && m.userId !== assignedToId)
          .map((m) => (
            <option key={m.userId} value={m.userId}>
              {m.name}
            </option>
          ))}
      </select>
      {automation.state === 'HUMAN' && (
        <button
          type="button"
          disabled={busy}
          onClick={() => act(() => call(api.conversations[':id']['hand-back'].$post({ param })))}
        >
          Hand back to bot
        </button>
      )}
      {error instanceof ApiError && error.status === 409 ? (
        <p class="error-panel" role="alert">
          <strong>The bot cannot take this back. </strong>
          {error.message}
        </p>
      ) : (
        <ErrorPanel error={error} />
      )}
    </>
  );
}

export function AutomationPanel({ automation }: { automation: Automation }) {
  const fields = Object.entries(automation.fields);
  return (
    <section class="automation-panel" aria-labelledby="automation-title">
      <h2 id="automation-title">Automation</h2>
      <dl class="summary">
        <dt>State</dt>
        <dd>
          <StateChip state={automation.state} />
          {automation.state === 'WAITING' && automation.waitingUntil && (
            <span class="muted"> {closesIn(automation.waitingUntil)}</span>
          )}
          {automation.state === 'BOT' && automation.wakeAt && (
            <span class="muted">
              {' '}
              Paused in a Wait step:{' '}
              <time dateTime={new Date(automation.wakeAt).toISOString()}>{resumesIn(automation.wakeAt)}</time>
            </span>
          )}
        </dd>
        {automation.handoffReason && (
          <>
            <dt>Handed off because</dt>
            <dd>{automation.handoffReason}</dd>
          </>
        )}
        <dt>Triggered by</dt>
        <dd>{automation.trigger?.name ?? '—'}</dd>
        <dt>Flow</dt>
        <dd>{automation.flow ? `${automation.flow.name} (version ${automation.flow.version})` : '—'}</dd>
        <dt>Current step</dt>
        <dd>{automation.currentBlockId ?? '—'}</dd>
        <dt>Answers</dt>
        <dd>
          {fields.length ? (
            <ul>
              {fields.map(([name, value]) => (
                <li key={name}>
                  <code>{name}</code>: {value}
                </li>
              ))}
            </ul>
          ) : (
            '—'
          )}
        </dd>
        <dt>Contact tags</dt>
        <dd>
          {automation.tags.length
            ? automation.tags.map((tag) => (
                <span key={tag} class="tag-chip">
                  #{tag}
                </span>
              ))
            : '—'}
        </dd>
      </dl>
    </section>
  );
}
