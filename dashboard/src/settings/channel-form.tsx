// The parts of a channel's settings, shared by the add-channel stepper and the channel page:
// connection (per-type credentials), language & translation, AI, and the website-chat widget.
import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { type ApiData, ApiError, api, call, fieldError } from '../api';
import { ErrorPanel, Field, useLoad } from '../ui';

export type Channel = ApiData<typeof api.channels.$get>[number];
export type ChannelType = Channel['type'];
export type AutoReplyMode = 'off' | 'prepare' | 'auto-approve';

export const CHANNEL_TYPE_LABELS: Record<ChannelType, string> = {
  WEBSITE_CHAT: 'Website chat',
  EMAIL: 'Email',
  FACEBOOK: 'Facebook Messenger',
  INSTAGRAM: 'Instagram',
  WHATSAPP: 'WhatsApp',
  TELEGRAM: 'Telegram',
  TIKTOK: 'TikTok',
};

interface CredentialField {
  name: string;
  label: string;
  kind?: 'secret' | 'number' | 'checkbox' | 'email';
  optional?: boolean;
  hint?: string;
}

export const CREDENTIAL_FIELDS: Record<ChannelType, CredentialField[]> = {
  EMAIL: [
    { name: 'host', label: 'SMTP host' },
    { name: 'port', label: 'SMTP port', kind: 'number' },
    { name: 'secure', label: 'SMTP uses TLS', kind: 'checkbox', optional: true },
    {
      name: 'smtpAllowPlaintext',
      label: 'Allow SMTP login without encryption (local mail server only)',
      kind: 'checkbox',
      optional: true,
    },
    { name: 'username', label: 'Username' },
    {
      name: 'password',
      label: 'Password',
      kind: 'secret',
      hint: 'Stored encrypted; shown masked. Leave the mask to keep it; a new server or port needs it typed again.',
    },
    { name: 'from', label: 'From address', kind: 'email' },
    { name: 'imapHost', label: 'IMAP host', optional: true },
    { name: 'imapPort', label: 'IMAP port', kind: 'number', optional: true },
    { name: 'imapSecure', label: 'IMAP uses TLS', kind: 'checkbox', optional: true },
    {
      name: 'imapAllowPlaintext',
      label: 'Allow IMAP login without encryption (local mail server only)',
      kind: 'checkbox',
      optional: true,
    },
    {
      name: 'imapMailbox',
      label: 'IMAP mailbox',
      optional: true,
      hint: 'The folder HelpStack reads, e.g. Support (a dedicated one keeps other mail out). Empty: INBOX.',
    },
    {
      name: 'imapFlag',
      label: 'Mark imported mail with flag',
      optional: true,
      hint: 'A keyword such as $HelpStack set on each imported message; mail already carrying it is skipped, so a mailbox shared with people or another channel is never imported twice.',
    },
  ],
  FACEBOOK: [
    { name: 'pageId', label: 'Page id' },
    { name: 'accessToken', label: 'Page access token', kind: 'secret' },
    { name: 'appSecret', label: 'App secret', kind: 'secret', optional: true },
  ],
  INSTAGRAM: [
    { name: 'accountId', label: 'Account id' },
    { name: 'accessToken', label: 'Access token', kind: 'secret' },
  ],
  WHATSAPP: [
    { name: 'phoneNumberId', label: 'Phone number id' },
    { name: 'accessToken', label: 'Access token', kind: 'secret' },
    { name: 'businessAccountId', label: 'Business account id', optional: true },
    { name: 'appSecret', label: 'App secret', kind: 'secret', optional: true },
  ],
  TELEGRAM: [{ name: 'botToken', label: 'Bot token', kind: 'secret' }],
  WEBSITE_CHAT: [],
  TIKTOK: [],
};

export interface ChannelDraft {
  type: ChannelType;
  name: string;
  defaultLanguage: string;
  autoTranslate: boolean;
  translateToLanguage: string;
  fallbackLanguage: string;
  mode: AutoReplyMode;
  systemPrompt: string;
  aiProviderId: string;
  knowledgeGroupIds: string[];
  credentials: Record<string, string | boolean>;
  color: string;
  position: 'left' | 'right';
  title: string;
  subtitle: string;
  greeting: string;
  allowedDomains: string;
  // Website chat: business hours (off = always open) and the pre-chat form.
  hoursOn: boolean;
  timeZone: string;
  intervals: BusinessInterval[];
  replyTime: string;
  preChatForm: PreChatMode;
  isActive: boolean;
}

export interface BusinessInterval {
  day: number;
  start: string;
  end: string;
}
export type PreChatMode = 'OFF' | 'OPTIONAL' | 'REQUIRED';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** What "Set business hours" starts from: Monday to Friday, nine to five. */
const WORKWEEK: BusinessInterval[] = [1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' }));

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The allowed-domains text as the list the API takes: one entry per line or comma ("not a domain" stays one). */
export function domainEntries(text: string): string[] {
  return text
    .split(/[\n,]+/)
    .map((d) => d.trim())
    .filter(Boolean);
}

export function newDraft(type: ChannelType): ChannelDraft {
  return {
    type,
    name: CHANNEL_TYPE_LABELS[type],
    defaultLanguage: 'en',
    autoTranslate: true,
    translateToLanguage: '',
    fallbackLanguage: '',
    mode: 'off',
    systemPrompt: '',
    aiProviderId: '',
    knowledgeGroupIds: [],
    credentials: {},
    color: '#1d4ed8',
    position: 'right',
    title: '',
    subtitle: '',
    greeting: '',
    allowedDomains: '',
    hoursOn: false,
    timeZone: browserTimeZone(),
    intervals: WORKWEEK,
    replyTime: '',
    preChatForm: 'OFF',
    isActive: true,
  };
}

export function draftFromChannel(channel: Channel): ChannelDraft {
  const settings = (channel.settings ?? {}) as {
    appearance?: { color?: string; position?: 'left' | 'right'; title?: string; subtitle?: string };
    greeting?: string;
    allowedDomains?: string[];
    businessHours?: { timeZone: string; intervals: BusinessInterval[]; replyTime?: string } | null;
    preChatForm?: PreChatMode;
  };
  const hours = settings.businessHours;
  const credentials: Record<string, string | boolean> = {};
  for (const [key, value] of Object.entries(channel.credentials ?? {})) {
    credentials[key] = typeof value === 'boolean' ? value : String(value ?? '');
  }
  return {
    ...newDraft(channel.type),
    name: channel.name,
    defaultLanguage: channel.defaultLanguage,
    autoTranslate: channel.autoTranslate,
    translateToLanguage: channel.translateToLanguage ?? '',
    fallbackLanguage: channel.fallbackLanguage ?? '',
    mode: channel.autoReplyMode,
    systemPrompt: channel.systemPrompt ?? '',
    aiProviderId: channel.aiProviderId ?? '',
    knowledgeGroupIds: channel.knowledgeGroupIds,
    credentials,
    color: settings.appearance?.color ?? '#1d4ed8',
    position: settings.appearance?.position ?? 'right',
    title: settings.appearance?.title ?? '',
    subtitle: settings.appearance?.subtitle ?? '',
    greeting: settings.greeting ?? '',
    allowedDomains: (settings.allowedDomains ?? []).join('\n'),
    ...(hours
      ? { hoursOn: true, timeZone: hours.timeZone, intervals: hours.intervals, replyTime: hours.replyTime ?? '' }
      : {}),
    preChatForm: settings.preChatForm ?? 'OFF',
    isActive: channel.isActive,
  };
}

/** The request body for POST/PATCH /api/channels from the form's state. */
export function channelBody(draft: ChannelDraft) {
  const credentials: Record<string, unknown> = {};
  for (const field of CREDENTIAL_FIELDS[draft.type]) {
    const value = draft.credentials[field.name];
    if (value === undefined || value === '') continue;
    credentials[field.name] = field.kind === 'number' ? Number(value) : value;
  }
  const settings =
    draft.type === 'WEBSITE_CHAT'
      ? {
          appearance: {
            color: draft.color,
            position: draft.position,
            ...(draft.title.trim() ? { title: draft.title } : {}),
            ...(draft.subtitle.trim() ? { subtitle: draft.subtitle } : {}),
          },
          greeting: draft.greeting,
          allowedDomains: domainEntries(draft.allowedDomains),
          businessHours: draft.hoursOn
            ? {
                timeZone: draft.timeZone,
                intervals: draft.intervals,
                ...(draft.replyTime.trim() ? { replyTime: draft.replyTime } : {}),
              }
            : null,
          preChatForm: draft.preChatForm,
        }
      : undefined;
  return {
    name: draft.name,
    defaultLanguage: draft.defaultLanguage,
    autoTranslate: draft.autoTranslate,
    translateToLanguage: draft.translateToLanguage || null,
    fallbackLanguage: draft.fallbackLanguage || null,
    systemPrompt: draft.systemPrompt || null,
    aiProviderId: draft.aiProviderId || null,
    knowledgeGroupIds: draft.knowledgeGroupIds,
    autoReply: draft.mode !== 'off',
    autoApprove: draft.mode === 'auto-approve',
    credentials,
    isActive: draft.isActive,
    ...(settings ? { settings } : {}),
  };
}

interface SectionProps {
  draft: ChannelDraft;
  set: (changes: Partial<ChannelDraft>) => void;
  error: unknown;
}

function Fieldset({ legend, children }: { legend: string; children: ComponentChildren }) {
  return (
    <fieldset class="card">
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}

type ConnectionTestResult = ApiData<(typeof api.channels)['test-connection']['$post']>;

/**
 * The credentials as the connection test takes them. For a saved channel, a cleared optional field is sent
 * as null so the test does not fall back to the stored value; an empty password keeps the stored one.
 */
function testCredentials(draft: ChannelDraft, saved: boolean): Record<string, unknown> {
  const credentials = channelBody(draft).credentials;
  if (!saved) return credentials;
  const cleared = CREDENTIAL_FIELDS[draft.type]
    .filter((f) => f.optional && f.kind !== 'checkbox' && !(f.name in credentials))
    .map((f) => [f.name, null]);
  return { ...credentials, ...Object.fromEntries(cleared) };
}

/** "Test connection" for an email channel: logs in to SMTP (and IMAP) with what the form holds now. */
function ConnectionTest({
  draft,
  channelId,
  onError,
}: {
  draft: ChannelDraft;
  channelId?: string;
  onError: (error: unknown) => void;
}) {
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [error, setError] = useState<unknown>(null);

  const run = async () => {
    setRunning(true);
    setResult(null);
    setError(null);
    onError(null);
    const credentials = testCredentials(draft, channelId !== undefined);
    try {
      setResult(
        await call(
          channelId
            ? api.channels[':id']['test-connection'].$post({ param: { id: channelId }, json: { credentials } })
            : api.channels['test-connection'].$post({ json: { type: 'EMAIL', credentials } }),
        ),
      );
    } catch (err) {
      setError(err);
      onError(err);
    } finally {
      setRunning(false);
    }
  };

  const parts = result
    ? ([
        ['SMTP', result.smtp],
        ['IMAP', result.imap],
      ] as const)
    : [];
  return (
    <div class="connection-test">
      <button type="button" onClick={run} disabled={running}>
        {running ? 'Testing connection…' : 'Test connection'}
      </button>
      <div role="status">
        {running && <p>Connecting to the mail servers…</p>}
        {result && (
          <ul class="connection-results">
            {parts.map(([label, part]) =>
              part ? (
                <li key={label} class={part.ok ? 'connection-ok' : 'connection-failed'}>
                  {label}: {part.ok ? 'connected and authenticated' : part.error}
                </li>
              ) : null,
            )}
          </ul>
        )}
      </div>
      <ErrorPanel error={error} />
    </div>
  );
}

export function ConnectionSection({ draft, set, error, channelId }: SectionProps & { channelId?: string }) {
  const fields = CREDENTIAL_FIELDS[draft.type];
  // A rejected test marks the offending fields the same way a rejected save does.
  const [testError, setTestError] = useState<unknown>(null);
  const fieldErrors = error ?? testError;
  const setCredential = (name: string, value: string | boolean) =>
    set({ credentials: { ...draft.credentials, [name]: value } });
  return (
    <Fieldset legend="Connection">
      <Field label="Channel name" name="name" error={fieldErrors}>
        {(p) => <input {...p} value={draft.name} onInput={(e) => set({ name: e.currentTarget.value })} required />}
      </Field>
      {fields.length === 0 && <p class="muted">This channel type needs no credentials.</p>}
      {fields.map((f) =>
        f.kind === 'checkbox' ? (
          <label key={f.name} class="check">
            <input
              type="checkbox"
              checked={draft.credentials[f.name] === true}
              onChange={(e) => setCredential(f.name, e.currentTarget.checked)}
            />
            {f.label}
          </label>
        ) : (
          <Field
            key={f.name}
            label={f.optional ? `${f.label} (optional)` : f.label}
            name={`credentials.${f.name}`}
            error={fieldErrors}
            hint={
              f.hint ?? (f.kind === 'secret' ? 'Stored encrypted; shown masked. Leave the mask to keep it.' : undefined)
            }
          >
            {(p) => (
              <input
                {...p}
                type={
                  f.kind === 'secret'
                    ? 'password'
                    : f.kind === 'number'
                      ? 'number'
                      : f.kind === 'email'
                        ? 'email'
                        : 'text'
                }
                autoComplete="off"
                value={String(draft.credentials[f.name] ?? '')}
                onInput={(e) => setCredential(f.name, e.currentTarget.value)}
                required={!f.optional}
              />
            )}
          </Field>
        ),
      )}
      {draft.type === 'EMAIL' && <ConnectionTest draft={draft} channelId={channelId} onError={setTestError} />}
    </Fieldset>
  );
}

export function LanguageSection({ draft, set, error }: SectionProps) {
  return (
    <Fieldset legend="Language and translation">
      <Field label="Agent language" name="defaultLanguage" error={error} hint="Language code, e.g. en">
        {(p) => (
          <input
            {...p}
            value={draft.defaultLanguage}
            onInput={(e) => set({ defaultLanguage: e.currentTarget.value })}
          />
        )}
      </Field>
      <label class="check">
        <input
          type="checkbox"
          checked={draft.autoTranslate}
          onChange={(e) => set({ autoTranslate: e.currentTarget.checked })}
        />
        Translate automatically between the customer's language and the agent language
      </label>
      <Field label="Translate to (optional)" name="translateToLanguage" error={error}>
        {(p) => (
          <input
            {...p}
            value={draft.translateToLanguage}
            onInput={(e) => set({ translateToLanguage: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field
        label="Fallback customer language (optional)"
        name="fallbackLanguage"
        error={error}
        hint="Used when a message is too short to detect its language"
      >
        {(p) => (
          <input
            {...p}
            value={draft.fallbackLanguage}
            onInput={(e) => set({ fallbackLanguage: e.currentTarget.value })}
          />
        )}
      </Field>
    </Fieldset>
  );
}

export function AiSection({ draft, set, error }: SectionProps) {
  // Members may read both lists; when either is empty the choice simply is not offered.
  const providers = useLoad(() => call(api['ai-providers'].$get()), []);
  const groups = useLoad(() => call(api.knowledge.groups.$get()), []);
  const toggleGroup = (id: string, on: boolean) =>
    set({
      knowledgeGroupIds: on ? [...draft.knowledgeGroupIds, id] : draft.knowledgeGroupIds.filter((g) => g !== id),
    });
  const modes: [AutoReplyMode, string][] = [
    ['off', 'Off — drafts only when an agent asks'],
    ['prepare', 'Prepare — the AI drafts, an agent approves'],
    ['auto-approve', 'Auto-approve — the AI replies without review'],
  ];
  return (
    <Fieldset legend="AI replies">
      <fieldset class="radios">
        <legend>Auto-reply mode</legend>
        {modes.map(([value, label]) => (
          <label key={value} class="check">
            <input
              type="radio"
              name="mode"
              value={value}
              checked={draft.mode === value}
              onChange={() => set({ mode: value })}
            />
            {label}
          </label>
        ))}
      </fieldset>
      {providers.data && providers.data.length > 0 && (
        <Field label="AI provider" name="aiProviderId" error={error}>
          {(p) => (
            <select {...p} value={draft.aiProviderId} onChange={(e) => set({ aiProviderId: e.currentTarget.value })}>
              <option value="">Organization default</option>
              {providers.data?.map((provider) => (
                <option key={provider.id} value={provider.id}>
                  {provider.name} ({provider.type})
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {groups.data && groups.data.length > 0 && (
        <fieldset class="radios">
          <legend>Knowledge groups the AI may use</legend>
          {groups.data.map((g) => (
            <label key={g.id} class="check">
              <input
                type="checkbox"
                checked={draft.knowledgeGroupIds.includes(g.id)}
                onChange={(e) => toggleGroup(g.id, e.currentTarget.checked)}
              />
              {g.name}
            </label>
          ))}
        </fieldset>
      )}
      <Field label="System prompt" name="systemPrompt" error={error} hint="Persona, tone and rules for this channel">
        {(p) => (
          <textarea
            {...p}
            rows={5}
            value={draft.systemPrompt}
            onInput={(e) => set({ systemPrompt: e.currentTarget.value })}
          />
        )}
      </Field>
    </Fieldset>
  );
}

/** The API's per-entry errors (`settings.allowedDomains.2`), each beside the entry it is about. */
function allowedDomainErrors(draft: ChannelDraft, error: unknown): { entry: string; message: string }[] {
  if (!(error instanceof ApiError) || !error.fields) return [];
  const entries = domainEntries(draft.allowedDomains);
  return Object.entries(error.fields).flatMap(([key, messages]) => {
    const match = /^settings\.allowedDomains\.(\d+)$/.exec(key);
    const entry = match ? entries[Number(match[1])] : undefined;
    return entry !== undefined && messages[0] ? [{ entry, message: messages[0] }] : [];
  });
}

function BusinessHoursFields({ draft, set, error }: SectionProps) {
  const change = (i: number, patch: Partial<BusinessInterval>) =>
    set({ intervals: draft.intervals.map((interval, j) => (j === i ? { ...interval, ...patch } : interval)) });
  return (
    <fieldset class="business-hours">
      <legend>Business hours</legend>
      <label class="check">
        <input type="checkbox" checked={draft.hoursOn} onChange={(e) => set({ hoursOn: e.currentTarget.checked })} />
        Set business hours (outside them the widget says when the team is back)
      </label>
      {draft.hoursOn && (
        <>
          <Field label="Time zone" name="settings.businessHours.timeZone" error={error} hint="e.g. Europe/Ljubljana">
            {(p) => <input {...p} value={draft.timeZone} onInput={(e) => set({ timeZone: e.currentTarget.value })} />}
          </Field>
          {draft.intervals.map((interval, i) => (
            <div class="row" key={i}>
              <Field label={`Day ${i + 1}`} name={`settings.businessHours.intervals.${i}.day`} error={error}>
                {(p) => (
                  <select
                    {...p}
                    value={String(interval.day)}
                    onChange={(e) => change(i, { day: Number(e.currentTarget.value) })}
                  >
                    {WEEKDAYS.map((name, d) => (
                      <option key={name} value={String(d + 1)}>
                        {name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={`Opens ${i + 1}`} name={`settings.businessHours.intervals.${i}.start`} error={error}>
                {(p) => (
                  <input
                    {...p}
                    type="time"
                    value={interval.start}
                    onInput={(e) => change(i, { start: e.currentTarget.value })}
                  />
                )}
              </Field>
              <Field label={`Closes ${i + 1}`} name={`settings.businessHours.intervals.${i}.end`} error={error}>
                {(p) => (
                  <input
                    {...p}
                    type="time"
                    value={interval.end}
                    onInput={(e) => change(i, { end: e.currentTarget.value })}
                  />
                )}
              </Field>
              <button
                type="button"
                aria-label={`Remove hours ${i + 1} (${WEEKDAYS[interval.day - 1] ?? ''})`}
                onClick={() => set({ intervals: draft.intervals.filter((_, j) => j !== i) })}
              >
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            onClick={() => set({ intervals: [...draft.intervals, { day: 6, start: '10:00', end: '14:00' }] })}
          >
            Add opening hours
          </button>
          {fieldError(error, 'settings.businessHours.intervals') && (
            <p class="field-error">{fieldError(error, 'settings.businessHours.intervals')}</p>
          )}
          <Field
            label="Reply time outside hours"
            name="settings.businessHours.replyTime"
            error={error}
            hint='Shown as "We reply …", e.g. within a day'
          >
            {(p) => (
              <input
                {...p}
                maxLength={80}
                value={draft.replyTime}
                onInput={(e) => set({ replyTime: e.currentTarget.value })}
              />
            )}
          </Field>
        </>
      )}
    </fieldset>
  );
}

export function WidgetSection({ draft, set, error }: SectionProps) {
  const domainErrors = allowedDomainErrors(draft, error);
  const domainErrorsId = useId();
  return (
    <Fieldset legend="Widget appearance">
      <div class="row">
        <Field label="Colour" name="settings.appearance.color" error={error}>
          {(p) => (
            <input {...p} type="color" value={draft.color} onInput={(e) => set({ color: e.currentTarget.value })} />
          )}
        </Field>
        <Field label="Position" name="settings.appearance.position" error={error}>
          {(p) => (
            <select
              {...p}
              value={draft.position}
              onChange={(e) => set({ position: e.currentTarget.value as 'left' | 'right' })}
            >
              <option value="right">Bottom right</option>
              <option value="left">Bottom left</option>
            </select>
          )}
        </Field>
      </div>
      <Field label="Title" name="settings.appearance.title" error={error}>
        {(p) => (
          <input
            {...p}
            value={draft.title}
            placeholder={draft.name}
            onInput={(e) => set({ title: e.currentTarget.value })}
          />
        )}
      </Field>
      <Field label="Subtitle" name="settings.appearance.subtitle" error={error}>
        {(p) => <input {...p} value={draft.subtitle} onInput={(e) => set({ subtitle: e.currentTarget.value })} />}
      </Field>
      <Field label="Greeting" name="settings.greeting" error={error}>
        {(p) => (
          <textarea {...p} rows={2} value={draft.greeting} onInput={(e) => set({ greeting: e.currentTarget.value })} />
        )}
      </Field>
      <Field
        label="Allowed domains"
        name="settings.allowedDomains"
        error={error}
        hint="One per line, e.g. shop.example.com (and its subdomains) or *.example.com (subdomains only). Empty: the widget works on any site."
      >
        {(p) => (
          <textarea
            {...p}
            rows={3}
            value={draft.allowedDomains}
            aria-invalid={p['aria-invalid'] || domainErrors.length > 0 || undefined}
            aria-describedby={
              [p['aria-describedby'], domainErrors.length ? domainErrorsId : ''].filter(Boolean).join(' ') || undefined
            }
            onInput={(e) => set({ allowedDomains: e.currentTarget.value })}
          />
        )}
      </Field>
      {domainErrors.length > 0 && (
        <ul class="field-error" id={domainErrorsId} aria-label="Domains to fix">
          {domainErrors.map(({ entry, message }) => (
            <li key={entry}>
              “{entry}”: {message}
            </li>
          ))}
        </ul>
      )}
      <Field
        label="Pre-chat form"
        name="settings.preChatForm"
        error={error}
        hint="Ask the visitor's name and email before their first message."
      >
        {(p) => (
          <select
            {...p}
            value={draft.preChatForm}
            onChange={(e) => set({ preChatForm: e.currentTarget.value as PreChatMode })}
          >
            <option value="OFF">Off</option>
            <option value="OPTIONAL">Optional (the visitor may skip it)</option>
            <option value="REQUIRED">Required (an email before the first message)</option>
          </select>
        )}
      </Field>
      <BusinessHoursFields draft={draft} set={set} error={error} />
      <div class="widget-preview" aria-hidden="true">
        <span class="launcher" style={{ background: draft.color, [draft.position]: '8px' }}>
          💬
        </span>
      </div>
    </Fieldset>
  );
}
