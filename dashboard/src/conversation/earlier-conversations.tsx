// The contact panel's "Earlier conversations": the same customer's other conversations, newest first, so an
// agent sees what was said before without searching the inbox.
import { api, call } from '../api';
import { Link } from '../router';
import { ErrorPanel, formatDate, useLoad } from '../ui';

const SHOWN = 20;

export function EarlierConversations({ contactId, currentId }: { contactId: string; currentId: string }) {
  // One more than shown, since the open conversation is among them.
  const list = useLoad(
    () => call(api.conversations.$get({ query: { contactId, pageSize: String(SHOWN + 1) } })),
    [contactId],
  );
  const others = list.data?.items.filter((c) => c.id !== currentId).slice(0, SHOWN);
  const hidden = list.data ? list.data.total - 1 - (others?.length ?? 0) : 0;
  return (
    <section aria-labelledby="earlier-title">
      <h2 id="earlier-title">Earlier conversations</h2>
      <ErrorPanel error={list.error} />
      {list.loading && !list.data && <p class="muted">Loading…</p>}
      {others && others.length === 0 && <p class="muted">No earlier conversations</p>}
      {others && others.length > 0 && (
        <ul class="earlier">
          {others.map((c) => (
            <li key={c.id}>
              <Link href={`/conversations/${c.id}`} class="earlier-link">
                <span class="conv-meta">
                  <span class={`status status-${c.status.toLowerCase()}`}>{c.status}</span>
                  <time dateTime={c.lastMessageAt ?? undefined}>{formatDate(c.lastMessageAt)}</time>
                </span>
                <span class="earlier-preview">{c.lastMessagePreview || c.subject || 'No messages'}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {hidden > 0 && <p class="muted">{hidden} older not shown</p>}
    </section>
  );
}
