// Settings → Agent tools → one tool: its definition, edit and delete for admins, and its call log
// (newest first, paged) so a team can see whether and how the AI used it.
import { useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { Link, navigate } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel, formatDate, useLoad } from '../ui';
import { scopeLabel, ToolForm } from './agent-tools-page';

type LogPage = ApiData<(typeof api)['agent-tools'][':id']['logs']['$get']>;
type LogEntry = LogPage['items'][number];

const PAGE_SIZE = 20;
const RESPONSE_PREVIEW = 300;

const STATUS_LABELS: Record<LogEntry['status'], string> = {
  SUCCESS: 'Success',
  ERROR: 'Error',
  TIMEOUT: 'Timed out',
  INVALID_ARGUMENTS: 'Invalid arguments',
};

export function AgentToolPage({ params }: { params: Record<string, string> }) {
  const id = params.id!;
  const { canManageSettings } = usePermissions();
  const tool = useLoad(() => call(api['agent-tools'][':id'].$get({ param: { id } })), [id]);
  const channels = useLoad(() => call(api.channels.$get()), []);
  const [page, setPage] = useState(1);
  const logs = useLoad(
    () =>
      call(
        api['agent-tools'][':id'].logs.$get({
          param: { id },
          query: { page: String(page), pageSize: String(PAGE_SIZE) },
        }),
      ),
    [id, page],
  );
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  const t = tool.data;

  const remove = async () => {
    setError(null);
    try {
      await call(api['agent-tools'][':id'].$delete({ param: { id } }));
      navigate('/settings/agent-tools');
    } catch (err) {
      setError(err);
    }
  };

  const pages = logs.data ? Math.max(1, Math.ceil(logs.data.total / logs.data.pageSize)) : 1;

  return (
    <section aria-labelledby="tool-title">
      <p>
        <Link href="/settings/agent-tools">← All agent tools</Link>
      </p>
      <div class="page-head">
        <h1 id="tool-title">{t ? <code>{t.name}</code> : 'Agent tool'}</h1>
        {canManageSettings && t && !editing && (
          <div class="actions">
            <button type="button" onClick={() => setEditing(true)}>
              Edit tool
            </button>
            <ConfirmButton
              message={`Delete the tool "${t.name}" and its call log? The AI stops using it at once.`}
              confirmLabel={`Delete ${t.name}`}
              onConfirm={remove}
            >
              Delete tool
            </ConfirmButton>
          </div>
        )}
      </div>
      <ErrorPanel error={tool.error ?? error} />
      <p role="status">{notice}</p>
      {t && editing && (
        <ToolForm
          tool={t}
          channels={channels.data ?? []}
          onDone={(saved) => {
            setEditing(false);
            tool.setData(saved);
            setNotice(`Saved ${saved.name}.`);
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      {t && !editing && (
        <dl class="summary card">
          <dt>Available in</dt>
          <dd>{scopeLabel(t, channels.data)}</dd>
          <dt>Type</dt>
          <dd>
            {t.type === 'SERVER_SIDE'
              ? 'SERVER_SIDE (HelpStack calls your endpoint)'
              : "CLIENT_SIDE (visitor's browser)"}
          </dd>
          {t.type === 'SERVER_SIDE' && (
            <>
              <dt>Endpoint</dt>
              <dd class="tool-endpoint">
                <strong>{t.method}</strong> {t.url}
              </dd>
              <dt>Headers</dt>
              <dd>
                {Object.keys(t.headers).length === 0 ? (
                  <span class="muted">None</span>
                ) : (
                  Object.entries(t.headers).map(([name, masked]) => (
                    <div key={name}>
                      <code>{name}</code>: <code>{masked}</code>
                    </div>
                  ))
                )}
              </dd>
            </>
          )}
          <dt>Status</dt>
          <dd>{t.isActive ? 'Active' : 'Inactive: never offered to the AI'}</dd>
          <dt>Description</dt>
          <dd>{t.description}</dd>
          <dt>Parameters schema</dt>
          <dd>
            <pre>{JSON.stringify(t.parametersSchema, null, 2)}</pre>
          </dd>
        </dl>
      )}

      <div class="page-head">
        <h2 id="log-title">Call log</h2>
        <button type="button" onClick={() => logs.reload()}>
          Refresh call log
        </button>
      </div>
      <ErrorPanel error={logs.error} />
      {logs.data && logs.data.items.length === 0 && page === 1 && <p class="muted">No calls yet.</p>}
      {logs.data && logs.data.items.length > 0 && (
        <table class="table tool-log" aria-labelledby="log-title">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Status</th>
              <th scope="col">Duration</th>
              <th scope="col">Arguments</th>
              <th scope="col">Response or error</th>
            </tr>
          </thead>
          <tbody>
            {logs.data.items.map((entry) => (
              <LogRow key={entry.id} entry={entry} />
            ))}
          </tbody>
        </table>
      )}
      {logs.data && pages > 1 && (
        <nav class="pager" aria-label="Call log pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
            Newer calls
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
            Older calls
          </button>
        </nav>
      )}
    </section>
  );
}

function LogRow({ entry }: { entry: LogEntry }) {
  const response = entry.response ?? '';
  const long = response.length > RESPONSE_PREVIEW;
  return (
    <tr>
      <td>{formatDate(entry.createdAt)}</td>
      <td>
        <span class={entry.status === 'SUCCESS' ? 'status status-open' : 'status status-failed'}>
          {STATUS_LABELS[entry.status]}
        </span>
      </td>
      <td>{entry.durationMs} ms</td>
      <td>
        <pre class="log-json">{JSON.stringify(entry.arguments, null, 2)}</pre>
      </td>
      <td>
        {entry.error && <p class="field-error">{entry.error}</p>}
        {response &&
          (long ? (
            <details>
              <summary>
                <code class="log-response">{`${response.slice(0, RESPONSE_PREVIEW)}…`}</code>
              </summary>
              <pre class="log-json">{response}</pre>
            </details>
          ) : (
            <code class="log-response">{response}</code>
          ))}
        {!entry.error && !response && <span class="muted">Empty</span>}
      </td>
    </tr>
  );
}
