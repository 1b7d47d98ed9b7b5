// Automations: the comment triggers in priority order (drag and drop, or Move up / Move down for keyboard
// users), each with its status dot (green active, grey draft) and how often it fired. Only the highest-priority
// matching trigger runs for a comment. Admins reorder and create; everyone else reads.
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { moveButtonId, useReorder } from '../reorder';
import { Link } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, Skeleton, useLoad } from '../ui';
import './automations.css';

type Trigger = ApiData<typeof api.automations.triggers.$get>['triggers'][number];

export function AutomationsPage() {
  const { canManageSettings } = usePermissions();
  const triggers = useLoad(() => call(api.automations.triggers.$get()).then((d) => d.triggers), []);
  const [error, setError] = useState<unknown>(null);
  const [announcement, setAnnouncement] = useState('');
  const list: Trigger[] = triggers.data ?? [];

  const reorder = async (ids: string[], moved: string) => {
    setError(null);
    const previous = list;
    triggers.setData(ids.map((id) => previous.find((t) => t.id === id)!));
    try {
      triggers.setData((await call(api.automations.triggers.reorder.$post({ json: { ids } }))).triggers);
      setAnnouncement(`Priority ${ids.indexOf(moved) + 1} of ${ids.length}`);
    } catch (err) {
      triggers.setData(previous);
      setError(err);
    }
  };
  const { dragged, moveAndFocus, dragProps } = useReorder(
    list.map((t) => t.id),
    canManageSettings,
    reorder,
  );

  return (
    <section aria-labelledby="automations-title">
      <div class="page-head">
        <h1 id="automations-title">Automations</h1>
        <span class="actions">
          <Link class="button" href="/automations/flows">
            Flows
          </Link>
          {canManageSettings && (
            <Link class="button primary" href="/automations/new">
              New trigger
            </Link>
          )}
        </span>
      </div>
      <p class="muted">
        Comment triggers, highest priority first. When several match a comment only the first one runs: one comment, at
        most one DM. Put the most precise triggers (specific videos, SKUs) above keywords and the question-mark
        catch-all.
      </p>
      <ErrorPanel error={triggers.error ?? error} />
      <p class="sr-only" aria-live="polite">
        {announcement}
      </p>
      {triggers.loading && !triggers.data && <Skeleton rows={3} label="Loading triggers" />}
      {triggers.data && list.length === 0 && (
        <p class="muted">No triggers yet. {canManageSettings ? 'Create one to turn comments into DMs.' : ''}</p>
      )}
      <ol class="trigger-list" aria-label="Triggers in priority order">
        {list.map((t, i) => (
          <li key={t.id} class={dragged === t.id ? 'trigger-row dragging' : 'trigger-row'} {...dragProps(t.id)}>
            <div>
              <span class={t.status === 'ACTIVE' ? 'dot green' : 'dot grey'} aria-hidden="true" />
              <Link href={`/automations/${t.id}`}>{t.name}</Link>{' '}
              <small class="muted">
                {t.status === 'ACTIVE' ? 'Active' : 'Draft'} · priority {t.priority} · fired {t.counts.fired}{' '}
                {t.counts.fired === 1 ? 'time' : 'times'}
              </small>
            </div>
            {canManageSettings && (
              <div class="actions">
                <button
                  type="button"
                  id={moveButtonId(t.id, -1)}
                  disabled={i === 0}
                  aria-label={`Move up: ${t.name}`}
                  onClick={() => moveAndFocus(t.id, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  id={moveButtonId(t.id, 1)}
                  disabled={i === list.length - 1}
                  aria-label={`Move down: ${t.name}`}
                  onClick={() => moveAndFocus(t.id, 1)}
                >
                  ↓
                </button>
              </div>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
