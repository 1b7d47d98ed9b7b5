// Password hashing with PBKDF2-SHA256 in WebCrypto (Workers caps iterations at 100,000).
// Stored as "pbkdf2-sha256$<iterations>$<salt>$<hash>" so the cost can rise later.
import { fromBase64Url, randomBytes, toBase64Url } from './encoding';

const ITERATIONS = 100_000;

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, ITERATIONS);
  return `pbkdf2-sha256$${ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split('$');
  if (scheme !== 'pbkdf2-sha256' || !iterations || !salt || !hash) return false;
  const actual = await derive(password, fromBase64Url(salt), Number(iterations));
  const expected = fromBase64Url(hash);
  return actual.length === expected.length && crypto.subtle.timingSafeEqual(actual, expected);
}

/** A readable one-time password for members created without one. */
export function temporaryPassword(): string {
  return toBase64Url(randomBytes(12));
}
