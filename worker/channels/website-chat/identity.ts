// Who a widget visitor is, as the host page says (ChatWidget.identify). A name or email the page passes is kept
// on the visitor's own contact and never used to find another one. A user id counts only with its proof: an
// HMAC-SHA256 of the user id under the channel's identity secret, computed by the host site's server. A proven
// user gets one visitor id per channel, derived here, so the same person sees the same history on every device;
// nobody without the proof can learn or guess it.
import { sql } from 'drizzle-orm';
import { upsertContact } from '../../conversations/intake';
import type { Db } from '../../db/client';
import { type Channel, contacts } from '../../db/schema';
import { ValidationError } from '../../lib/errors';

const SECRET_PURPOSE = 'helpstack:widget-identity-secret:v1';
const VISITOR_PURPOSE = 'helpstack:widget-identity-visitor:v1';

export interface IdentifyInput {
  visitorId: string;
  userId?: string;
  userHash?: string;
  name?: string;
  email?: string;
}

async function hmac(key: string | Uint8Array, message: string): Promise<Uint8Array> {
  const raw = typeof key === 'string' ? new TextEncoder().encode(key) : new Uint8Array(key);
  const cryptoKey = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, new TextEncoder().encode(message)));
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The channel's identity secret (hex), derived from SESSION_SECRET: admins copy it to their site's server. */
export async function channelIdentitySecret(sessionSecret: string, channelId: string): Promise<string> {
  return hex(await hmac(sessionSecret, `${SECRET_PURPOSE}\n${channelId}`));
}

/** What the host site's server computes: hex(HMAC-SHA256(identity secret, user id)). */
export async function identityHash(identitySecret: string, userId: string): Promise<string> {
  return hex(await hmac(identitySecret, userId));
}

/** Compares in constant time by comparing HMACs of both values under a one-off key. */
async function sameString(a: string, b: string): Promise<boolean> {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const [x, y] = await Promise.all([hmac(key, a), hmac(key, b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/** The visitor id of a proven user on a channel (`visitor_<uuid>` shaped, as the widget expects). */
export async function verifiedVisitorId(sessionSecret: string, channelId: string, userId: string): Promise<string> {
  const h = hex((await hmac(sessionSecret, `${VISITOR_PURPOSE}\n${channelId}\n${userId}`)).slice(0, 16));
  return `visitor_${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * Records what the host page told us. With a user id, the proof must match (a 400 naming `userHash` otherwise,
 * and nothing is stored); the answer is then the user's own visitor id, which the widget switches to.
 */
export async function identifyVisitor(
  db: Db,
  sessionSecret: string,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  input: IdentifyInput,
): Promise<{ visitorId: string; verified: boolean; contactId: string }> {
  let visitorId = input.visitorId;
  let verified = false;
  if (input.userId !== undefined) {
    const expected = await identityHash(await channelIdentitySecret(sessionSecret, channel.id), input.userId);
    if (!input.userHash || !(await sameString(expected, input.userHash.toLowerCase()))) {
      throw ValidationError.field('userHash', 'userHash is not the HMAC of this user id under the channel secret');
    }
    visitorId = await verifiedVisitorId(sessionSecret, channel.id, input.userId);
    verified = true;
  }
  const contact = await upsertContact(db, channel, visitorId, {
    name: input.name ?? null,
    email: input.email ?? null,
  });
  // Kept beside what we already knew: whether the email came with a proof decides whether anyone may trust it.
  const identity = verified ? { userId: input.userId, verified: true } : { verified: false };
  await db
    .update(contacts)
    .set({
      metadata: sql`json_set(coalesce(${contacts.metadata}, '{}'), '$.identity', json(${JSON.stringify(identity)}))`,
    })
    .where(sql`${contacts.id} = ${contact.id}`);
  return { visitorId, verified, contactId: contact.id };
}
