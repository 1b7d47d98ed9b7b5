// AES-256-GCM for secrets at rest (channel credentials, provider keys, tool headers).
// ENCRYPTION_KEY is a keyring "kid:base64key[,kid:base64key…]"; the first key encrypts, any listed key
// decrypts, so keys rotate by prepending a new one. A bare base64 key is the keyring "k1:<key>".
// Ciphertext format: "v1.<kid>.<iv>.<ciphertext>" (base64url).
import { fromBase64Url, randomBytes, toBase64Url } from './encoding';

interface Keyring {
  currentId: string;
  keys: Map<string, Promise<CryptoKey>>;
}

const keyrings = new Map<string, Keyring>();

function keyring(spec: string | undefined): Keyring {
  if (!spec) throw new Error('ENCRYPTION_KEY is not configured');
  const cached = keyrings.get(spec);
  if (cached) return cached;
  const entries = spec.split(',').map((part, i) => {
    const [kid, key] = part.includes(':') ? part.split(':', 2) : [`k${i + 1}`, part];
    if (!kid || !key) throw new Error('ENCRYPTION_KEY entries must look like "kid:base64key"');
    const raw = fromBase64Url(key.trim());
    if (raw.length !== 32) throw new Error(`ENCRYPTION_KEY "${kid}" must be 32 bytes (base64)`);
    return [kid.trim(), crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])] as const;
  });
  const ring: Keyring = { currentId: entries[0]![0], keys: new Map(entries) };
  keyrings.set(spec, ring);
  return ring;
}

export async function encryptSecret(keySpec: string | undefined, plaintext: string): Promise<string> {
  const ring = keyring(keySpec);
  const key = await ring.keys.get(ring.currentId)!;
  const iv = randomBytes(12);
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(ring.currentId) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return `v1.${ring.currentId}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ciphertext))}`;
}

export async function decryptSecret(keySpec: string | undefined, value: string): Promise<string> {
  const [version, kid, iv, ciphertext] = value.split('.');
  if (version !== 'v1' || !kid || !iv || !ciphertext) throw new Error('Unrecognised ciphertext format');
  const key = keyring(keySpec).keys.get(kid);
  if (!key) throw new Error(`No encryption key "${kid}" in ENCRYPTION_KEY`);
  const plaintext = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(iv), additionalData: new TextEncoder().encode(kid) },
    await key,
    fromBase64Url(ciphertext),
  );
  return new TextDecoder().decode(plaintext);
}

export async function encryptJson(keySpec: string | undefined, value: unknown): Promise<string> {
  return encryptSecret(keySpec, JSON.stringify(value));
}

export async function decryptJson<T>(keySpec: string | undefined, value: string): Promise<T> {
  return JSON.parse(await decryptSecret(keySpec, value)) as T;
}

/** What the API shows instead of a secret: its last four characters at most. */
export function maskSecret(secret: string): string {
  if (secret.length <= 8) return '••••••••';
  return `••••••••${secret.slice(-4)}`;
}

/** Masks every string value of a credentials object except the fields named as public. */
export function maskFields<T extends Record<string, unknown>>(value: T, publicFields: readonly string[]): T {
  const masked: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(value)) {
    masked[field] = typeof v === 'string' && !publicFields.includes(field) ? maskSecret(v) : v;
  }
  return masked as T;
}
