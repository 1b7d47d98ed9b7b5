// A trigger's page: what it does (the message it sends, or the flow it runs with a link to it), Edit / Duplicate / Delete for admins, Test against history (paste a comment,
// optionally pick a video and a commenter: which trigger would fire and why each other would not, nothing is
// written) and the last 50 evaluations with the reason for each.
import { useState } from 'preact/hooks';
import { type ApiData, ApiError, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { Link, navigate } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, formatDate, Skeleton, useLoad } from '../ui';
import { OUTCOME_LABELS } from './labels';
import { TriggerEditor } from './trigger-editor';
import './automations.css';

type TestResult = ApiData<(typeof api.automations.triggers)['test']['$post']>;
type Action = ApiData<(typeof api.automations.triggers)[':id']['$get']>['action'];

/** What the trigger sends: its message, or the flow it runs (named, linked to the flow's page). */
function TriggerAction({ action }: { action: Action }) {
  const flowId = action.kind === 'FLOW' ? action.flowId : null;
  const flow = useLoad(
    () => (flowId ? call(api.automations.flows[':id'].$get({ param: { id: flowId } })) : Promise.resolve(null)),
    [flowId],
  );
  if (action.kind === 'MESSAGE') {
    return <p class="trigger-action">Sends the DM: “{action.text}”</p>;
  }
  if (flow.error instanceof ApiError && flow.error.status === 404) {
    return <p class="trigger-action">Runs a flow that no longer exists: edit the trigger to choose another.</p>;
  }
  if (flow.error) return <ErrorPanel error={flow.error} />;
  return (
    <p class="trigger-action">
      Runs the flow{' '}
      {flow.data && !flow.loading ? (
        <Link href={`/automations/flows/${action.flowId}`}>{flow.data.name}</Link>
      ) : (
        <span>…</span>
      )}
    </p>
  );
}

export function TriggerPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const { canManageSettings, canReply } = usePermissions();
  const trigger = useLoad(() => call(api.automations.triggers[':id'].$get({ param: { id } })), [id]);
  const log = useLoad(
    () => call(api.automations.triggers[':id'].evaluations.$get({ param: { id } })).then((d) => d.evaluations),
    [id],
  );
  const posts = useLoad(() => call(api.automations.posts.$get()).then((d) => d.posts), []);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [text, setText] = useState('');
  const [postId, setPostId] = useState('');
  const [commenterId, setCommenterId] = useState('');
  const [scopeAll, setScopeAll] = useState(true);
  const [result, setResult] = useState<TestResult | null>(null);

  const t = trigger.data;
  const duplicate = async () => {
    setError(null);
    try {
      const copy = await call(api.automations.triggers[':id'].duplicate.$post({ param: { id } }));
      navigate(`/automations/${copy.id}`);
    } catch (err) {
      setError(err);
    }
  };
  const remove = async () => {
    setError(null);
    try {
      await call(api.automations.triggers[':id'].$delete({ param: { id } }));
      navigate('/automations');
    } catch (err) {
      setError(err);
    }
  };
  const test = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const json = { text, postId: postId || null, commenterId: commenterId.trim() || null };
    try {
      setResult(
        scopeAll
          ? await call(api.automations.triggers.test.$post({ json }))
          : await call(api.automations.triggers[':id'].test.$post({ param: { id }, json })),
      );
    } catch (err) {
      setError(err);
    }
  };

  if (trigger.error) return <ErrorPanel error={trigger.error} />;
  if (!t) return <Skeleton rows={4} label="Loading trigger" />;
  return (
    <section aria-labelledby="trigger-title">
      <div class="page-head">
        <h1 id="trigger-title">
          <span class={t.status === 'ACTIVE' ? 'dot green' : 'dot grey'} aria-hidden="true" />
          {t.name}
        </h1>
        {canManageSettings && (
          <div class="actions">
            <button type="button" onClick={() => setEditing(!editing)}>
              {editing ? 'Close editor' : 'Edit'}
            </button>
            <button type="button" onClick={duplicate}>
              Duplicate
            </button>
            <ConfirmButton
              confirmLabel={`Delete ${t.name}`}
              message={`The trigger "${t.name}" is deleted. Its log and throttle history go with it.`}
              onConfirm={remove}
            >
              Delete
            </ConfirmButton>
          </div>
        )}
      </div>
      <p class="muted">
        {t.status === 'ACTIVE' ? 'Active' : 'Draft: never fires'} · priority {t.priority}
        {t.publicReply ? ` · public reply: “${t.publicReply}”` : ''}
      </p>
      <TriggerAction action={t.action} />
      <ErrorPanel error={error} />
      {editing && (
        <TriggerEditor
          trigger={t}
          onSaved={(saved) => {
            trigger.setData(saved);
            setEditing(false);
          }}
        />
      )}

      {/* Testing needs the AGENT role; VIEWERs read the trigger and its log. */}
      {canReply && <h2>Test against history</h2>}
      {canReply && (
        <form class="card" onSubmit={test} aria-label="Test against history" noValidate>
          <label>
            Comment <textarea rows={2} value={text} maxLength={2000} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
          <label>
            Video (optional){' '}
            <select value={postId} onChange={(e) => setPostId(e.currentTarget.value)}>
              <option value="">No video</option>
              {(posts.data ?? []).map((p) => (
                <option key={p.postId} value={p.postId}>
                  {p.caption || p.postId}
                  {p.isLive ? ' (LIVE)' : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            Commenter's TikTok id (optional){' '}
            <input value={commenterId} maxLength={128} onInput={(e) => setCommenterId(e.currentTarget.value)} />
          </label>
          <label class="check">
            <input type="checkbox" checked={scopeAll} onChange={(e) => setScopeAll(e.currentTarget.checked)} /> Against
            all triggers (otherwise this one alone, as if active)
          </label>
          <button type="submit" class="primary">
            Test
          </button>
        </form>
      )}
      {result && (
        <div aria-live="polite" class="card">
          <p>
            <strong>
              {result.wouldFire
                ? `Would fire: ${result.results.find((r) => r.triggerId === result.wouldFire)?.name}`
                : 'No trigger would fire.'}
            </strong>
          </p>
          <ul>
            {result.results.map((r) => (
              <li key={r.triggerId}>
                {r.name}: {OUTCOME_LABELS[r.outcome] ?? r.outcome}: {r.reason}
              </li>
            ))}
          </ul>
        </div>
      )}

      <div class="page-head">
        <h2>Last 50 evaluations</h2>
        <button type="button" onClick={() => log.reload()}>
          Refresh
        </button>
      </div>
      <ErrorPanel error={log.error} />
      {log.data && log.data.length === 0 && <p class="muted">No comment has been evaluated yet.</p>}
      {log.data && log.data.length > 0 && (
        <table class="eval-log" aria-label="Last 50 evaluations">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Comment</th>
              <th scope="col">Outcome</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {log.data.map((e) => (
              <tr key={e.commentId}>
                <td>{formatDate(e.evaluatedAt)}</td>
                <td>
                  <strong>{e.commenterName ?? e.commenterId}</strong>: {e.text}
                </td>
                <td>{OUTCOME_LABELS[e.outcome] ?? e.outcome}</td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
