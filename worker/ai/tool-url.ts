// Outbound-request safety for SERVER_SIDE agent tools: https only, and only to public hosts (checked on the
// URL and on every redirect hop; see lib/public-host.ts).
import { nonPublicHostReason } from '../lib/public-host';

/** Why an agent tool may not call this URL, or null when it may. */
export function unsafeUrlReason(raw: string): string | null {
  if (!URL.canParse(raw)) return 'URL is not valid';
  const url = new URL(raw);
  if (url.protocol !== 'https:') return 'URL must use https';
  if (url.username || url.password) return 'URL must not contain credentials';
  const reason = nonPublicHostReason(url);
  return reason ? `URL must point to a public host: ${reason}` : null;
}
