// Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the exact raw body>`, keyed with
// the app secret. Checked over the bytes as received (Meta signs its escaped-unicode JSON, so re-serialising
// the parsed body would break it), in constant time, before anything is parsed or stored.

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    // A handful of app secrets per installation: the cache stays small.
    if (keys.size > 64) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

export async function signMetaBody(secret: string, raw: ArrayBuffer | Uint8Array | string): Promise<string> {
  const bytes = typeof raw === 'string' ? encoder.encode(raw) : new Uint8Array(raw);
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), bytes);
  return `sha256=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Compares two strings in time that depends only on their lengths. */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.length !== right.length) return false;
  // crypto.subtle.timingSafeEqual is a workerd extension; fall back to an XOR loop elsewhere.
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (x: ArrayBufferView, y: ArrayBufferView) => boolean;
  };
  if (subtle.timingSafeEqual) return subtle.timingSafeEqual(left, right);
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= left[i]! ^ right[i]!;
  return diff === 0;
}

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/**
 * Which of the candidate secrets signed this body (its index), or -1 when none did or the header is missing
 * or malformed. Every candidate is checked, so the time taken does not tell which one matched.
 */
export async function matchSignature(
  raw: ArrayBuffer,
  header: string | null,
  secrets: readonly string[],
): Promise<number> {
  const given = header?.trim().toLowerCase() ?? '';
  if (!SIGNATURE.test(given)) return -1;
  let found = -1;
  for (const [index, secret] of secrets.entries()) {
    if (timingSafeEqual(await signMetaBody(secret, raw), given) && found === -1) found = index;
  }
  return found;
}
