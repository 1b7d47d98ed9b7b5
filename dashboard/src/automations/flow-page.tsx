// One flow: its version and use, the editor for admins (saving makes a new version), Duplicate and Delete.
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { Link, navigate } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, formatDate, Skeleton, useLoad } from '../ui';
import { BLOCK_LABELS, FlowEditor } from './flow-editor';
import { deleteFlow, deleteFlowMessage, duplicateFlow, FlowActionError, useFlowAction } from './flow-list-page';
import './automations.css';
import './flows.css';

export function FlowPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const { canManageSettings } = usePermissions();
  const flow = useLoad(() => call(api.automations.flows[':id'].$get({ param: { id } })), [id]);
  const { error, act } = useFlowAction();
  const [saved, setSaved] = useState('');

  if (flow.error) return <ErrorPanel error={flow.error} />;
  const f = flow.data;
  if (!f) return <Skeleton rows={4} label="Loading flow" />;
  return (
    <section aria-labelledby="flow-title">
      <p class="back-link">
        <Link href="/automations/flows">← Flows</Link>
      </p>
      <div class="page-head">
        <h1 id="flow-title">{f.name}</h1>
        {canManageSettings && (
          <div class="actions">
            <button type="button" onClick={() => act(() => duplicateFlow(f))}>
              Duplicate
            </button>
            <ConfirmButton
              confirmLabel={`Delete ${f.name}`}
              message={deleteFlowMessage(f)}
              onConfirm={() =>
                act(async () => {
                  await deleteFlow(f);
                  navigate('/automations/flows');
                })
              }
            >
              Delete
            </ConfirmButton>
          </div>
        )}
      </div>
      <p class="muted">
        Version {f.version} · used by {f.triggerCount} {f.triggerCount === 1 ? 'trigger' : 'triggers'} · {f.activeRuns}{' '}
        {f.activeRuns === 1 ? 'conversation' : 'conversations'} in progress · changed {formatDate(f.updatedAt)}
      </p>
      <div role="status">{saved && <p class="success">{saved}</p>}</div>
      <FlowActionError error={error} />
      {canManageSettings ? (
        <FlowEditor
          key={`${f.id}-${f.version}`}
          flow={f}
          onSaved={(next) => {
            flow.setData(next);
            setSaved(
              `Saved as version ${next.version}. Conversations already in this flow finish on the version they started with.`,
            );
          }}
        />
      ) : (
        <ol class="flow-blocks" aria-label="Blocks in order">
          {f.blocks.map((b, i) => (
            <li key={b.id} class="card">
              {i + 1}. {BLOCK_LABELS[b.type]} <small class="muted">({b.id})</small>
              {'text' in b && b.text ? `: ${b.text}` : ''}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
