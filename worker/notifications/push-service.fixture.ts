// A local stand-in for a browser and its push service (RFC 8030): the browser's key pair and auth secret, and
// a receiver that checks the VAPID JWT (RFC 8292) and decrypts the aes128gcm body (RFC 8291) as a browser does.
import { fromBase64Url, toBase64Url } from '../lib/encoding';

export interface Browser {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  privateKey: CryptoKey;
}

export async function newBrowser(endpoint: string): Promise<Browser> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
    'deriveBits',
  ])) as CryptoKeyPair;
  const publicRaw = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return { endpoint, keys: { p256dh: toBase64Url(publicRaw), auth: toBase64Url(auth) }, privateKey: pair.privateKey };
}

/** Imports a browser from fixed keys (the RFC 8291 example's receiver). */
export async function browserFromKeys(p256dh: string, privateScalar: string, auth: string): Promise<Browser> {
  const point = fromBase64Url(p256dh);
  const privateKey = await crypto.subtle.importKey(
    'jwk',
    {
      kty: 'EC',
      crv: 'P-256',
      x: toBase64Url(point.subarray(1, 33)),
      y: toBase64Url(point.subarray(33, 65)),
      d: privateScalar,
    },
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    ['deriveBits'],
  );
  return { endpoint: 'https://push.example.com/rfc', keys: { p256dh, auth }, privateKey };
}

async function hkdf(salt: BufferSource, ikm: BufferSource, info: BufferSource, bytes: number) {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, bytes * 8));
}

const text = (s: string) => new TextEncoder().encode(s);
const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Decrypts an aes128gcm push body with the browser's keys (HKDF through WebCrypto's own HKDF). */
export async function decryptPush(browser: Browser, input: Uint8Array): Promise<string> {
  const body = new Uint8Array(input);
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset).getUint32(16);
  const idLength = body[20]!;
  const senderPublic = body.slice(21, 21 + idLength);
  const ciphertext = body.slice(21 + idLength);
  if (recordSize < 18 || ciphertext.length > recordSize) throw new Error('record larger than its declared size');
  const senderKey = await crypto.subtle.importKey(
    'raw',
    senderPublic,
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    [],
  );
  const shared = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'ECDH', public: senderKey } as SubtleCryptoDeriveKeyAlgorithm,
      browser.privateKey,
      256,
    ),
  );
  const uaPublic = fromBase64Url(browser.keys.p256dh);
  const ikm = await hkdf(
    fromBase64Url(browser.keys.auth),
    shared,
    join(text('WebPush: info\0'), uaPublic, senderPublic),
    32,
  );
  const cek = await hkdf(salt, ikm, text('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(salt, ikm, text('Content-Encoding: nonce\0'), 12);
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['decrypt']);
  const padded = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce }, key, ciphertext));
  // Strip the padding: the last non-zero byte is the delimiter, 0x02 for the last record.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('missing last-record delimiter');
  return new TextDecoder().decode(padded.slice(0, end));
}

export interface VapidClaims {
  aud: string;
  exp: number;
  sub: string;
}

/** Checks `Authorization: vapid t=<jwt>, k=<key>` as a push service does; returns the claims or throws. */
export async function verifyVapid(header: string | null, expectedKey: string): Promise<VapidClaims> {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header ?? '');
  if (!match) throw new Error(`not a vapid authorization: ${header}`);
  const [, jwt, k] = match as unknown as [string, string, string];
  if (k !== expectedKey) throw new Error('k is not the application server key the browser subscribed with');
  const [head, payload, signature] = jwt.split('.') as [string, string, string];
  const point = fromBase64Url(k);
  const key = await crypto.subtle.importKey(
    'jwk',
    { kty: 'EC', crv: 'P-256', x: toBase64Url(point.subarray(1, 33)), y: toBase64Url(point.subarray(33, 65)) },
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const valid = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    fromBase64Url(signature),
    text(`${head}.${payload}`),
  );
  if (!valid) throw new Error('VAPID signature does not verify');
  const header_ = JSON.parse(new TextDecoder().decode(fromBase64Url(head)));
  if (header_.alg !== 'ES256') throw new Error(`alg ${header_.alg}`);
  return JSON.parse(new TextDecoder().decode(fromBase64Url(payload))) as VapidClaims;
}
