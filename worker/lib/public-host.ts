// One check for every request the Worker makes to a URL a customer gave us (agent tools, knowledge-base
// scraping): the host must be public. A Worker cannot resolve DNS before fetching, so hosts are judged by
// name and IP literal; Cloudflare's egress does not reach private networks, and the name rules cover local
// and intranet names. IP ranges come from ipaddr.js: only its "unicast" (public) range is allowed.
import ipaddr from 'ipaddr.js';

const INTERNAL_SUFFIXES = ['.localhost', '.local', '.internal', '.home.arpa'];

/** Why this URL's host is not a public internet host, or null when it is. */
export function nonPublicHostReason(url: URL): string | null {
  // WHATWG URL has already turned decimal, octal and hex IPv4 forms into dotted quads.
  const host = url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (ipaddr.isValid(host)) {
    const range = ipaddr.parse(host).range();
    return range === 'unicast' ? null : `it points to a ${range} address`;
  }
  if (host === 'localhost' || INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) {
    return 'it points to a local or internal host name';
  }
  if (!host.includes('.')) return 'it is not a public host name';
  return null;
}
