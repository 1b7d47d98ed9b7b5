// The dev mailbox (/dev/mailbox, local development only): every mail the system sent, newest first, with its
// links clickable, so invitations and password resets can be followed without the database.
import { useEffect, useState } from 'preact/hooks';
import { Link } from '../router';

interface Mail {
  id: string;
  to: string;
  subject: string;
  text: string;
  createdAt: string;
}

const URL_RE = /(https?:\/\/[^\s<>"]+)/g;

function withLinks(text: string) {
  return text.split(URL_RE).map((part, i) =>
    i % 2 === 1 ? (
      <a key={i} href={part}>
        {part}
      </a>
    ) : (
      part
    ),
  );
}

export function DevMailboxPage() {
  const [mails, setMails] = useState<Mail[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    fetch('/api/dev/mailbox', { credentials: 'same-origin' })
      .then((res) => res.json() as Promise<{ success?: boolean; data?: { items: Mail[] } }>)
      .then((body) => {
        if (body.success && body.data) setMails(body.data.items);
        else setError('The dev mailbox exists only in local development (npm run dev).');
      })
      .catch(() => setError('The dev mailbox could not be loaded.'));
  useEffect(() => {
    void load();
  }, []);
  return (
    <main id="main" class="auth">
      <section class="card mailbox" aria-labelledby="mailbox-title">
        <h1 id="mailbox-title">Dev mailbox</h1>
        <p>
          The mail this local installation sent.{' '}
          <button type="button" onClick={() => void load()}>
            Refresh
          </button>{' '}
          <Link href="/login">Log in</Link>
        </p>
        {error && <p role="alert">{error}</p>}
        {mails && mails.length === 0 && <p>No mail yet.</p>}
        {mails && mails.length > 0 && (
          <ul class="mail-list" aria-label="Mail">
            {mails.map((mail) => (
              <li key={mail.id}>
                <article aria-label={mail.subject}>
                  <h2>{mail.subject}</h2>
                  <p class="muted small">
                    To {mail.to} · {new Date(mail.createdAt).toLocaleString()}
                  </p>
                  <p class="mail-text">{withLinks(mail.text)}</p>
                </article>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
