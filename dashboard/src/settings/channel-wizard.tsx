// Add a channel in four steps: type → connection → language & translation → AI. Admins only.
import { useState } from 'preact/hooks';
import { ApiError, api, call } from '../api';
import { Link, navigate } from '../router';
import { usePermissions } from '../session';
import { ErrorPanel } from '../ui';
import {
  AiSection,
  CHANNEL_TYPE_LABELS,
  type ChannelDraft,
  type ChannelType,
  ConnectionSection,
  channelBody,
  LanguageSection,
  newDraft,
  WidgetSection,
} from './channel-form';

const STEPS = ['Type', 'Connection', 'Language', 'AI'] as const;
// TELEGRAM (and the reserved TIKTOK) exist in the API's schema but are not offered here yet.
const TYPES: ChannelType[] = ['WEBSITE_CHAT', 'EMAIL', 'FACEBOOK', 'INSTAGRAM', 'WHATSAPP'];

// Which step shows a field that failed validation, so the error is never hidden on another step.
function stepOf(field: string): number {
  if (field === 'defaultLanguage' || field === 'translateToLanguage' || field === 'fallbackLanguage') return 2;
  if (field === 'systemPrompt' || field === 'autoReply' || field === 'autoApprove') return 3;
  return 1;
}

export function ChannelWizard() {
  const { canManageSettings } = usePermissions();
  const [step, setStep] = useState(0);
  const [draft, setDraft] = useState<ChannelDraft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (!canManageSettings) {
    return <ErrorPanel error={new ApiError(403, 'Only admins can add channels.')} />;
  }

  const set = (changes: Partial<ChannelDraft>) => setDraft((d) => (d ? { ...d, ...changes } : d));

  const create = async () => {
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      const channel = await call(api.channels.$post({ json: { type: draft.type, ...channelBody(draft) } }));
      navigate(`/settings/channels/${channel.id}`, true);
    } catch (err) {
      setError(err);
      const first = err instanceof ApiError && err.fields ? Object.keys(err.fields)[0] : undefined;
      if (first) setStep(stepOf(first));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="wizard-title">
      <p>
        <Link href="/settings/channels">← Channels</Link>
      </p>
      <h1 id="wizard-title">Add a channel</h1>
      <ol class="stepper" aria-label="Steps">
        {STEPS.map((label, i) => (
          <li key={label} aria-current={i === step ? 'step' : undefined} class={i < step ? 'done' : ''}>
            {i + 1}. {label}
          </li>
        ))}
      </ol>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (step < STEPS.length - 1) setStep(step + 1);
          else void create();
        }}
        noValidate
      >
        {step === 0 && (
          <fieldset class="card radios">
            <legend>Channel type</legend>
            {TYPES.map((type) => (
              <label key={type} class="check">
                <input
                  type="radio"
                  name="type"
                  value={type}
                  checked={draft?.type === type}
                  onChange={() => setDraft(newDraft(type))}
                />
                {CHANNEL_TYPE_LABELS[type]}
              </label>
            ))}
          </fieldset>
        )}
        {draft && step === 1 && (
          <>
            <ConnectionSection draft={draft} set={set} error={error} />
            {draft.type === 'WEBSITE_CHAT' && <WidgetSection draft={draft} set={set} error={error} />}
          </>
        )}
        {draft && step === 2 && <LanguageSection draft={draft} set={set} error={error} />}
        {draft && step === 3 && <AiSection draft={draft} set={set} error={error} />}
        <ErrorPanel error={error} />
        <div class="wizard-actions">
          {step > 0 && (
            <button type="button" onClick={() => setStep(step - 1)}>
              Back
            </button>
          )}
          <button type="submit" class="primary" disabled={!draft || busy}>
            {step < STEPS.length - 1 ? 'Next' : 'Create channel'}
          </button>
        </div>
      </form>
    </section>
  );
}
