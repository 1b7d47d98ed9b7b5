// The mail behind a message of an email conversation: Subject, From, To and Cc, and the quoted history the
// customer's mail carried below the reply, collapsed until asked for. Everything is text: nothing from a mail
// is ever rendered as HTML.
import { useEffect, useState } from 'preact/hooks';
import { type ApiData, api, call } from '../api';

export type MessageEmail = ApiData<(typeof api.email.conversations)[':id']['$get']>[number];

/** One request per conversation, shared by its messages; fetched again when a message it does not know shows up. */
const loads = new Map<string, { at: number; promise: Promise<MessageEmail[]> }>();
const REFRESH_AFTER_MS = 2_000;

function load(conversationId: string): Promise<MessageEmail[]> {
  const promise = call(api.email.conversations[':id'].$get({ param: { id: conversationId } }));
  loads.set(conversationId, { at: Date.now(), promise });
  promise.catch(() => loads.delete(conversationId));
  return promise;
}

async function emailOf(conversationId: string, messageId: string): Promise<MessageEmail | null> {
  const cached = loads.get(conversationId);
  let list = await (cached?.promise ?? load(conversationId));
  const found = list.find((e) => e.messageId === messageId);
  if (found) return found;
  // A mail that arrived after the list was fetched (or a message that is no mail at all: asked at most every 2 s).
  const latest = loads.get(conversationId);
  if (latest && Date.now() - latest.at < REFRESH_AFTER_MS) list = await latest.promise;
  else list = await load(conversationId);
  return list.find((e) => e.messageId === messageId) ?? null;
}

/** Forgets what was loaded (tests; a different organisation after switching). */
export function resetEmailDetails(): void {
  loads.clear();
}

function person(address: string | null, name: string | null): string {
  if (!address) return '—';
  return name ? `${name} <${address}>` : address;
}

export function EmailDetails({ conversationId, messageId }: { conversationId: string; messageId: string }) {
  const [email, setEmail] = useState<MessageEmail | null>(null);
  useEffect(() => {
    let live = true;
    emailOf(conversationId, messageId).then(
      (found) => live && setEmail(found),
      () => live && setEmail(null),
    );
    return () => {
      live = false;
    };
  }, [conversationId, messageId]);
  if (!email) return null;
  return (
    <div class="email-details">
      <dl class="email-headers" aria-label="Email details">
        <dt>Subject</dt>
        <dd>{email.subject ?? '(no subject)'}</dd>
        <dt>From</dt>
        <dd>{person(email.from.address, email.from.name)}</dd>
        <dt>To</dt>
        <dd>{email.to.join(', ') || '—'}</dd>
        {email.cc.length > 0 && (
          <>
            <dt>Cc</dt>
            <dd>{email.cc.join(', ')}</dd>
          </>
        )}
      </dl>
      {email.autoSubmitted && <p class="muted">Automatic reply: no AI or automated answer is sent to it.</p>}
      {email.quoted && (
        <details class="email-quoted">
          <summary>Show quoted text</summary>
          <pre>{email.quoted}</pre>
        </details>
      )}
    </div>
  );
}
