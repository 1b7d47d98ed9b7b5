// Short-lived signed links to the files a visitor may open. A link names the file, the website chat channel it
// was shared on and when it expires, signed with HMAC-SHA256 under SESSION_SECRET; it never carries the
// visitor's id, which is the visitor's only credential.
import { fromBase64Url, toBase64Url } from '../lib/encoding';

/** How long a link given to a visitor stays valid; the widget asks for fresh links after that. */
export const VISITOR_LINK_TTL_MS = 15 * 60 * 1000;

/** Separates these signatures from anything else signed with the same secret (session tokens). */
const PURPOSE = 'helpstack:widget-media:v1';

export interface VisitorLink {
  mediaId: string;
  channelId: string;
  /** Unix time in seconds. */
  expires: number;
}

const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keys.set(secret, key);
  }
  return key;
}

function payload(link: VisitorLink): Uint8Array<ArrayBuffer> {
  return new Uint8Array(new TextEncoder().encode(`${PURPOSE}\n${link.mediaId}\n${link.channelId}\n${link.expires}`));
}

/** A same-origin URL the visitor's browser can load until the link expires. */
export async function signVisitorLink(
  secret: string,
  link: { mediaId: string; channelId: string },
  now = Date.now(),
): Promise<string> {
  const expires = Math.floor((now + VISITOR_LINK_TTL_MS) / 1000);
  const signature = new Uint8Array(
    await crypto.subtle.sign('HMAC', await hmacKey(secret), payload({ ...link, expires })),
  );
  const query = new URLSearchParams({ channel: link.channelId, expires: String(expires), sig: toBase64Url(signature) });
  return `/api/widget/media/${encodeURIComponent(link.mediaId)}?${query}`;
}

/** Whether the signature matches the link and it has not expired (constant-time through WebCrypto verify). */
export async function verifyVisitorLink(
  secret: string,
  link: VisitorLink,
  signature: string,
  now = Date.now(),
): Promise<boolean> {
  if (!Number.isSafeInteger(link.expires) || link.expires * 1000 < now) return false;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64Url(signature);
  } catch {
    return false;
  }
  return crypto.subtle.verify('HMAC', await hmacKey(secret), bytes, payload(link));
}

/**
 * Gives every attachment of the messages a fresh signed link for this channel. Works on any message shape with
 * `attachments: {id, url}[]` (the public messages of the widget API and socket frames).
 */
export async function withVisitorLinks<M extends { attachments: { id: string; url: string }[] }>(
  secret: string,
  channelId: string,
  messages: M[],
  now = Date.now(),
): Promise<M[]> {
  return Promise.all(
    messages.map(async (message) => ({
      ...message,
      attachments: await Promise.all(
        message.attachments.map(async (file) => ({
          ...file,
          url: await signVisitorLink(secret, { mediaId: file.id, channelId }, now),
        })),
      ),
    })),
  );
}
