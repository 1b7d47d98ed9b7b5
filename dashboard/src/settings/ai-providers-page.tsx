// Settings → AI providers: the models AI replies use, one of them the organisation's default.
// Everyone reads; admins add, edit, delete and choose the default. Keys are only ever shown masked.
import { useState } from 'preact/hooks';
import { type ApiData, ApiError, api, call } from '../api';
import { ConfirmButton } from '../confirm';
import { usePermissions } from '../session';
import { ErrorPanel, Field, useLoad } from '../ui';

type Provider = ApiData<(typeof api)['ai-providers']['$get']>[number];
type ProviderType = Provider['type'];
type Channel = ApiData<typeof api.channels.$get>[number];

const TYPES: { value: ProviderType; label: string; note: string }[] = [
  { value: 'OPENAI', label: 'OpenAI', note: 'Hosted OpenAI models.' },
  { value: 'ANTHROPIC', label: 'Anthropic', note: 'Hosted Claude models.' },
  {
    value: 'AZURE_OPENAI',
    label: 'Azure OpenAI',
    note: 'OpenAI models in your Azure tenant, for Azure region and compliance guarantees.',
  },
  { value: 'OLLAMA', label: 'Ollama', note: 'Your own Ollama server: no data leaves your infrastructure.' },
  {
    value: 'BUILTIN',
    label: 'Built-in',
    note: 'Answers from your knowledge base without an outside model. Good for trying HelpStack out.',
  },
];

// Suggestions only: model names change faster than releases, so any name can be typed.
const MODEL_SUGGESTIONS: Partial<Record<ProviderType, string[]>> = {
  OPENAI: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini'],
  ANTHROPIC: ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-3-5-haiku-latest'],
  AZURE_OPENAI: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1'],
};

const KEY_REQUIRED: ProviderType[] = ['OPENAI', 'ANTHROPIC', 'AZURE_OPENAI'];

const typeLabel = (type: ProviderType) => TYPES.find((t) => t.value === type)?.label ?? type;

export function AiProvidersPage() {
  const { canManageSettings } = usePermissions();
  const providers = useLoad(() => call(api['ai-providers'].$get()), []);
  const channels = useLoad(() => call(api.channels.$get()), []);
  const [editing, setEditing] = useState<Provider | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  const act = async (action: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice('');
    try {
      await action();
      await providers.reload();
      setNotice(done);
    } catch (err) {
      setError(err);
    }
  };

  const remove = (provider: Provider) =>
    act(() => call(api['ai-providers'][':id'].$delete({ param: { id: provider.id } })), `Deleted ${provider.name}.`);

  const makeDefault = (provider: Provider) =>
    act(
      () => call(api['ai-providers'][':id'].$patch({ param: { id: provider.id }, json: { isDefault: true } })),
      `${provider.name} is now the default provider.`,
    );

  const list = providers.data ?? [];
  return (
    <section aria-labelledby="providers-title">
      <div class="page-head">
        <h1 id="providers-title">AI providers</h1>
        {canManageSettings && !editing && (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            Add provider
          </button>
        )}
      </div>
      <p class="muted">
        AI replies, drafts and suggestions need at least one provider with a model: with none, there is no AI option
        anywhere. One provider is the organisation's default; a channel uses the default unless its settings pick
        another provider. The system prompt is set per channel.
      </p>
      <ErrorPanel error={providers.error ?? error} />
      <p role="status">{notice}</p>
      {editing && (
        <ProviderForm
          provider={editing === 'new' ? null : editing}
          onDone={async (message) => {
            setEditing(null);
            await providers.reload();
            setNotice(message);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {providers.data && list.length === 0 && (
        <p class="muted">No AI provider yet, so AI replies are off in every channel.</p>
      )}
      {list.length > 0 && (
        <table class="table">
          <caption class="sr-only">AI providers</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Model</th>
              <th scope="col">API key</th>
              {canManageSettings && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={p.id}>
                <td>
                  <strong>{p.name}</strong> {p.isDefault && <span class="badge-default">Default</span>}
                </td>
                <td>{typeLabel(p.type)}</td>
                <td>
                  <code>{p.model}</code>
                </td>
                <td>{p.apiKey ? <code>{p.apiKey}</code> : <span class="muted">None</span>}</td>
                {canManageSettings && (
                  <td class="actions">
                    <button type="button" onClick={() => setEditing(p)}>
                      Edit <span class="sr-only">{p.name}</span>
                    </button>
                    {!p.isDefault && (
                      <button type="button" onClick={() => makeDefault(p)}>
                        Make default <span class="sr-only">{p.name}</span>
                      </button>
                    )}
                    <ConfirmButton
                      message={deleteWarning(p, list, channels.data ?? []).map((line) => <p key={line}>{line}</p>)}
                      confirmLabel={`Delete ${p.name}`}
                      onConfirm={() => remove(p)}
                    >
                      Delete <span class="sr-only">{p.name}</span>
                    </ConfirmButton>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** What deleting a provider changes, one sentence a line: the channels that chose it fall back to the default. */
function deleteWarning(provider: Provider, providers: Provider[], channels: Channel[]): string[] {
  const users = channels.filter((c) => c.aiProviderId === provider.id).map((c) => c.name);
  const rest = providers.filter((p) => p.id !== provider.id);
  const lines = [`Delete the AI provider "${provider.name}"?`];
  if (!rest.length) {
    lines.push('It is the only provider: AI replies will be off in every channel until you add another.');
  } else {
    const successor = provider.isDefault ? rest[0]! : (providers.find((p) => p.isDefault) ?? rest[0]!);
    if (provider.isDefault) lines.push(`"${successor.name}" becomes the default provider.`);
    if (users.length) lines.push(`${users.join(', ')} will use the default provider ("${successor.name}") instead.`);
  }
  return lines;
}

function ProviderForm({
  provider,
  onDone,
  onCancel,
}: {
  provider: Provider | null;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const [type, setType] = useState<ProviderType>(provider?.type ?? 'OPENAI');
  const [name, setName] = useState(provider?.name ?? '');
  const [model, setModel] = useState(provider?.type === 'BUILTIN' ? '' : (provider?.model ?? ''));
  const [baseUrl, setBaseUrl] = useState(provider?.baseUrl ?? '');
  const [deployment, setDeployment] = useState(provider?.deployment ?? '');
  const [apiVersion, setApiVersion] = useState(provider?.apiVersion ?? '');
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const [temperature, setTemperature] = useState(provider ? String(provider.temperature) : '');
  const [maxTokens, setMaxTokens] = useState(provider ? String(provider.maxTokens) : '');
  const [isDefault, setIsDefault] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const builtin = type === 'BUILTIN';
  const keyRequired = KEY_REQUIRED.includes(type);
  // The stored key only goes to the URL it was entered for: a new URL needs it typed again.
  const urlChanged = Boolean(provider) && (baseUrl.trim() || null) !== (provider?.baseUrl ?? null);
  const suggestions = MODEL_SUGGESTIONS[type];
  const listId = `models-${type.toLowerCase()}`;

  const numbers = () => {
    const out: { temperature?: number; maxTokens?: number } = {};
    if (temperature.trim()) out.temperature = Number(temperature);
    if (maxTokens.trim()) out.maxTokens = Number(maxTokens);
    return out;
  };

  const settings = () => ({
    name,
    ...(builtin ? {} : { model, ...numbers() }),
    ...(type === 'AZURE_OPENAI' || type === 'OLLAMA' ? { baseUrl: baseUrl.trim() || null } : {}),
    ...(type === 'AZURE_OPENAI'
      ? { deployment: deployment.trim() || null, apiVersion: apiVersion.trim() || null }
      : {}),
  });

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const invalidNumber = Object.entries(numbers()).find(([, v]) => Number.isNaN(v));
    if (invalidNumber) {
      setError(
        new ApiError(400, 'Check the highlighted fields', 'VALIDATION_ERROR', {
          [invalidNumber[0]]: ['Enter a number'],
        }),
      );
      return;
    }
    try {
      if (provider) {
        // A blank key field keeps the stored key; only an explicit removal sends null.
        const key = builtin ? {} : apiKey.trim() ? { apiKey: apiKey.trim() } : removeKey ? { apiKey: null } : {};
        await call(api['ai-providers'][':id'].$patch({ param: { id: provider.id }, json: { ...settings(), ...key } }));
        onDone(`Saved ${name}.`);
      } else {
        await call(
          api['ai-providers'].$post({
            json: {
              type,
              ...settings(),
              ...(!builtin && apiKey.trim() ? { apiKey: apiKey.trim() } : {}),
              ...(isDefault ? { isDefault: true } : {}),
            },
          }),
        );
        onDone(`Added ${name}.`);
      }
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form class="card" onSubmit={submit} aria-labelledby="provider-form-title" noValidate>
      <h2 id="provider-form-title">{provider ? `Edit ${provider.name}` : 'Add an AI provider'}</h2>
      {provider ? (
        <p>
          Type: <strong>{typeLabel(type)}</strong>
        </p>
      ) : (
        <Field label="Type" name="type" error={error} hint={TYPES.find((t) => t.value === type)?.note}>
          {(p) => (
            <select {...p} value={type} onChange={(e) => setType(e.currentTarget.value as ProviderType)}>
              {TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field label="Name" name="name" error={error} hint="Shown in this list and in channel settings">
        {(p) => <input {...p} value={name} onInput={(e) => setName(e.currentTarget.value)} required />}
      </Field>
      {(type === 'AZURE_OPENAI' || type === 'OLLAMA') && (
        <Field
          label={type === 'AZURE_OPENAI' ? 'Azure endpoint (base URL)' : 'Ollama server URL'}
          name="baseUrl"
          error={error}
          hint={
            type === 'AZURE_OPENAI'
              ? 'e.g. https://my-resource.openai.azure.com'
              : 'https:// address of your server; a private address or http:// only if this installation allows it'
          }
        >
          {(p) => (
            <input {...p} type="url" value={baseUrl} onInput={(e) => setBaseUrl(e.currentTarget.value)} required />
          )}
        </Field>
      )}
      {type === 'AZURE_OPENAI' && (
        <div class="row">
          <Field label="Deployment" name="deployment" error={error}>
            {(p) => <input {...p} value={deployment} onInput={(e) => setDeployment(e.currentTarget.value)} required />}
          </Field>
          <Field label="API version" name="apiVersion" error={error} hint="e.g. 2024-10-21">
            {(p) => <input {...p} value={apiVersion} onInput={(e) => setApiVersion(e.currentTarget.value)} required />}
          </Field>
        </div>
      )}
      {!builtin && (
        <Field
          label="Model"
          name="model"
          error={error}
          hint={type === 'OLLAMA' ? 'The name of a model pulled on your server, e.g. llama3.1' : undefined}
        >
          {(p) => (
            <input
              {...p}
              value={model}
              onInput={(e) => setModel(e.currentTarget.value)}
              list={suggestions ? listId : undefined}
              required
            />
          )}
        </Field>
      )}
      {suggestions && (
        <datalist id={listId}>
          {suggestions.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
      )}
      {!builtin && (
        <Field
          label={keyRequired ? 'API key' : 'API key (optional)'}
          name="apiKey"
          error={error}
          hint={
            provider?.apiKey
              ? urlChanged
                ? `Stored key: ${provider.apiKey}. Enter the key again to use it with the new URL.`
                : `Stored key: ${provider.apiKey}. Leave blank to keep it.`
              : 'Stored encrypted and never shown again in full'
          }
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="off"
              value={apiKey}
              onInput={(e) => setApiKey(e.currentTarget.value)}
              required={(keyRequired && !provider?.hasApiKey) || (urlChanged && Boolean(provider?.hasApiKey))}
            />
          )}
        </Field>
      )}
      {provider?.hasApiKey && !keyRequired && !builtin && (
        <label class="check">
          <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.currentTarget.checked)} />
          Remove the stored key
        </label>
      )}
      {!builtin && (
        <div class="row">
          <Field label="Temperature" name="temperature" error={error} hint="0–2; lower is more focused (default 0.3)">
            {(p) => (
              <input
                {...p}
                type="number"
                min={0}
                max={2}
                step={0.1}
                value={temperature}
                onInput={(e) => setTemperature(e.currentTarget.value)}
              />
            )}
          </Field>
          <Field label="Max tokens" name="maxTokens" error={error} hint="Longest reply, 1–32000 (default 1024)">
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                max={32000}
                step={1}
                value={maxTokens}
                onInput={(e) => setMaxTokens(e.currentTarget.value)}
              />
            )}
          </Field>
        </div>
      )}
      {!provider && (
        <label class="check">
          <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.currentTarget.checked)} />
          Make this the default provider (the first provider always is)
        </label>
      )}
      <ErrorPanel error={error} />
      <button type="submit" class="primary">
        {provider ? 'Save provider' : 'Add provider'}
      </button>{' '}
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
