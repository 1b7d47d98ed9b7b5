// The TikTok HTTP clients: the Business API (creator account: OAuth tokens, videos, comment replies, DMs) and
// the TikTok Shop API (seller tokens, product catalog). Base URLs are installation configuration with the real
// defaults (tests point them at a fake), every URL passes the public-host check, 5xx and timeouts are retried,
// and a refusal comes back as a readable reason; nothing here throws.
import type { AppBindings } from '../../env';
import { nonPublicHostReason, parsePrivateHostAllowance } from '../../lib/public-host';

export const DEFAULT_TIKTOK_AUTH_URL = 'https://www.tiktok.com/v2/auth/authorize/';
export const DEFAULT_TIKTOK_API_BASE_URL = 'https://business-api.tiktok.com/open_api/v1.3/';
export const DEFAULT_TIKTOK_SHOP_AUTH_URL = 'https://services.tiktokshop.com/open/authorize';
export const DEFAULT_TIKTOK_SHOP_AUTH_BASE_URL = 'https://auth.tiktok-shops.com/';
export const DEFAULT_TIKTOK_SHOP_API_BASE_URL = 'https://open-api.tiktokglobalshop.com/';

const ATTEMPTS = 3;
const TIMEOUT_MS = 10_000;
const BACKOFF_MS = 200;

export type TikTokEnv = Pick<
  AppBindings,
  | 'TIKTOK_API_BASE_URL'
  | 'TIKTOK_SHOP_AUTH_BASE_URL'
  | 'TIKTOK_SHOP_API_BASE_URL'
  | 'TIKTOK_SHOP_APP_KEY'
  | 'TIKTOK_SHOP_APP_SECRET'
  | 'ALLOW_PRIVATE_TIKTOK_HOSTS'
>;

export type TikTokResult<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; code?: number; reason: string; retryable: boolean };

type Base = 'api' | 'shop-auth' | 'shop-api';

/** A configured base URL, checked to be a public host (or one the installation allows). */
export function tiktokBaseUrl(env: TikTokEnv, base: Base): URL {
  const raw =
    base === 'api'
      ? env.TIKTOK_API_BASE_URL?.trim() || DEFAULT_TIKTOK_API_BASE_URL
      : base === 'shop-auth'
        ? env.TIKTOK_SHOP_AUTH_BASE_URL?.trim() || DEFAULT_TIKTOK_SHOP_AUTH_BASE_URL
        : env.TIKTOK_SHOP_API_BASE_URL?.trim() || DEFAULT_TIKTOK_SHOP_API_BASE_URL;
  const url = new URL(raw.endsWith('/') ? raw : `${raw}/`);
  const reason = nonPublicHostReason(url, parsePrivateHostAllowance(env.ALLOW_PRIVATE_TIKTOK_HOSTS));
  if (reason) throw new Error(`The TikTok base URL ${url.origin} is not allowed: ${reason}`);
  return url;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const encoder = new TextEncoder();

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(text));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * TikTok Shop's request signature (API version 202309): HMAC-SHA256 with the app secret over
 * secret + path + the sorted query parameters (key+value, without `sign` and `access_token`) + body + secret.
 */
export async function signShopRequest(secret: string, path: string, query: URLSearchParams, body: string) {
  const params = [...query.entries()]
    .filter(([key]) => key !== 'sign' && key !== 'access_token')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}${value}`)
    .join('');
  return hmacHex(secret, `${secret}${path}${params}${body}${secret}`);
}

export interface TikTokRequest {
  method: 'GET' | 'POST';
  base?: Base;
  path: string;
  /** Business API: the `Access-Token` header; Shop API: `x-tts-access-token`. */
  token?: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** One call; both APIs answer `{code, message, data}` with code 0 for success. */
export async function tiktokRequest<T>(env: TikTokEnv, input: TikTokRequest): Promise<TikTokResult<T>> {
  const base = input.base ?? 'api';
  let url: URL;
  try {
    url = new URL(input.path.replace(/^\//, ''), tiktokBaseUrl(env, base));
  } catch (error) {
    return { ok: false, status: 0, reason: (error as Error).message, retryable: false };
  }
  for (const [key, value] of Object.entries(input.query ?? {})) url.searchParams.set(key, value);
  const body = input.body !== undefined ? JSON.stringify(input.body) : undefined;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (input.token) headers[base === 'shop-api' ? 'x-tts-access-token' : 'Access-Token'] = input.token;
  if (base === 'shop-api') {
    if (!env.TIKTOK_SHOP_APP_KEY || !env.TIKTOK_SHOP_APP_SECRET) {
      return { ok: false, status: 0, reason: 'TikTok Shop is not configured (TIKTOK_SHOP_APP_KEY)', retryable: false };
    }
    url.searchParams.set('app_key', env.TIKTOK_SHOP_APP_KEY);
    url.searchParams.set('timestamp', String(Math.floor(Date.now() / 1000)));
    url.searchParams.set(
      'sign',
      await signShopRequest(env.TIKTOK_SHOP_APP_SECRET, url.pathname, url.searchParams, body ?? ''),
    );
  }
  let last: TikTokResult<T> = { ok: false, status: 0, reason: 'TikTok was not called', retryable: true };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(BACKOFF_MS * 2 ** (attempt - 1));
    try {
      const res = await fetch(url, {
        method: input.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await res.text();
      let parsed: { code?: unknown; message?: unknown; data?: unknown } | null = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      const code = typeof parsed?.code === 'number' ? parsed.code : undefined;
      if (res.ok && parsed && code === 0) return { ok: true, data: (parsed.data ?? {}) as T };
      const message = typeof parsed?.message === 'string' && parsed.message ? parsed.message : `HTTP ${res.status}`;
      last = {
        ok: false,
        status: res.status,
        code,
        reason: code !== undefined ? `TikTok API error ${code}: ${message}` : `TikTok answered HTTP ${res.status}`,
        retryable: res.status >= 500,
      };
      if (!last.retryable) return last;
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      last = {
        ok: false,
        status: 0,
        reason: timedOut
          ? `TikTok did not answer within ${TIMEOUT_MS / 1000} s`
          : `TikTok could not be reached: ${error instanceof Error ? error.message : String(error)}`,
        retryable: true,
      };
    }
  }
  return { ...last, reason: `${last.reason} (after ${ATTEMPTS} attempts)` } as TikTokResult<T>;
}
