// Fetching a web page for the knowledge base without letting a URL reach inside our network (SSRF):
// public http(s) hosts only, every redirect hop re-checked, a time limit and a size limit.

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface FetchPageOptions {
  /** Injectable for tests and tools; defaults to the global fetch at call time. */
  fetcher?: Fetch;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
}

export interface FetchedPage {
  url: string;
  contentType: string;
  body: Uint8Array;
  truncated: boolean;
}

/** A failure to show on the article as its error. */
export class FetchPageError extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const BLOCKED_SUFFIXES = ['.localhost', '.internal', '.local', '.home.arpa'];

function ipv4Octets(host: string): number[] | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

function privateIpv4([a, b, c]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) || // CGNAT
    (a === 169 && b === 254) || // link-local, including the 169.254.169.254 metadata service
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && c === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a! >= 224 // multicast, reserved, broadcast
  );
}

/** Expands an IPv6 literal (as WHATWG URL normalises it) into eight 16-bit groups. */
function ipv6Groups(host: string): number[] | null {
  if (!host.includes(':')) return null;
  const [head = '', tail] = host.split('::');
  const parse = (s: string) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

function privateIpv6(g: number[]): boolean {
  const embeddedV4 = [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff];
  const zeroPrefix = g.slice(0, 5).every((x) => x === 0);
  if (zeroPrefix && g[5] === 0xffff) return privateIpv4(embeddedV4); // IPv4-mapped
  if (g[0] === 0x64 && g[1] === 0xff9b) return privateIpv4(embeddedV4); // NAT64
  return (
    g.every((x) => x === 0) || // unspecified
    (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) || // loopback
    (g[0]! & 0xfe00) === 0xfc00 || // unique local
    (g[0]! & 0xffc0) === 0xfe80 || // link-local
    (g[0]! & 0xff00) === 0xff00 // multicast
  );
}

/** Why this URL may not be fetched, or null when it may. */
export function unsafeUrlReason(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${raw} is not a valid URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Only http and https URLs can be fetched`;
  if (url.username || url.password) return 'URLs with credentials cannot be fetched';
  // WHATWG URL already turns decimal, octal and hex IPv4 forms into dotted quads.
  const host = url.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  const refused = `Refusing to fetch ${url.origin}: it points to a private or local address`;
  if (host === 'localhost' || BLOCKED_SUFFIXES.some((s) => host.endsWith(s))) return refused;
  const v4 = ipv4Octets(host);
  if (v4 && privateIpv4(v4)) return refused;
  const v6 = ipv6Groups(host);
  if (host.includes(':') && (!v6 || privateIpv6(v6))) return refused;
  return null;
}

async function readCapped(response: Response, maxBytes: number): Promise<{ body: Uint8Array; truncated: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { body: new Uint8Array(), truncated: false };
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size > maxBytes) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const body = new Uint8Array(Math.min(size, maxBytes));
  let offset = 0;
  for (const part of parts) {
    const take = part.subarray(0, body.length - offset);
    body.set(take, offset);
    offset += take.length;
  }
  return { body, truncated };
}

export async function fetchPage(url: string, options: FetchPageOptions = {}): Promise<FetchedPage> {
  const { timeoutMs = 10_000, maxBytes = 2 * 1024 * 1024, maxRedirects = 5 } = options;
  const fetcher: Fetch = options.fetcher ?? ((input, init) => fetch(input, init));
  const signal = AbortSignal.timeout(timeoutMs);
  let current = url;
  for (let hop = 0; ; hop++) {
    const reason = unsafeUrlReason(current);
    if (reason) throw new FetchPageError(reason);
    let response: Response;
    try {
      response = await fetcher(current, {
        redirect: 'manual',
        signal,
        headers: {
          'user-agent': 'HelpStackBot/1.0 (+knowledge base import)',
          accept: 'text/html,application/xhtml+xml,text/plain,text/markdown,application/pdf;q=0.9,*/*;q=0.5',
        },
      });
    } catch (error) {
      const detail =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
          ? `no answer within ${timeoutMs / 1000} s`
          : 'the site is unreachable';
      throw new FetchPageError(`Could not fetch ${current}: ${detail}`);
    }
    if (REDIRECTS.has(response.status)) {
      const location = response.headers.get('location');
      await response.body?.cancel();
      if (!location) throw new FetchPageError(`Could not fetch ${current}: redirect without a location`);
      if (hop >= maxRedirects) throw new FetchPageError(`Could not fetch ${url}: more than ${maxRedirects} redirects`);
      current = new URL(location, current).toString();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new FetchPageError(`Could not fetch ${current}: HTTP ${response.status}`);
    }
    const { body, truncated } = await readCapped(response, maxBytes);
    return { url: current, contentType: response.headers.get('content-type') ?? '', body, truncated };
  }
}
