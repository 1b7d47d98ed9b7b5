// TikTok's webhook signature: `TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256>` over `${t}.${raw body}`,
// keyed with the app's client secret. Checked over the exact bytes received, in constant time, and the
// timestamp must be recent so a captured delivery cannot be replayed later (duplicates inside the tolerance are
// deduped on the provider ids downstream).
import { PayloadTooLargeError, UnauthorizedError, ValidationError } from '../../lib/errors';
import { timingSafeEqual } from '../meta/signature';

/** How far a signature's timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_S = 300;

const encoder = new TextEncoder();

function concat(prefix: string, raw: ArrayBuffer | Uint8Array): Uint8Array {
  const head = encoder.encode(prefix);
  const body = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

async function hmacHex(secret: string, bytes: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = await crypto.subtle.sign('HMAC', key, new Uint8Array(bytes));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The header value for a body (the fake TikTok server, the tests and the bench sign with it). */
export async function signTikTokBody(
  secret: string,
  raw: ArrayBuffer | Uint8Array | string,
  timestamp = Math.floor(Date.now() / 1000),
): Promise<string> {
  const bytes = typeof raw === 'string' ? encoder.encode(raw) : new Uint8Array(raw);
  return `t=${timestamp},s=${await hmacHex(secret, concat(`${timestamp}.`, bytes))}`;
}

/** null when the body is authentic and fresh, else why not. */
export async function checkTikTokSignature(
  raw: ArrayBuffer,
  header: string | null,
  secret: string,
  now = Date.now(),
): Promise<string | null> {
  if (!header) return 'The TikTok-Signature header is missing';
  const parts = new Map(
    header.split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = parts.get('t') ?? '';
  const s = (parts.get('s') ?? '').toLowerCase();
  if (!/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/.test(s)) return 'The TikTok-Signature header is malformed';
  if (Math.abs(now / 1000 - Number(t)) > SIGNATURE_TOLERANCE_S) {
    return `The TikTok-Signature timestamp is more than ${SIGNATURE_TOLERANCE_S / 60} minutes from now`;
  }
  const expected = await hmacHex(secret, concat(`${t}.`, raw));
  return timingSafeEqual(expected, s) ? null : 'The TikTok-Signature signature does not match the client secret';
}

/**
 * A TikTok (or TikTok Shop) webhook's body, read at most `maxBytes`, its signature checked over the exact bytes
 * with `secret`, then parsed as JSON: 413, 401 (also when no secret is configured: `missingSecret` says which)
 * or 400 otherwise, before anything is stored.
 */
export async function readSignedTikTokJson(
  request: Request,
  options: { secret: string | undefined; missingSecret: string; maxBytes: number },
): Promise<unknown> {
  const tooLarge = `Webhook bodies may be at most ${options.maxBytes / 1024} KB`;
  if (Number(request.headers.get('content-length') ?? 0) > options.maxBytes) throw new PayloadTooLargeError(tooLarge);
  const raw = await request.arrayBuffer();
  if (raw.byteLength > options.maxBytes) throw new PayloadTooLargeError(tooLarge);
  if (!options.secret) throw new UnauthorizedError(options.missingSecret);
  const problem = await checkTikTokSignature(raw, request.headers.get('tiktok-signature'), options.secret);
  if (problem) throw new UnauthorizedError(problem);
  try {
    return JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw ValidationError.field('body', 'The body is not valid JSON');
  }
}
