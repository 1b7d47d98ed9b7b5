// Which conversation a mail belongs to. Our own Message-IDs carry a per-conversation token (the conversation
// id and an HMAC over it), so a reply that quotes one in In-Reply-To/References finds its conversation even
// when the customer changed the subject. Otherwise the ids it refers to are matched against the mail we
// stored for the channel, from the same customer; otherwise it starts a new conversation.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { conversations, emailMessages } from '../../db/schema';
import type { AppBindings } from '../../env';
import { toBase64Url } from '../../lib/encoding';

const encoder = new TextEncoder();
/** Ids a reply refers to that are looked at (the newest ones). */
const MAX_LOOKUP_IDS = 50;

async function threadKey(env: Pick<AppBindings, 'SESSION_SECRET'>): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(`email-thread-token:${env.SESSION_SECRET}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
}

async function tagOf(env: Pick<AppBindings, 'SESSION_SECRET'>, conversationId: string): Promise<string> {
  const signature = await crypto.subtle.sign('HMAC', await threadKey(env), encoder.encode(conversationId));
  return toBase64Url(new Uint8Array(signature).slice(0, 12)).replace(/[-_]/g, 'x');
}

/** The domain our Message-IDs use: the channel's own sending address's. */
function domainOf(from: string): string {
  const domain = from.split('@').pop()?.trim().toLowerCase() ?? '';
  return /^[a-z0-9.-]{1,253}$/.test(domain) ? domain : 'helpstack.invalid';
}

/** A new Message-ID (without brackets) for a mail we send in a conversation, carrying its token. */
export async function newMessageId(
  env: Pick<AppBindings, 'SESSION_SECRET'>,
  conversationId: string,
  from: string,
): Promise<string> {
  const unique = toBase64Url(crypto.getRandomValues(new Uint8Array(9))).replace(/[-_]/g, 'x');
  return `hs.${conversationId}.${await tagOf(env, conversationId)}.${unique}@${domainOf(from)}`;
}

/** The conversation id a Message-ID of ours names, when its token is genuine. */
export async function conversationOfToken(
  env: Pick<AppBindings, 'SESSION_SECRET'>,
  messageId: string,
): Promise<string | null> {
  const match = /^hs\.([A-Za-z0-9-]{1,100})\.([A-Za-z0-9]{16})\.[A-Za-z0-9]+@/.exec(messageId);
  if (!match) return null;
  const [, conversationId, tag] = match;
  return (await tagOf(env, conversationId!)) === tag ? conversationId! : null;
}

export interface ThreadChoice {
  /** The conversation the mail continues (OPEN or PENDING, of this channel and customer). */
  conversationId: string | null;
  /** How it was found: our token, a stored Message-ID, or not at all. */
  via: 'token' | 'reference' | 'none';
}

/**
 * The conversation a mail from `contactId` continues. Only a conversation of the same channel and customer
 * that is still OPEN or PENDING counts: a reply to a closed one, or a stranger replying to the same
 * newsletter, starts a new conversation.
 */
export async function chooseThread(
  env: AppBindings,
  db: Db,
  channel: { id: string; organizationId: string },
  contactId: string,
  mail: { inReplyTo: string | null; references: string[] },
): Promise<ThreadChoice> {
  // Newest first: In-Reply-To, then References from the end.
  const ids = [
    ...new Set([mail.inReplyTo, ...[...mail.references].reverse()].filter((id): id is string => !!id)),
  ].slice(0, MAX_LOOKUP_IDS);
  if (!ids.length) return { conversationId: null, via: 'none' };

  const usable = async (conversationId: string) => {
    const [row] = await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(
        and(
          eq(conversations.id, conversationId),
          eq(conversations.organizationId, channel.organizationId),
          eq(conversations.channelId, channel.id),
          eq(conversations.contactId, contactId),
          inArray(conversations.status, ['OPEN', 'PENDING']),
        ),
      )
      .limit(1);
    return !!row;
  };

  for (const id of ids) {
    const conversationId = await conversationOfToken(env, id);
    if (conversationId && (await usable(conversationId))) return { conversationId, via: 'token' };
  }
  const known = await db
    .select({ conversationId: emailMessages.conversationId })
    .from(emailMessages)
    .where(
      and(
        eq(emailMessages.organizationId, channel.organizationId),
        eq(emailMessages.channelId, channel.id),
        eq(emailMessages.contactId, contactId),
        inArray(emailMessages.rfcMessageId, ids),
      ),
    )
    .orderBy(desc(emailMessages.createdAt));
  for (const row of known) {
    if (row.conversationId && (await usable(row.conversationId))) {
      return { conversationId: row.conversationId, via: 'reference' };
    }
  }
  return { conversationId: null, via: 'none' };
}

/** In-Reply-To and References for our reply in a conversation: the customer's latest mail and its chain. */
export async function replyHeaders(
  db: Db,
  organizationId: string,
  conversationId: string,
): Promise<{ inReplyTo: string | null; references: string[] }> {
  const [last] = await db
    .select({ rfcMessageId: emailMessages.rfcMessageId, references: emailMessages.references })
    .from(emailMessages)
    .where(
      and(
        eq(emailMessages.organizationId, organizationId),
        eq(emailMessages.conversationId, conversationId),
        eq(emailMessages.direction, 'INBOUND'),
      ),
    )
    .orderBy(desc(emailMessages.createdAt))
    .limit(1);
  if (!last) {
    // No mail from the customer yet (an agent started the conversation): chain to our own last mail.
    const [ours] = await db
      .select({ rfcMessageId: emailMessages.rfcMessageId, references: emailMessages.references })
      .from(emailMessages)
      .where(and(eq(emailMessages.organizationId, organizationId), eq(emailMessages.conversationId, conversationId)))
      .orderBy(desc(emailMessages.createdAt))
      .limit(1);
    if (!ours) return { inReplyTo: null, references: [] };
    return { inReplyTo: ours.rfcMessageId, references: [...ours.references, ours.rfcMessageId].slice(-MAX_LOOKUP_IDS) };
  }
  return { inReplyTo: last.rfcMessageId, references: [...last.references, last.rfcMessageId].slice(-MAX_LOOKUP_IDS) };
}
