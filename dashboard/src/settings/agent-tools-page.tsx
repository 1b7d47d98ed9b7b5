// Settings → Agent tools: the functions an AI reply may call, org-wide or for one channel, organisation tools
// attached to channels, plus the tool form (shared with the tool page) and the OpenAPI import. Everyone reads;
// admins manage.
import { useState } from 'preact/hooks';
import { type ApiData, ApiError, api, call, fieldError } from '../api';
import { Link } from '../router';
import { usePermissions } from '../session';
import { Counter, ErrorPanel, Field, useLoad } from '../ui';

export type Tool = ApiData<(typeof api)['agent-tools']['$get']>[number];
type Channel = ApiData<typeof api.channels.$get>[number];
type ToolType = Tool['type'];
type Method = Tool['method'];
type Proposal = ApiData<(typeof api)['agent-tools']['import-openapi']['$post']>['tools'][number];

const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH'];
const DESCRIPTION_MAX = 2000;
const NAME_RULE = 'Letters, digits and _, at most 64, not starting with a digit: e.g. get_order_status';
const EMPTY_SCHEMA = '{\n  "type": "object",\n  "properties": {}\n}';

/**
 * Where a tool applies: one channel; an organisation tool attached to some channels, only those; an organisation
 * tool attached to none, every channel.
 */
export function scopeLabel(
  tool: Pick<Tool, 'channelId' | 'attachedChannelIds'>,
  channels: Channel[] | undefined,
): string {
  const name = (id: string) => channels?.find((c) => c.id === id)?.name ?? 'A channel';
  if (tool.channelId) return name(tool.channelId);
  if (!tool.attachedChannelIds.length) return 'Organisation (every channel)';
  return `Organisation (attached to ${tool.attachedChannelIds.map(name).join(', ')})`;
}

export function AgentToolsPage() {
  const { canManageSettings } = usePermissions();
  // Org-level tools and each channel's own: the API lists them per scope (a channel's list also repeats the
  // organisation tools attached to it, which the org list already holds).
  const loaded = useLoad(async () => {
    const channels = await call(api.channels.$get());
    const [org, ...perChannel] = await Promise.all([
      call(api['agent-tools'].$get()),
      ...channels.map((c) => call(api.channels[':id']['agent-tools'].$get({ param: { id: c.id } }))),
    ]);
    return { channels, tools: [...org!, ...perChannel.flat().filter((t) => t.channelId !== null)] };
  }, []);
  const channels = loaded.data?.channels;
  const [scope, setScope] = useState('all');
  const [panel, setPanel] = useState<'create' | 'import' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  const toggle = async (tool: Tool) => {
    setError(null);
    setNotice('');
    try {
      await call(api['agent-tools'][':id'].$patch({ param: { id: tool.id }, json: { isActive: !tool.isActive } }));
      await loaded.reload();
      setNotice(`${tool.name} is now ${tool.isActive ? 'inactive' : 'active'}.`);
    } catch (err) {
      setError(err);
    }
  };

  const saved = async (message: string, close = true) => {
    if (close) setPanel(null);
    await loaded.reload();
    setNotice(message);
  };

  const tools = loaded.data?.tools ?? [];
  const channelScope = scope !== 'all' && scope !== 'org' ? scope : null;
  const shown = tools.filter((t) =>
    scope === 'all'
      ? true
      : scope === 'org'
        ? t.channelId === null
        : t.channelId === scope || t.attachedChannelIds.includes(scope),
  );
  const channelName = channels?.find((c) => c.id === channelScope)?.name ?? 'this channel';

  const detach = async (tool: Tool, channelId: string) => {
    setError(null);
    setNotice('');
    try {
      await call(api.channels[':id']['agent-tools'][':toolId'].$delete({ param: { id: channelId, toolId: tool.id } }));
      await loaded.reload();
      setNotice(`${tool.name} is detached from ${channelName}.`);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="tools-title">
      <div class="page-head">
        <h1 id="tools-title">Agent tools</h1>
        {canManageSettings && !panel && (
          <div class="actions">
            <button type="button" class="primary" onClick={() => setPanel('create')}>
              Add tool
            </button>
            <button type="button" onClick={() => setPanel('import')}>
              Import from OpenAPI
            </button>
          </div>
        )}
      </div>
      <p class="muted">
        The AI may call these tools while it writes a reply, and weaves what they return into the answer. It decides
        from each tool's description when to call it. Every call is logged on the tool's page.
      </p>
      <ErrorPanel error={loaded.error ?? error} />
      <p role="status">{notice}</p>
      {panel === 'create' && (
        <ToolForm
          tool={null}
          channels={channels ?? []}
          onDone={(tool) => saved(`Created ${tool.name}.`)}
          onCancel={() => setPanel(null)}
        />
      )}
      {panel === 'import' && (
        <OpenApiImport channels={channels ?? []} onSaved={saved} onCancel={() => setPanel(null)} />
      )}
      <div class="filters">
        <label>
          Show tools for
          <select value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
            <option value="all">All</option>
            <option value="org">Organisation (every channel)</option>
            {channels?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {channelScope && (
        <p class="muted">
          Shown: this channel's own tools and the organisation tools attached to it. Organisation tools attached to no
          channel are offered here too.
        </p>
      )}
      {channelScope && canManageSettings && (
        <AttachTool
          channelId={channelScope}
          channelName={channelName}
          candidates={tools.filter((t) => t.channelId === null && !t.attachedChannelIds.includes(channelScope))}
          onAttached={(tool) => saved(`${tool.name} is attached to ${channelName}.`, false)}
          onError={setError}
        />
      )}
      {loaded.data && shown.length === 0 && <p class="muted">No tools here yet.</p>}
      {shown.length > 0 && (
        <table class="table">
          <caption class="sr-only">Agent tools</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Type</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Active</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link href={`/settings/agent-tools/${t.id}`}>
                    <code>{t.name}</code>
                  </Link>
                </td>
                <td>
                  {scopeLabel(t, channels)}
                  {channelScope && canManageSettings && t.channelId === null && (
                    <>
                      {' '}
                      <button type="button" onClick={() => detach(t, channelScope)}>
                        Detach <span class="sr-only">{t.name}</span>
                      </button>
                    </>
                  )}
                </td>
                <td>{t.type}</td>
                <td class="tool-endpoint">
                  {t.type === 'SERVER_SIDE' ? (
                    <>
                      <strong>{t.method}</strong> {t.url}
                    </>
                  ) : (
                    <span class="muted">Runs in the visitor's browser</span>
                  )}
                </td>
                <td>
                  {canManageSettings ? (
                    <label class="check">
                      <input type="checkbox" checked={t.isActive} onChange={() => toggle(t)} />
                      Active <span class="sr-only">{t.name}</span>
                    </label>
                  ) : t.isActive ? (
                    'Active'
                  ) : (
                    <span class="badge-inactive">Inactive</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Attach an existing organisation tool to one channel, so the AI is offered it there. */
function AttachTool({
  channelId,
  channelName,
  candidates,
  onAttached,
  onError,
}: {
  channelId: string;
  channelName: string;
  candidates: Tool[];
  onAttached: (tool: Tool) => void;
  onError: (error: unknown) => void;
}) {
  const [toolId, setToolId] = useState('');
  const [busy, setBusy] = useState(false);
  const chosen = candidates.some((t) => t.id === toolId) ? toolId : '';

  const attach = async (e: Event) => {
    e.preventDefault();
    if (!chosen) return;
    onError(null);
    setBusy(true);
    try {
      const tool = await call(
        api.channels[':id']['agent-tools'].$post({ param: { id: channelId }, json: { toolId: chosen } }),
      );
      setToolId('');
      onAttached(tool);
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!candidates.length) return null;
  return (
    <form class="filters" onSubmit={attach} aria-label={`Attach an organisation tool to ${channelName}`}>
      <label>
        Organisation tool to attach
        <select value={chosen} onChange={(e) => setToolId(e.currentTarget.value)}>
          <option value="">Choose a tool</option>
          {candidates.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy || !chosen}>
        Attach to {channelName}
      </button>
      <p class="hint">
        Once attached to any channel, an organisation tool is offered only on the channels it is attached to.
      </p>
    </form>
  );
}

interface HeaderRow {
  key: string;
  value: string;
  /** The masked value of a stored header; its key is fixed and a blank value keeps what is stored. */
  masked?: string;
}

/** Create (org-wide or for a channel) or edit an agent tool. */
export function ToolForm({
  tool,
  channels,
  onDone,
  onCancel,
}: {
  tool: Tool | null;
  channels: Channel[];
  onDone: (tool: Tool) => void;
  onCancel: () => void;
}) {
  const [channelId, setChannelId] = useState('');
  const [name, setName] = useState(tool?.name ?? '');
  const [description, setDescription] = useState(tool?.description ?? '');
  const [type, setType] = useState<ToolType>(tool?.type ?? 'SERVER_SIDE');
  const [url, setUrl] = useState(tool?.url ?? '');
  const [method, setMethod] = useState<Method>(tool?.method ?? 'POST');
  const [headers, setHeaders] = useState<HeaderRow[]>(
    Object.entries(tool?.headers ?? {}).map(([key, masked]) => ({ key, value: '', masked })),
  );
  const [schema, setSchema] = useState(tool ? JSON.stringify(tool.parametersSchema, null, 2) : EMPTY_SCHEMA);
  const [isActive, setIsActive] = useState(tool?.isActive ?? true);
  const [error, setError] = useState<unknown>(null);

  const setHeader = (index: number, change: Partial<HeaderRow>) =>
    setHeaders(headers.map((h, i) => (i === index ? { ...h, ...change } : h)));

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let parametersSchema: Record<string, unknown>;
    try {
      parametersSchema = JSON.parse(schema);
    } catch (err) {
      setError(
        new ApiError(400, 'Check the highlighted fields', 'VALIDATION_ERROR', {
          parametersSchema: [`Not valid JSON: ${err instanceof Error ? err.message : String(err)}`],
        }),
      );
      return;
    }
    const headerObject = Object.fromEntries(
      headers
        .filter((h) => h.key.trim())
        // The server keeps the stored value when it gets the masked one back.
        .map((h) => [h.key.trim(), h.masked && !h.value ? h.masked : h.value]),
    );
    const json = {
      name: name.trim(),
      description,
      type,
      isActive,
      parametersSchema,
      ...(type === 'SERVER_SIDE' ? { url: url.trim(), method, headers: headerObject } : { url: null }),
    };
    try {
      const saved = tool
        ? await call(api['agent-tools'][':id'].$patch({ param: { id: tool.id }, json }))
        : channelId
          ? await call(api.channels[':id']['agent-tools'].$post({ param: { id: channelId }, json }))
          : await call(api['agent-tools'].$post({ json }));
      onDone(saved);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="tool-form-title" noValidate>
      <h2 id="tool-form-title">{tool ? `Edit ${tool.name}` : 'Add a tool'}</h2>
      {!tool && (
        <Field label="Available in" name="channelId" error={error}>
          {(p) => (
            <select {...p} value={channelId} onChange={(e) => setChannelId(e.currentTarget.value)}>
              <option value="">Organisation (every channel)</option>
              {channels.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} only
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <fieldset class="radios">
        <legend>Type</legend>
        <label class="check">
          <input
            type="radio"
            name="tool-type"
            checked={type === 'SERVER_SIDE'}
            onChange={() => setType('SERVER_SIDE')}
          />
          SERVER_SIDE: HelpStack calls your HTTPS endpoint
        </label>
        <label class="check">
          <input
            type="radio"
            name="tool-type"
            checked={type === 'CLIENT_SIDE'}
            onChange={() => setType('CLIENT_SIDE')}
          />
          CLIENT_SIDE: runs in the visitor's browser through the chat widget
        </label>
      </fieldset>
      <Field label="Name" name="name" error={error} hint={NAME_RULE}>
        {(p) => (
          <input
            {...p}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            autoComplete="off"
            spellcheck={false}
            required
          />
        )}
      </Field>
      <Field
        label="Description"
        name="description"
        error={error}
        hint={
          <>
            The AI reads this to decide when to call the tool: say what it does and when to use it.{' '}
            <Counter id="tool-description-count" value={description} max={DESCRIPTION_MAX} />
          </>
        }
      >
        {(p) => <textarea {...p} rows={4} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />}
      </Field>
      {type === 'SERVER_SIDE' && (
        <>
          <div class="row">
            <Field label="Method" name="method" error={error}>
              {(p) => (
                <select {...p} value={method} onChange={(e) => setMethod(e.currentTarget.value as Method)}>
                  {METHODS.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label="URL"
              name="url"
              error={error}
              hint="https:// only; internal and private network addresses are refused"
            >
              {(p) => <input {...p} type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} required />}
            </Field>
          </div>
          <fieldset class="card tool-headers">
            <legend>Headers</legend>
            <p class="hint">
              Sent with every call, e.g. Authorization. Values are stored encrypted and shown masked; leave a stored
              value blank to keep it. Changing the URL or method needs the values entered again.
            </p>
            {fieldError(error, 'headers') && <p class="field-error">{fieldError(error, 'headers')}</p>}
            {headers.map((h, i) => (
              <div class="row" key={h.masked ? `stored-${h.key}` : `new-${i}`}>
                {h.masked ? (
                  <p class="header-name">
                    <code>{h.key}</code>
                  </p>
                ) : (
                  <Field label={`Header ${i + 1} name`} name={`headerName.${i}`} error={error}>
                    {(p) => (
                      <input {...p} value={h.key} onInput={(e) => setHeader(i, { key: e.currentTarget.value })} />
                    )}
                  </Field>
                )}
                <Field
                  label={h.masked ? `Value of ${h.key}` : `Header ${i + 1} value`}
                  name={`headers.${h.key.trim()}`}
                  error={error}
                >
                  {(p) => (
                    <input
                      {...p}
                      type="password"
                      autoComplete="off"
                      placeholder={h.masked}
                      value={h.value}
                      onInput={(e) => setHeader(i, { value: e.currentTarget.value })}
                    />
                  )}
                </Field>
                <button type="button" onClick={() => setHeaders(headers.filter((_, j) => j !== i))}>
                  Remove <span class="sr-only">header {h.key || i + 1}</span>
                </button>
              </div>
            ))}
            <button type="button" onClick={() => setHeaders([...headers, { key: '', value: '' }])}>
              Add header
            </button>
          </fieldset>
        </>
      )}
      <Field
        label="Parameters schema (JSON Schema)"
        name="parametersSchema"
        error={error}
        hint="An object schema describing the arguments the AI fills in"
      >
        {(p) => (
          <textarea
            {...p}
            class="code-input"
            rows={8}
            spellcheck={false}
            value={schema}
            onInput={(e) => setSchema(e.currentTarget.value)}
          />
        )}
      </Field>
      <label class="check">
        <input type="checkbox" checked={isActive} onChange={(e) => setIsActive(e.currentTarget.checked)} />
        Active (inactive tools are never offered to the AI)
      </label>
      <ErrorPanel error={error} />
      <button type="submit" class="primary" disabled={description.length > DESCRIPTION_MAX}>
        {tool ? 'Save tool' : 'Create tool'}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

/** Paste an OpenAPI document, review the proposed tools, create the chosen ones. */
function OpenApiImport({
  channels,
  onSaved,
  onCancel,
}: {
  channels: Channel[];
  /** Reloads the list; `close` is false when some chosen tools failed and stay on screen to fix. */
  onSaved: (message: string, close?: boolean) => void;
  onCancel: () => void;
}) {
  const [spec, setSpec] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [channelId, setChannelId] = useState('');
  const [proposals, setProposals] = useState<Proposal[] | null>(null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [failures, setFailures] = useState<{ name: string; message: string }[]>([]);
  const [busy, setBusy] = useState(false);

  const propose = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFailures([]);
    try {
      const { tools } = await call(
        api['agent-tools']['import-openapi'].$post({
          json: { spec, ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}) },
        }),
      );
      setProposals(tools);
      setChosen(new Set(tools.filter((t) => t.problems.length === 0).map((t) => t.name)));
    } catch (err) {
      setError(err);
    }
  };

  const create = async () => {
    const picked = (proposals ?? []).filter((t) => chosen.has(t.name));
    setBusy(true);
    setFailures([]);
    const failed: { name: string; message: string }[] = [];
    const created: string[] = [];
    // One at a time so a name clash on one tool does not hide which others were saved.
    for (const { problems: _problems, ...tool } of picked) {
      try {
        await call(
          channelId
            ? api.channels[':id']['agent-tools'].$post({ param: { id: channelId }, json: tool })
            : api['agent-tools'].$post({ json: tool }),
        );
        created.push(tool.name);
      } catch (err) {
        failed.push({ name: tool.name, message: err instanceof Error ? err.message : String(err) });
      }
    }
    setBusy(false);
    const message = `Created ${created.length} tool${created.length === 1 ? '' : 's'} from the OpenAPI spec.`;
    if (failed.length) {
      setFailures(failed);
      setProposals((proposals ?? []).filter((t) => !created.includes(t.name)));
      setChosen(new Set(failed.map((f) => f.name)));
      if (created.length) onSaved(message, false);
    } else {
      onSaved(message);
    }
  };

  const flip = (name: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(name);
    else next.delete(name);
    setChosen(next);
  };

  return (
    <div class="card">
      <form onSubmit={propose} aria-labelledby="import-title" noValidate>
        <h2 id="import-title">Import tools from OpenAPI</h2>
        <p class="hint">
          Each GET, POST, PUT or PATCH operation becomes a proposed tool. Nothing is saved until you create the ones you
          choose.
        </p>
        <Field label="OpenAPI spec (JSON)" name="spec" error={error}>
          {(p) => (
            <textarea
              {...p}
              class="code-input"
              rows={8}
              spellcheck={false}
              value={spec}
              onInput={(e) => setSpec(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="Base URL (optional)"
          name="baseUrl"
          error={error}
          hint="https:// address to use instead of the spec's first server"
        >
          {(p) => <input {...p} type="url" value={baseUrl} onInput={(e) => setBaseUrl(e.currentTarget.value)} />}
        </Field>
        <ErrorPanel error={error} />
        <button type="submit" class="primary">
          Propose tools
        </button>{' '}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </form>
      {proposals && (
        <section aria-labelledby="proposals-title">
          <h3 id="proposals-title">Proposed tools</h3>
          {proposals.length === 0 ? (
            <p class="muted">The spec has no GET, POST, PUT or PATCH operations.</p>
          ) : (
            <>
              <ul class="plain-list proposals">
                {proposals.map((t) => (
                  <li key={t.name}>
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={chosen.has(t.name)}
                        disabled={t.problems.length > 0}
                        onChange={(e) => flip(t.name, e.currentTarget.checked)}
                      />
                      <code>{t.name}</code>
                    </label>
                    <div class="tool-endpoint">
                      <strong>{t.method}</strong> {t.url}
                    </div>
                    <div class="muted">{t.description}</div>
                    {t.problems.map((problem) => (
                      <div key={problem} class="field-error">
                        Cannot be created: {problem}
                      </div>
                    ))}
                  </li>
                ))}
              </ul>
              <div class="row">
                <div class="field">
                  <label for="import-scope">Available in</label>
                  <select id="import-scope" value={channelId} onChange={(e) => setChannelId(e.currentTarget.value)}>
                    <option value="">Organisation (every channel)</option>
                    {channels.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name} only
                      </option>
                    ))}
                  </select>
                </div>
              </div>
              {failures.length > 0 && (
                <div class="error-panel" role="alert">
                  <strong>Some tools were not created. </strong>
                  <ul>
                    {failures.map((f) => (
                      <li key={f.name}>
                        <code>{f.name}</code>: {f.message}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              <button type="button" class="primary" disabled={busy || chosen.size === 0} onClick={create}>
                Create {chosen.size} selected tool{chosen.size === 1 ? '' : 's'}
              </button>
            </>
          )}
        </section>
      )}
    </div>
  );
}
