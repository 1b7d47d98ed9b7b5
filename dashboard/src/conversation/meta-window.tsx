// The messaging window of a Facebook, Instagram or WhatsApp conversation, above the composer: "24 h window
// closes in 3 h", "Human agent replies only", or "Template required" with a form that sends an approved
// WhatsApp template (free text would be refused by WhatsApp outside the window).
import { useState } from 'preact/hooks';
import { api, call } from '../api';
import { ErrorPanel, Field, useLoad } from '../ui';

export function MetaWindow({ conversationId, onSent }: { conversationId: string; onSent: () => void }) {
  const windowState = useLoad(
    () => call(api.conversations[':id'].window.$get({ param: { id: conversationId } })),
    [conversationId],
  );
  const w = windowState.data;
  if (!w?.applies) return null;
  const explain =
    w.state === 'template-required'
      ? 'WhatsApp only delivers approved templates now: free text will not be sent until the customer writes again.'
      : w.state === 'human-agent-only'
        ? 'Only a human agent can reply now (sent with the HUMAN_AGENT tag); AI and automated replies are refused.'
        : w.state === 'closed'
          ? 'Replies cannot be delivered until the customer writes again.'
          : null;
  return (
    <div class={`card meta-window meta-window-${w.state}`} role="status">
      <p>
        <strong>{w.label}</strong>
        {explain && <> · {explain}</>}
      </p>
      {w.channelType === 'WHATSAPP' && w.state !== 'open' && (
        <TemplateForm conversationId={conversationId} channelId={w.channelId} onSent={onSent} />
      )}
    </div>
  );
}

function TemplateForm({
  conversationId,
  channelId,
  onSent,
}: {
  conversationId: string;
  channelId: string;
  onSent: () => void;
}) {
  const templates = useLoad(() => call(api.channels[':id'].templates.$get({ param: { id: channelId } })), [channelId]);
  const [choice, setChoice] = useState('');
  const [parameters, setParameters] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  if (templates.error) return <ErrorPanel error={templates.error} />;
  const list = templates.data ?? [];
  if (!list.length) return templates.data ? <p class="muted">This channel has no approved templates.</p> : null;
  const selected = list.find((t) => `${t.name}|${t.language}` === choice);
  return (
    <form
      aria-label="Send a WhatsApp template"
      onSubmit={async (event) => {
        event.preventDefault();
        if (!selected) return;
        setSending(true);
        setError(null);
        try {
          await call(
            api.conversations[':id'].template.$post({
              param: { id: conversationId },
              json: { name: selected.name, language: selected.language, parameters },
            }),
          );
          setChoice('');
          setParameters([]);
          onSent();
        } catch (e) {
          setError(e);
        } finally {
          setSending(false);
        }
      }}
    >
      <Field label="Template" name="name" error={error}>
        {(props) => (
          <select
            {...props}
            value={choice}
            onChange={(e) => {
              const value = (e.target as HTMLSelectElement).value;
              setChoice(value);
              const template = list.find((t) => `${t.name}|${t.language}` === value);
              setParameters(Array.from({ length: template?.parameterCount ?? 0 }, () => ''));
            }}
          >
            <option value="">Choose a template…</option>
            {list.map((t) => (
              <option key={`${t.name}|${t.language}`} value={`${t.name}|${t.language}`}>
                {t.name} ({t.language})
              </option>
            ))}
          </select>
        )}
      </Field>
      {selected && <p class="muted">{selected.body}</p>}
      {parameters.map((value, index) => (
        <Field key={index} label={`Parameter {{${index + 1}}}`} name="parameters" error={error}>
          {(props) => (
            <input
              {...props}
              value={value}
              maxLength={1024}
              onInput={(e) => {
                const next = [...parameters];
                next[index] = (e.target as HTMLInputElement).value;
                setParameters(next);
              }}
            />
          )}
        </Field>
      ))}
      <ErrorPanel error={error} shownFields={['name', 'parameters']} />
      <button type="submit" disabled={!selected || sending || parameters.some((p) => !p.trim())}>
        {sending ? 'Sending…' : 'Send template'}
      </button>
    </form>
  );
}
