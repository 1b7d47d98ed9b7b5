// Web Push on Workers with WebCrypto only: the payload is encrypted for one browser with aes128gcm (RFC 8291,
// over RFC 8188 content coding) and the request is signed for the push service with a VAPID JWT (RFC 8292).
// The library the design first named (@block65/webcrypto-web-push 2.0.0) still sends the pre-standard
// "aesgcm" coding and "WebPush" auth scheme, which Apple's push service (iOS Home Screen apps) refuses.
import { fromBase64Url, toBase64Url } from '../lib/encoding';

export interface PushTarget {
  endpoint: string;
  /** The browser's P-256 public key, base64url of the 65-byte uncompressed point. */
  p256dh: string;
  /** The browser's 16-byte authentication secret, base64url. */
  auth: string;
}

export interface VapidKeys {
  /** base64url of the 65-byte uncompressed P-256 point: the dashboard's applicationServerKey. */
  publicKey: string;
  /** base64url of the 32-byte private scalar. */
  privateKey: string;
  /** mailto: or https: contact for the push service operator. */
  subject: string;
}

/** RFC 8291 section 4: a single record of at most 4096 bytes; the plaintext may use 3993 of them. */
export const MAX_PUSH_PLAINTEXT_BYTES = 3993;
const RECORD_SIZE = 4096;
const encoder = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function hmac(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}

/** Whether a base64url text decodes to an uncompressed P-256 point (65 bytes starting 0x04). */
export function isP256Point(value: string): boolean {
  try {
    const bytes = fromBase64Url(value);
    return bytes.length === 65 && bytes[0] === 0x04;
  } catch {
    return false;
  }
}

/** Whether a base64url text decodes to a 16-byte authentication secret. */
export function isAuthSecret(value: string): boolean {
  try {
    return fromBase64Url(value).length === 16;
  } catch {
    return false;
  }
}

function jwkOf(publicPoint: Uint8Array, privateScalar?: string): JsonWebKey {
  return {
    kty: 'EC',
    crv: 'P-256',
    x: toBase64Url(publicPoint.subarray(1, 33)),
    y: toBase64Url(publicPoint.subarray(33, 65)),
    ...(privateScalar ? { d: privateScalar } : {}),
  };
}

/** A fixed sender key pair and salt, for reproducing the RFC's worked example; real sends use fresh ones. */
export interface EncryptionFixture {
  asPublic: string;
  asPrivate: string;
  salt: string;
}

/** The aes128gcm body for one browser: salt | record size | key id (our ephemeral public key) | ciphertext. */
export async function encryptPushPayload(
  target: Pick<PushTarget, 'p256dh' | 'auth'>,
  plaintext: Uint8Array,
  fixture?: EncryptionFixture,
): Promise<Uint8Array<ArrayBuffer>> {
  if (plaintext.length > MAX_PUSH_PLAINTEXT_BYTES) throw new Error('Push payload is larger than one record');
  const uaPublic = fromBase64Url(target.p256dh);
  const authSecret = fromBase64Url(target.auth);
  const uaKey = await crypto.subtle.importKey('jwk', jwkOf(uaPublic), { name: 'ECDH', namedCurve: 'P-256' }, false, []);

  let asPrivate: CryptoKey;
  let asPublic: Uint8Array<ArrayBuffer>;
  if (fixture) {
    asPublic = fromBase64Url(fixture.asPublic);
    asPrivate = await crypto.subtle.importKey(
      'jwk',
      jwkOf(asPublic, fixture.asPrivate),
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      ['deriveBits'],
    );
  } else {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
      'deriveBits',
    ])) as CryptoKeyPair;
    asPrivate = pair.privateKey;
    asPublic = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  }
  const salt = fixture ? fromBase64Url(fixture.salt) : crypto.getRandomValues(new Uint8Array(16));

  const ecdhSecret = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'ECDH', public: uaKey } as SubtleCryptoDeriveKeyAlgorithm, asPrivate, 256),
  );
  // RFC 8291 section 3.4: combine the ECDH secret with the browser's auth secret, then RFC 8188's CEK and nonce.
  const prkKey = await hmac(authSecret, ecdhSecret);
  const keyInfo = concat(encoder.encode('WebPush: info\0'), uaPublic, asPublic, new Uint8Array([1]));
  const ikm = await hmac(prkKey, keyInfo);
  const prk = await hmac(salt, ikm);
  const cek = (await hmac(prk, concat(encoder.encode('Content-Encoding: aes128gcm\0'), new Uint8Array([1])))).slice(
    0,
    16,
  );
  const nonce = (await hmac(prk, concat(encoder.encode('Content-Encoding: nonce\0'), new Uint8Array([1])))).slice(
    0,
    12,
  );
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  // One record, so it is the last one: the padding delimiter is 0x02, with no padding after it.
  const record = concat(plaintext, new Uint8Array([2]));
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, record));

  const header = new Uint8Array(16 + 4 + 1 + asPublic.length);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = asPublic.length;
  header.set(asPublic, 21);
  return concat(header, ciphertext);
}

/** The RFC 8292 header value: `vapid t=<ES256 JWT for the endpoint's origin>, k=<our public key>`. */
export async function vapidAuthorization(endpoint: string, vapid: VapidKeys, now = Date.now()): Promise<string> {
  const json = (value: unknown) => toBase64Url(encoder.encode(JSON.stringify(value)));
  const unsigned = `${json({ typ: 'JWT', alg: 'ES256' })}.${json({
    aud: new URL(endpoint).origin,
    // At most 24 hours ahead (RFC 8292 section 2); push services reject longer.
    exp: Math.floor(now / 1000) + 12 * 60 * 60,
    sub: vapid.subject,
  })}`;
  const key = await crypto.subtle.importKey(
    'jwk',
    jwkOf(fromBase64Url(vapid.publicKey), vapid.privateKey),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  // WebCrypto's ECDSA signature is r || s, the JWS encoding.
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, encoder.encode(unsigned));
  return `vapid t=${unsigned}.${toBase64Url(new Uint8Array(signature))}, k=${vapid.publicKey}`;
}

export type PushOutcome = { kind: 'sent' } | { kind: 'gone'; status: number } | { kind: 'retry'; detail: string };

/** Sends one encrypted message to one browser's push endpoint; the endpoint's host was checked on subscribe. */
export async function sendWebPush(
  target: PushTarget,
  payload: unknown,
  vapid: VapidKeys,
  options: { ttlSeconds?: number; urgency?: 'low' | 'normal' | 'high' } = {},
): Promise<PushOutcome> {
  const body = await encryptPushPayload(target, encoder.encode(JSON.stringify(payload)));
  let res: Response;
  try {
    res = await fetch(target.endpoint, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        authorization: await vapidAuthorization(target.endpoint, vapid),
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        ttl: String(options.ttlSeconds ?? 24 * 60 * 60),
        urgency: options.urgency ?? 'normal',
      },
      body,
    });
  } catch (error) {
    return { kind: 'retry', detail: error instanceof Error ? error.message : String(error) };
  }
  await res.body?.cancel();
  if (res.status >= 200 && res.status < 300) return { kind: 'sent' };
  // RFC 8030 section 7.3: the subscription no longer exists.
  if (res.status === 404 || res.status === 410) return { kind: 'gone', status: res.status };
  return { kind: 'retry', detail: `push service answered ${res.status}` };
}

/** The installation's VAPID keys, or null when push is not configured. */
export function vapidFromEnv(env: {
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
  APP_ORIGIN?: string;
}): VapidKeys | null {
  if (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY) return null;
  const origin = env.APP_ORIGIN?.startsWith('https://') ? env.APP_ORIGIN : null;
  return {
    publicKey: env.VAPID_PUBLIC_KEY,
    privateKey: env.VAPID_PRIVATE_KEY,
    subject: env.VAPID_SUBJECT || origin || 'mailto:push@helpstack.invalid',
  };
}
