// Settings → Handoff rules: the sensitive words that stop the bot. The built-in per-language lists (read only,
// on or off as a whole) and the workspace's own terms, each handing the conversation to a person, tagging the
// contact, or both. Multi-word phrases are fine ("where is my order").
import { useEffect, useState } from 'preact/hooks';
import { type ApiData, api, call, fieldError } from '../api';
import { plainFieldError } from '../copy';
import { usePermissions } from '../session';
import { ErrorPanel, Field, Skeleton, useLoad } from '../ui';
import './flows.css';

type Rules = ApiData<(typeof api.automations)['handoff-rules']['$get']>;
type Rule = Rules['rules'][number];

export const MAX_RULES = 200;
const LOCALE_NAMES: Record<string, string> = { en: 'English', th: 'Thai' };

/** A field error shown in a table cell, tied to its input by id. */
function CellError({ error, name, id }: { error: unknown; name: string; id: string }) {
  const message = fieldError(error, name);
  return message ? (
    <small id={id} class="field-error">
      {plainFieldError(message)}
    </small>
  ) : null;
}

/**
 * How long a conversation stays Waiting (the bot asked, the buyer has not answered) before it closes by itself.
 */
function WaitWindow({ disabled }: { disabled: boolean }) {
  const settings = useLoad(() => call(api.automations.settings.$get()), []);
  const [minutes, setMinutes] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  const value = minutes ?? settings.data?.waitWindowMinutes;
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved('');
    try {
      const next = await call(api.automations.settings.$put({ json: { waitWindowMinutes: value ?? Number.NaN } }));
      settings.setData(next);
      setMinutes(null);
      setSaved('Saved.');
    } catch (err) {
      setError(err);
    }
  };
  if (settings.error) return <ErrorPanel error={settings.error} />;
  if (value === undefined) return null;
  return (
    <form class="card" onSubmit={save} aria-label="Waiting conversations" noValidate>
      <h2>Waiting conversations</h2>
      <Field
        label="Close a Waiting conversation after (minutes)"
        name="waitWindowMinutes"
        error={error}
        hint={`${value >= 60 && value % 60 === 0 ? `${value / 60} h. ` : ''}When the buyer has not answered the bot’s last message by then, the conversation closes by itself.`}
      >
        {(p) => (
          <input
            {...p}
            type="number"
            min={5}
            max={43_200}
            step={1}
            value={Number.isFinite(value) ? value : ''}
            disabled={disabled}
            onInput={(e) => {
              setSaved('');
              setMinutes(e.currentTarget.valueAsNumber);
            }}
          />
        )}
      </Field>
      <ErrorPanel error={error} shownFields={['waitWindowMinutes']} />
      {!disabled && (
        <button type="submit" class="primary">
          Save
        </button>
      )}
      <div role="status">{saved && <p class="success">{saved}</p>}</div>
    </form>
  );
}

export function HandoffRulesPage() {
  const { canManageSettings } = usePermissions();
  const loaded = useLoad(() => call(api.automations['handoff-rules'].$get()), []);
  const [rules, setRules] = useState<Rule[]>([]);
  const [useDefaults, setUseDefaults] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState('');

  useEffect(() => {
    if (!loaded.data) return;
    setRules(loaded.data.rules);
    setUseDefaults(loaded.data.useDefaults);
  }, [loaded.data]);

  const change = (i: number, rule: Partial<Rule>) => {
    setSaved('');
    setRules(rules.map((r, k) => (k === i ? { ...r, ...rule } : r)));
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved('');
    setSaving(true);
    try {
      const json = { useDefaults, rules: rules.map((r) => ({ ...r, tag: r.tag?.trim() ? r.tag.trim() : null })) };
      loaded.setData(await call(api.automations['handoff-rules'].$put({ json })));
      setSaved('Handoff rules saved.');
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  const data = loaded.data;
  const byLocale = new Map<string, Rules['defaults']>();
  for (const d of data?.defaults ?? []) byLocale.set(d.locale, [...(byLocale.get(d.locale) ?? []), d]);
  const shown = [
    'useDefaults',
    'rules',
    ...rules.flatMap((_, i) => [`rules.${i}`, `rules.${i}.term`, `rules.${i}.handoff`, `rules.${i}.tag`]),
  ];
  const disabled = !canManageSettings;

  return (
    <section aria-labelledby="handoff-title">
      <h1 id="handoff-title">Handoff rules</h1>
      <p class="muted">
        When a buyer’s DM contains one of these words or phrases, the bot stops and the conversation goes to Unassigned
        humans with a note saying why, or the contact gets a tag, or both. Capitals and full-width letters count as the
        same.
      </p>
      <ErrorPanel error={loaded.error} />
      {!data && !loaded.error && <Skeleton rows={4} label="Loading handoff rules" />}
      {data && (
        <form class="card" onSubmit={save} aria-label="Handoff rules" noValidate>
          <ErrorPanel error={error} shownFields={shown} />
          <h2>Built-in words</h2>
          <label class="check">
            <input
              type="checkbox"
              checked={useDefaults}
              disabled={disabled}
              onChange={(e) => {
                setSaved('');
                setUseDefaults(e.currentTarget.checked);
              }}
            />{' '}
            Use the built-in words (they hand off)
          </label>
          {[...byLocale].map(([locale, terms]) => (
            <div key={locale} class={useDefaults ? '' : 'muted'}>
              <h3>{LOCALE_NAMES[locale] ?? locale}</h3>
              <ul class="chips" aria-label={`Built-in words: ${LOCALE_NAMES[locale] ?? locale}`}>
                {terms.map((t) => (
                  <li key={t.term} class="chip">
                    <span class="chip-name" lang={locale}>
                      {t.term}
                    </span>
                    {t.tag && <small class="muted">tag {t.tag}</small>}
                  </li>
                ))}
              </ul>
            </div>
          ))}
          <h2>Your words</h2>
          {rules.length === 0 && <p class="muted">None yet. Add brand names, product issues, competitors…</p>}
          {rules.length > 0 && (
            <table class="table rules-table" aria-label="Your words">
              <thead>
                <tr>
                  <th scope="col">Word or phrase</th>
                  <th scope="col">Hand off</th>
                  <th scope="col">Tag the contact</th>
                  {!disabled && <th scope="col">Remove</th>}
                </tr>
              </thead>
              <tbody>
                {rules.map((r, i) => {
                  const n = i + 1;
                  const termError = fieldError(error, `rules.${i}.term`);
                  const tagError = fieldError(error, `rules.${i}.tag`);
                  const handoffError = fieldError(error, `rules.${i}.handoff`);
                  return (
                    <tr key={i}>
                      <td>
                        <input
                          aria-label={`Word ${n}`}
                          value={r.term}
                          maxLength={100}
                          disabled={disabled}
                          aria-invalid={termError ? true : undefined}
                          aria-describedby={termError ? `rule-${i}-term-error` : undefined}
                          onInput={(e) => change(i, { term: e.currentTarget.value })}
                        />
                        <CellError error={error} name={`rules.${i}.term`} id={`rule-${i}-term-error`} />
                        <CellError error={error} name={`rules.${i}`} id={`rule-${i}-error`} />
                      </td>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Word ${n}: hand off`}
                          checked={r.handoff}
                          disabled={disabled}
                          aria-invalid={handoffError ? true : undefined}
                          aria-describedby={handoffError ? `rule-${i}-handoff-error` : undefined}
                          onChange={(e) => change(i, { handoff: e.currentTarget.checked })}
                        />
                        <CellError error={error} name={`rules.${i}.handoff`} id={`rule-${i}-handoff-error`} />
                      </td>
                      <td>
                        <input
                          aria-label={`Word ${n}: tag`}
                          value={r.tag ?? ''}
                          maxLength={50}
                          placeholder="no tag"
                          disabled={disabled}
                          aria-invalid={tagError ? true : undefined}
                          aria-describedby={tagError ? `rule-${i}-tag-error` : undefined}
                          onInput={(e) => change(i, { tag: e.currentTarget.value })}
                        />
                        <CellError error={error} name={`rules.${i}.tag`} id={`rule-${i}-tag-error`} />
                      </td>
                      {!disabled && (
                        <td>
                          <button
                            type="button"
                            class="link"
                            aria-label={`Remove word ${n}`}
                            onClick={() => {
                              setError(null);
                              setRules(rules.filter((_, k) => k !== i));
                            }}
                          >
                            ×
                          </button>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {fieldError(error, 'rules') && <p class="field-error">{plainFieldError(fieldError(error, 'rules')!)}</p>}
          {!disabled && (
            <div class="actions">
              <button
                type="button"
                disabled={rules.length >= MAX_RULES}
                onClick={() => setRules([...rules, { term: '', handoff: true, tag: null }])}
              >
                Add a word
              </button>
              <button type="submit" class="primary" disabled={saving}>
                {saving ? 'Saving…' : 'Save handoff rules'}
              </button>
            </div>
          )}
          <div role="status">{saved && <p class="success">{saved}</p>}</div>
        </form>
      )}
      <WaitWindow disabled={disabled} />
    </section>
  );
}
