// The message thread: customer messages, replies, internal notes and drafts each look different; drafts waiting
// for approval carry Approve / Reject / Send original. Content is always rendered as text, never as HTML.
import { useState } from 'preact/hooks';
import type { Citation } from '../../../worker/db/schema';
import { type ApiData, api, call } from '../api';
import { ErrorPanel, formatDate } from '../ui';

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
  if (kind === 'note') return `Internal note — not sent · ${agent}`;
  if (kind === 'draft') return `${m.senderType === 'AI' ? 'AI draft' : 'Draft'} awaiting approval`;
  if (kind === 'rejected') return 'Rejected draft — not sent';
  if (m.direction === 'INBOUND') return 'Customer';
  if (m.senderType === 'AI') return 'AI reply';
  if (m.senderType === 'SYSTEM') return 'System';
  return agent;
}

export function Thread({
  messages,
  canAct,
  onChanged,
}: {
  messages: ThreadMessage[];
  canAct: boolean;
  onChanged: () => void;
}) {
  return (
    <ol class="thread" aria-label="Messages">
      {messages.map((m) => {
        const kind = kindOf(m);
        // The list endpoint parses citations from JSON text, so its type is lost on the way.
        const citations = m.citations as Citation[] | null;
        return (
          <li key={m.id} class={`msg msg-${kind}`}>
            <article aria-label={label(m, kind)}>
              <header class="msg-head">
                <strong>{label(m, kind)}</strong>
                <time dateTime={m.createdAt ?? undefined}>{formatDate(m.createdAt)}</time>
              </header>
              <MessageBody message={m} />
              {m.attachments.length > 0 && (
                <ul class="attachments" aria-label="Attachments">
                  {m.attachments.map((mediaId, i) => (
                    <li key={mediaId}>
                      <a
                        href={`/api/media/${encodeURIComponent(mediaId)}/file`}
                        target="_blank"
                        rel="noopener noreferrer"
                      >
                        Attachment {i + 1}
                      </a>
                    </li>
                  ))}
                </ul>
              )}
              {citations && citations.length > 0 && (
                <p class="muted">
                  Sources:{' '}
                  {citations.map((c, i) => (
                    <span key={c.articleId}>
                      {i > 0 && ', '}
                      {c.url ? (
                        <a href={c.url} target="_blank" rel="noopener noreferrer">
                          {c.title}
                        </a>
                      ) : (
                        c.title
                      )}
                    </span>
                  ))}
                </p>
              )}
              {kind === 'outbound' && <Delivery message={m} />}
              {kind === 'draft' && canAct && <DraftActions message={m} onChanged={onChanged} />}
            </article>
          </li>
        );
      })}
    </ol>
  );
}

function MessageBody({ message: m }: { message: ThreadMessage }) {
  const [showOriginal, setShowOriginal] = useState(false);
  // Inbound: the agent reads the translation; outbound: the customer receives the translation.
  const translated = m.direction === 'INBOUND' ? m.translatedContent : null;
  const original = m.direction === 'INBOUND' ? m.content : m.originalContent;
  const shown = translated ?? m.content;
  return (
    <div class="msg-body">
      <p class="text">{shown}</p>
      {original && original !== shown && (
        <>
          <button
            type="button"
            class="link"
            aria-expanded={showOriginal}
            onClick={() => setShowOriginal(!showOriginal)}
          >
            {showOriginal ? 'Hide original' : `Show original${m.language ? ` (${m.language})` : ''}`}
          </button>
          {showOriginal && <p class="text original">{original}</p>}
        </>
      )}
    </div>
  );
}

function Delivery({ message: m }: { message: ThreadMessage }) {
  const events = m.events;
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

function DraftActions({ message: m, onChanged }: { message: ThreadMessage; onChanged: () => void }) {
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
  return (
    <div class="draft-actions">
      <button
        type="button"
        class="primary"
        disabled={busy}
        onClick={() => run(() => call(api.messages[':id'].approve.$post(param)))}
      >
        Approve and send
      </button>
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
      <ErrorPanel error={error} />
    </div>
  );
}
