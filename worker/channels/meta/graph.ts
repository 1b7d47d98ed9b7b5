// The Graph API client shared by Messenger, Instagram and WhatsApp: one base URL (installation configuration,
// so tests and local development point it at a fake Graph server), bearer auth, Meta's error shape turned
// into a readable reason, and retries with backoff for 5xx and timeouts only (a 4xx is the caller's fault and
// would fail the same way again). Every URL it calls passes the public-host check.
import type { AppBindings } from '../../env';
import { nonPublicHostReason, parsePrivateHostAllowance } from '../../lib/public-host';

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com/v21.0';
const ATTEMPTS = 3;
const TIMEOUT_MS = 10_000;
const BACKOFF_MS = 250;
/** Inbound media is copied at once; WhatsApp's own cap is 100 MB for documents, ours is the agents' 10 MB. */
export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;

type GraphEnv = Pick<AppBindings, 'META_GRAPH_BASE_URL' | 'ALLOW_PRIVATE_GRAPH_HOSTS'>;

export type GraphResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; reason: string; code?: number; retryable: boolean };

/** The base URL of the Graph API for this installation, checked to be a public host (or an allowed one). */
export function graphBaseUrl(env: GraphEnv): URL {
  const raw = env.META_GRAPH_BASE_URL?.trim() || DEFAULT_GRAPH_BASE_URL;
  const url = new URL(raw.endsWith('/') ? raw : `${raw}/`);
  const reason = nonPublicHostReason(url, parsePrivateHostAllowance(env.ALLOW_PRIVATE_GRAPH_HOSTS));
  if (reason) throw new Error(`The Graph API base URL ${url.origin} is not allowed: ${reason}`);
  return url;
}

/** Meta's error body `{ error: { message, code, error_subcode, error_user_msg } }` as one line. */
export function graphErrorReason(status: number, body: unknown): { reason: string; code?: number } {
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (error && typeof error === 'object') {
    const code = typeof error.code === 'number' ? error.code : undefined;
    const text = [error.error_user_msg, error.message].find((v) => typeof v === 'string' && v.trim()) as
      | string
      | undefined;
    const sub = typeof error.error_subcode === 'number' ? `/${error.error_subcode}` : '';
    return {
      reason: `Graph API error${code !== undefined ? ` ${code}${sub}` : ''}: ${text ?? `HTTP ${status}`}`,
      code,
    };
  }
  return { reason: `Graph API answered HTTP ${status}` };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Graph API call with the access token as a bearer header; never throws. */
export async function graphRequest<T>(
  env: GraphEnv,
  input: { method: 'GET' | 'POST'; path: string; token: string; body?: unknown; query?: Record<string, string> },
): Promise<GraphResult<T>> {
  let url: URL;
  try {
    url = new URL(input.path.replace(/^\//, ''), graphBaseUrl(env));
  } catch (error) {
    return { ok: false, status: 0, reason: (error as Error).message, retryable: false };
  }
  for (const [key, value] of Object.entries(input.query ?? {})) url.searchParams.set(key, value);
  let last: GraphResult<T> = { ok: false, status: 0, reason: 'Graph API was not called', retryable: true };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(BACKOFF_MS * 2 ** (attempt - 1));
    try {
      const res = await fetch(url, {
        method: input.method,
        headers: {
          authorization: `Bearer ${input.token}`,
          accept: 'application/json',
          ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: input.body !== undefined ? JSON.stringify(input.body) : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {}
      if (res.ok && body !== null && typeof body === 'object') return { ok: true, status: res.status, data: body as T };
      const { reason, code } = res.ok
        ? { reason: `Graph API answered HTTP ${res.status} without a JSON body`, code: undefined }
        : graphErrorReason(res.status, body);
      last = { ok: false, status: res.status, reason, code, retryable: res.status >= 500 };
      if (!last.retryable) return last;
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      last = {
        ok: false,
        status: 0,
        reason: timedOut
          ? `Graph API did not answer within ${TIMEOUT_MS / 1000} s`
          : `Graph API could not be reached: ${error instanceof Error ? error.message : String(error)}`,
        retryable: true,
      };
    }
  }
  return { ...last, reason: `${last.reason} (after ${ATTEMPTS} attempts)` };
}

/**
 * Downloads a provider-hosted file (a WhatsApp media URL, a Messenger CDN link). Each hop must be a public
 * host; the bearer token only goes to the Graph API's own host. Refuses files over the cap.
 */
export async function downloadMedia(
  env: GraphEnv,
  rawUrl: string,
  token: string | null,
): Promise<{ bytes: ArrayBuffer; contentType: string | null; fileName: string | null }> {
  const allowance = parsePrivateHostAllowance(env.ALLOW_PRIVATE_GRAPH_HOSTS);
  const graphHost = graphBaseUrl(env).host;
  let url = new URL(rawUrl);
  for (let hop = 0; hop < 4; hop++) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('Media link is not an http(s) URL');
    const reason = nonPublicHostReason(url, allowance);
    if (reason) throw new Error(`Media link ${url.host} is not allowed: ${reason}`);
    // WhatsApp media URLs need the token; other hosts (a CDN) must never see it.
    const auth = token && (url.host === graphHost || url.hostname.endsWith('.fbsbx.com'));
    const res = await fetch(url, {
      headers: auth ? { authorization: `Bearer ${token}` } : {},
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS * 3),
    });
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      url = new URL(res.headers.get('location')!, url);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`Media download answered HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_MEDIA_BYTES) {
      await res.body?.cancel();
      throw new Error(`Media is larger than ${MAX_MEDIA_BYTES / 1024 / 1024} MB`);
    }
    const bytes = await res.arrayBuffer();
    if (bytes.byteLength > MAX_MEDIA_BYTES) throw new Error(`Media is larger than ${MAX_MEDIA_BYTES / 1024 / 1024} MB`);
    const disposition = res.headers.get('content-disposition') ?? '';
    const fileName = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? null;
    return { bytes, contentType: res.headers.get('content-type'), fileName };
  }
  throw new Error('Media link redirected too many times');
}
