// The message thread: customer messages, replies, internal notes and drafts each look different; drafts waiting
// for approval carry Approve / Reject / Send original / Retranslate. Translated messages show the translation
// and keep the original a click away. Content is always rendered as text, never as HTML.
import { useId, useState } from 'preact/hooks';
import type { Citation } from '../../../worker/db/schema';
import { type ApiData, ApiError, api, call } from '../api';
import { Link } from '../router';
import { ErrorPanel, Field, formatDate } from '../ui';
import { type ConversationFile, MessageAttachments } from './attachments';
import { EmailDetails } from './email-details';
import { ProductCards } from './product-card';

export type ThreadMessage = ApiData<(typeof api.conversations)[':id']['messages']['$get']>['items'][number];

const DELIVERY_LABELS: Record<string, string> = {
  NOT_SENT: 'Not sent',
  QUEUED: 'Queued',
  SENT: 'Sent',
  DELIVERED: 'Delivered',
  READ: 'Read',
  FAILED: 'Failed',
};

function kindOf(m: ThreadMessage): 'note' | 'draft' | 'rejected' | 'inbound' | 'outbound' {
  if (m.isNote) return 'note';
  if (m.approvalStatus === 'PENDING') return 'draft';
  if (m.approvalStatus === 'REJECTED') return 'rejected';
  return m.direction === 'INBOUND' ? 'inbound' : 'outbound';
}

function label(m: ThreadMessage, kind: ReturnType<typeof kindOf>): string {
  const agent = m.sender?.name ?? 'Agent';
  if (kind === 'note')
    return m.senderType === 'SYSTEM' ? 'System note — not sent' : `Internal note — not sent · ${agent}`;
  if (kind === 'draft') return `${m.senderType === 'AI' ? 'AI draft' : 'Draft'} awaiting approval`;
  if (kind === 'rejected') return 'Rejected draft — not sent';
  if (m.direction === 'INBOUND') return 'Customer';
  if (m.senderType === 'AI') return 'AI reply';
  if (m.senderType === 'SYSTEM') return 'System';
  return agent;
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

/** "German" for "de"; the code itself when the browser does not know it. */
function languageName(code: string | null | undefined): string {
  if (!code) return 'another language';
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Web and mail addresses in message text; only these schemes ever become links (never javascript:). */
const LINK = /\bhttps?:\/\/[^\s<>"']+|\bwww\.[^\s<>"']+\.[^\s<>"']+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gi;

/** Text with its addresses as safe links (new tab, no opener, no referrer); everything else stays text. */
export function Linkified({ text }: { text: string }) {
  const parts: preact.ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let found = match[0];
    // Sentence punctuation after an address is not part of it.
    const trailing = found.match(/[.,;:!?)\]]+$/)?.[0] ?? '';
    found = found.slice(0, found.length - trailing.length);
    const at = match.index!;
    const href =
      found.includes('@') && !/^https?:|^www\./i.test(found)
        ? `mailto:${found}`
        : /^www\./i.test(found)
          ? `https://${found}`
          : found;
    if (!/^(https?:|mailto:)/i.test(href)) continue;
    parts.push(text.slice(last, at));
    parts.push(
      <a key={at} href={href} target="_blank" rel="noopener noreferrer">
        {found}
      </a>,
    );
    last = at + found.length;
  }
  parts.push(text.slice(last));
  return <>{parts}</>;
}

/** The reason a translation could not be made, while the message is still untranslated. */
function translationFailure(m: ThreadMessage): string | null {
  const failed = m.events.find((e) => e.type === 'TRANSLATION_FAILED');
  if (!failed) return null;
  // A later retranslation that worked leaves the old failure on record; the translation is what counts then.
  const translated = m.direction === 'INBOUND' ? m.translatedContent : m.translatedLanguage;
  if (translated) return null;
  return failed.detail || 'The translation service did not answer.';
}

export function Thread({
  messages,
  files,
  customerLanguage,
  canAct,
  onChanged,
}: {
  messages: ThreadMessage[];
  /** Names and types of the conversation's attachments, when loaded. */
  files?: ConversationFile[];
  customerLanguage: string | null;
  canAct: boolean;
  onChanged: () => void;
}) {
  return (
    <ol class="thread" aria-label="Messages">
      {messages.map((m) => {
        const kind = kindOf(m);
        // The list endpoint parses citations from JSON text, so its type is lost on the way.
        const citations = m.citations as Citation[] | null;
        const failure = translationFailure(m);
        return (
          <li key={m.id} class={`msg msg-${kind}`}>
            <article aria-label={label(m, kind)}>
              <header class="msg-head">
                <strong>{label(m, kind)}</strong>
                <time dateTime={m.createdAt ?? undefined}>{formatDate(m.createdAt)}</time>
              </header>
              {kind === 'draft' ? <DraftTexts message={m} /> : <MessageBody message={m} />}
              {failure && (
                <p class="translation-warning">
                  <span aria-hidden="true">⚠ </span>
                  Not translated: {failure}
                </p>
              )}
              <EmailDetails conversationId={m.conversationId} messageId={m.id} />
              <MessageAttachments ids={m.attachments} files={files} />
              {citations && citations.length > 0 && (
                <p class="muted">
                  Sources:{' '}
                  {citations.map((c, i) => (
                    <span key={c.articleId}>
                      {i > 0 && ', '}
                      {c.url && /^https?:/i.test(c.url) ? (
                        <a href={c.url} target="_blank" rel="noopener noreferrer">
                          {c.title}
                        </a>
                      ) : (
                        <Link href="/knowledge-base">{c.title}</Link>
                      )}
                    </span>
                  ))}
                </p>
              )}
              {kind === 'outbound' && <Delivery message={m} />}
              {kind === 'draft' && canAct && (
                <DraftActions message={m} customerLanguage={customerLanguage} onChanged={onChanged} />
              )}
              {kind === 'inbound' && canAct && (m.translatedContent || failure) && (
                <details class="retranslate-more">
                  <summary>Wrong language?</summary>
                  <Retranslate
                    message={m}
                    label="Written in"
                    initialLanguage={m.language ?? ''}
                    onChanged={onChanged}
                  />
                </details>
              )}
            </article>
          </li>
        );
      })}
    </ol>
  );
}

function MessageBody({ message: m }: { message: ThreadMessage }) {
  const [showOriginal, setShowOriginal] = useState(false);
  const originalId = useId();
  // Inbound: the agent reads the translation; outbound: the customer received the translation.
  const translated = m.direction === 'INBOUND' ? m.translatedContent : null;
  const original = m.direction === 'INBOUND' ? m.content : m.originalContent;
  const shown = translated ?? m.content;
  const originalLanguage = m.direction === 'INBOUND' ? m.language : null;
  // An AI draft an agent edited before approving keeps the AI's text as its original.
  const editedDraft = m.senderType === 'AI' && !m.translatedLanguage;
  return (
    <div class="msg-body">
      <p class="text">
        <Linkified text={shown} />
      </p>
      <ProductCards text={m.content} />
      {original && original !== shown && (
        <>
          <p class="translation-note">
            {translated
              ? `Translated from ${languageName(m.language)}`
              : editedDraft
                ? 'Edited before sending'
                : 'Sent translated'}{' '}
            <button
              type="button"
              class="link"
              aria-expanded={showOriginal}
              aria-controls={originalId}
              onClick={() => setShowOriginal(!showOriginal)}
            >
              {showOriginal
                ? editedDraft
                  ? 'Hide AI draft'
                  : 'Hide original'
                : editedDraft
                  ? 'Show AI draft'
                  : 'Show original'}
            </button>
          </p>
          <p id={originalId} class="text original" lang={originalLanguage ?? undefined} hidden={!showOriginal}>
            {original}
          </p>
        </>
      )}
    </div>
  );
}

/** A held reply shows what the customer would receive and what the agent wrote, side by side. */
function DraftTexts({ message: m }: { message: ThreadMessage }) {
  if (!m.originalContent || m.originalContent === m.content) {
    return (
      <div class="msg-body">
        <p class="text">
          <Linkified text={m.content} />
        </p>
      </div>
    );
  }
  return (
    <div class="msg-body">
      <p class="text-label">
        Translation to send{m.translatedLanguage ? ` (${languageName(m.translatedLanguage)})` : ''}
      </p>
      <p class="text" lang={m.translatedLanguage ?? undefined}>
        {m.content}
      </p>
      <p class="text-label">Original</p>
      <p class="text original">{m.originalContent}</p>
    </div>
  );
}

function Delivery({ message: m }: { message: ThreadMessage }) {
  // Translation failures are shown as a warning of their own.
  const events = m.events.filter((e) => e.type !== 'TRANSLATION_FAILED');
  return (
    <div class={`delivery delivery-${m.deliveryStatus.toLowerCase()}`}>
      <span>{DELIVERY_LABELS[m.deliveryStatus] ?? m.deliveryStatus}</span>
      {events.length > 0 && (
        <ul class="events" aria-label="Delivery events">
          {events.map((e, i) => (
            <li key={i}>
              {DELIVERY_LABELS[e.type] ?? e.type} · {formatDate(e.createdAt)}
              {e.detail ? ` · ${e.detail}` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function DraftActions({
  message: m,
  customerLanguage,
  onChanged,
}: {
  message: ThreadMessage;
  customerLanguage: string | null;
  onChanged: () => void;
}) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const param = { param: { id: m.id } };
  const [editing, setEditing] = useState(false);
  const [edited, setEdited] = useState(m.content);
  const editId = useId();
  // Retranslate belongs to replies that are (or were meant to be) translated, never to a plain AI draft.
  const translates =
    m.translatedLanguage !== null ||
    translationFailure(m) !== null ||
    (m.senderType !== 'AI' && m.originalContent !== null && m.originalContent !== m.content);
  const approve = () =>
    run(() =>
      call(
        api.messages[':id'].approve.$post({
          ...param,
          json: editing && edited.trim() !== m.content ? { content: edited } : {},
        }),
      ),
    );
  return (
    <div class="draft-panel">
      {editing && (
        <div class="field">
          <label for={editId}>Edit before sending</label>
          <textarea
            id={editId}
            rows={4}
            maxLength={10_000}
            value={edited}
            onInput={(e) => setEdited(e.currentTarget.value)}
          />
        </div>
      )}
      <div class="draft-actions">
        <button type="button" class="primary" disabled={busy || (editing && !edited.trim())} onClick={approve}>
          {editing && edited.trim() !== m.content ? 'Approve edited reply' : 'Approve and send'}
        </button>
        {!editing ? (
          <button type="button" disabled={busy} onClick={() => setEditing(true)}>
            Edit
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setEditing(false);
              setEdited(m.content);
            }}
          >
            Cancel edit
          </button>
        )}
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={() => run(() => call(api.messages[':id'].reject.$post(param)))}
        >
          Reject
        </button>
        {m.originalContent && m.originalContent !== m.content && (
          <button
            type="button"
            disabled={busy}
            onClick={() => run(() => call(api.messages[':id']['send-original'].$post(param)))}
          >
            Send original
          </button>
        )}
      </div>
      <ErrorPanel error={error} shownFields={[]} />
      {translates && (
        <Retranslate
          message={m}
          label="Customer language"
          initialLanguage={m.translatedLanguage ?? customerLanguage ?? ''}
          onChanged={onChanged}
        />
      )}
    </div>
  );
}

/**
 * Translates a message again, optionally in a corrected language: for a held reply the customer's language
 * (the conversation's language follows), for a customer message the language it was really written in.
 */
function Retranslate({
  message: m,
  label,
  initialLanguage,
  onChanged,
}: {
  message: ThreadMessage;
  label: string;
  initialLanguage: string;
  onChanged: () => void;
}) {
  // Follows the default (the conversation may load after the thread) until the agent types a language.
  const [typed, setLanguage] = useState<string | null>(null);
  const language = typed ?? initialLanguage;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(null);
    setDone(false);
    const code = language.trim();
    try {
      await call(api.messages[':id'].retranslate.$post({ param: { id: m.id }, json: code ? { language: code } : {} }));
      setDone(true);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="retranslate"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Field label={label} name="language" error={error} hint="A language code such as de or pt-BR">
        {(props) => (
          <input
            {...props}
            size={8}
            autoComplete="off"
            spellcheck={false}
            value={language}
            onInput={(e) => setLanguage(e.currentTarget.value)}
          />
        )}
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? 'Retranslating…' : 'Retranslate'}
      </button>
      <p role="status" class="sr-only">
        {done ? 'Translated again.' : ''}
      </p>
      {error && !(error instanceof ApiError && error.fields?.language) ? <ErrorPanel error={error} /> : null}
    </form>
  );
}
