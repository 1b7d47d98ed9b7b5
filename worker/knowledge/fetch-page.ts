// Fetching a web page for the knowledge base without letting a URL reach inside our network (SSRF):
// public http(s) hosts only (lib/public-host.ts), every redirect hop re-checked, a time limit and a size limit.
import { nonPublicHostReason } from '../lib/public-host';

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
  return nonPublicHostReason(url) ? `Refusing to fetch ${url.origin}: it points to a private or local address` : null;
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
