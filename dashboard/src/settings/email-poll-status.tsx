// An email channel's IMAP poll, on its channel page: when it last ran, the error it last ran into ("Last poll
// failed: …"), and mail it gave up importing (quarantined).
import { api, call } from '../api';
import { formatDate, useLoad } from '../ui';

export function EmailPollStatus({ channelId }: { channelId: string }) {
  const status = useLoad(() => call(api.email.channels[':id'].status.$get({ param: { id: channelId } })), [channelId]);
  const s = status.data;
  // Quietly, not as an alert: the page's own form owns the alerts.
  if (!s) return status.error ? <p class="muted">The incoming mail status could not be loaded.</p> : null;
  return (
    <section class="card" aria-labelledby="email-poll-title">
      <h2 id="email-poll-title">Incoming mail (IMAP)</h2>
      {s.lastPollAt === null ? (
        <p>Not polled yet: the mailbox is checked every minute once an IMAP server is set.</p>
      ) : s.lastError ? (
        <p role="alert" class="connection-failed">
          Last poll failed: {s.lastError} ({formatDate(s.lastPollAt)})
        </p>
      ) : (
        <p class="connection-ok">Last poll worked: {formatDate(s.lastSuccessAt)}</p>
      )}
      {s.quarantined.length > 0 && (
        <>
          <p>These messages could not be imported and are skipped:</p>
          <ul>
            {s.quarantined.map((q) => (
              <li key={`${q.mailbox}/${q.uid}`}>
                {q.mailbox} UID {q.uid}: {q.reason ?? 'unknown error'}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
