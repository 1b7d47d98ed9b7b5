// The website visitor in the contact panel: the page they were on, browser and OS, country and city, their local
// time, and when they were first and last seen (recorded when their chat connects).
import { api, call } from '../api';
import { formatDate, useLoad } from '../ui';

function localTime(timezone: string): string | null {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: timezone, hour: '2-digit', minute: '2-digit' }).format(
      new Date(),
    );
  } catch {
    return null;
  }
}

export function VisitorDetails({ conversationId }: { conversationId: string }) {
  const visitor = useLoad(
    () => call(api.conversations[':id'].visitor.$get({ param: { id: conversationId } })),
    [conversationId],
  );
  const v = visitor.data;
  const p = v?.profile;
  if (!v || !p) return null;
  const place = [p.city, p.country].filter(Boolean).join(', ');
  const time = p.timezone ? localTime(p.timezone) : null;
  return (
    <dl class="summary" aria-label="Visitor">
      {p.page && (
        <>
          <dt>Page</dt>
          <dd>
            <a href={p.page} target="_blank" rel="noopener noreferrer">
              {p.page}
            </a>
          </dd>
        </>
      )}
      {(p.browser || p.os) && (
        <>
          <dt>Browser</dt>
          <dd>{[p.browser, p.os].filter(Boolean).join(' on ')}</dd>
        </>
      )}
      {place && (
        <>
          <dt>Location</dt>
          <dd>{place}</dd>
        </>
      )}
      {time && (
        <>
          <dt>Local time</dt>
          <dd>
            {time} ({p.timezone})
          </dd>
        </>
      )}
      <dt>First seen</dt>
      <dd>{formatDate(v.firstSeenAt)}</dd>
      {v.lastSeenAt && (
        <>
          <dt>Last seen</dt>
          <dd>{formatDate(v.lastSeenAt)}</dd>
        </>
      )}
      {v.identityVerified && (
        <>
          <dt>Identity</dt>
          <dd>Verified by the site</dd>
        </>
      )}
    </dl>
  );
}
