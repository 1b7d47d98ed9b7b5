// Flows: the reusable DM conversations triggers run, each with its version, the triggers that use it and the
// conversations in it right now. Admins create, duplicate and delete (a flow that triggers still use is not
// deleted: the server says which triggers, and that is shown).
import { useState } from 'preact/hooks';
import { ApiError, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { Link, navigate } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, formatDate, Skeleton, useLoad } from '../ui';
import type { Flow } from './flow-editor';
import './automations.css';
import './flows.css';

/** A refused delete or duplicate in the server's words (a 409 names the triggers that still use the flow). */
/** Runs a flow action (duplicate, delete); its failure is kept for FlowActionError until the next one starts. */
export function useFlowAction() {
  const [error, setError] = useState<unknown>(null);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    }
  };
  return { error, act };
}

export function FlowActionError({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 409) {
    return (
      <div class="error-panel" role="alert">
        <strong>This flow cannot be deleted. </strong>
        {error.message}
      </div>
    );
  }
  return <ErrorPanel error={error} />;
}

export async function duplicateFlow(flow: Flow) {
  const copy = await call(api.automations.flows[':id'].duplicate.$post({ param: { id: flow.id } }));
  navigate(`/automations/flows/${copy.id}`);
}

/** What deleting a flow does, said before it is done. */
export const deleteFlowMessage = (flow: Flow) =>
  `The flow "${flow.name}" is deleted. Conversations it is still running are handed to a human; a flow a trigger uses cannot be deleted.`;

export async function deleteFlow(flow: Flow): Promise<void> {
  await call(api.automations.flows[':id'].$delete({ param: { id: flow.id } }));
}

export function FlowListPage() {
  const { canManageSettings } = usePermissions();
  const flows = useLoad(() => call(api.automations.flows.$get()), []);
  const triggers = useLoad(() => call(api.automations.triggers.$get()).then((d) => d.triggers), []);
  const { error, act } = useFlowAction();

  const usedBy = (flow: Flow) =>
    (triggers.data ?? []).filter((t) => t.action.kind === 'FLOW' && t.action.flowId === flow.id);
  return (
    <section aria-labelledby="flows-title">
      <p class="back-link">
        <Link href="/automations">← Triggers</Link>
      </p>
      <div class="page-head">
        <h1 id="flows-title">Flows</h1>
        {canManageSettings && (
          <Link class="button primary" href="/automations/flows/new">
            New flow
          </Link>
        )}
      </div>
      <p class="muted">
        A flow is the DM conversation a trigger starts: messages, questions, quick replies, shop links, handoffs. One
        flow can serve many triggers. Editing a flow makes a new version; conversations already in it finish on the
        version they started with.
      </p>
      {/* Without the triggers (a viewer may not list them) the list still says how many use each flow. */}
      <ErrorPanel error={flows.error} />
      <FlowActionError error={error} />
      {flows.loading && !flows.data && <Skeleton rows={3} label="Loading flows" />}
      {flows.data && flows.data.length === 0 && (
        <p class="muted">No flows yet. {canManageSettings ? 'Create one, then choose it in a trigger.' : ''}</p>
      )}
      {flows.data && flows.data.length > 0 && (
        <table class="table" aria-label="Flows">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col">Used by</th>
              <th scope="col">In progress</th>
              <th scope="col">Last changed</th>
              {canManageSettings && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {flows.data.map((flow) => {
              const names = usedBy(flow).map((t) => t.name);
              return (
                <tr key={flow.id}>
                  <td>
                    <Link href={`/automations/flows/${flow.id}`}>{flow.name}</Link>
                  </td>
                  <td>{flow.version}</td>
                  <td>
                    {flow.triggerCount === 0
                      ? 'No trigger'
                      : names.length
                        ? names.join(', ')
                        : `${flow.triggerCount} ${flow.triggerCount === 1 ? 'trigger' : 'triggers'}`}
                  </td>
                  <td>
                    {flow.activeRuns} {flow.activeRuns === 1 ? 'conversation' : 'conversations'}
                  </td>
                  <td>{formatDate(flow.updatedAt)}</td>
                  {canManageSettings && (
                    <td class="row-actions">
                      <button
                        type="button"
                        aria-label={`Duplicate ${flow.name}`}
                        onClick={() => act(() => duplicateFlow(flow))}
                      >
                        Duplicate
                      </button>
                      <ConfirmButton
                        aria-label={`Delete ${flow.name}`}
                        confirmLabel={`Delete ${flow.name}`}
                        message={deleteFlowMessage(flow)}
                        onConfirm={() =>
                          act(async () => {
                            await deleteFlow(flow);
                            await flows.reload();
                          })
                        }
                      >
                        Delete
                      </ConfirmButton>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
