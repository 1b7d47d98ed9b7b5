// A channel with one contact, one conversation and one outbound agent reply in it, written straight to D1: what
// the channel adapter tests hand to `deliver` and the adapter contract suite.
import { env } from 'cloudflare:workers';
import { createDb } from '../worker/db/client';
import { type ChannelType, channels, contacts, conversations, messages } from '../worker/db/schema';
import { encryptJson } from '../worker/lib/secrets';
import { signUpOwner } from './client';

export const OUTBOUND_TEXT = 'Your parcel left our warehouse today.';

export async function outboundOn(
  type: ChannelType,
  options: { contact?: { email?: string }; subject?: string | null; credentials?: Record<string, unknown> } = {},
) {
  const db = createDb(env.DB);
  const { organization } = await signUpOwner();
  const [channel] = await db
    .insert(channels)
    .values({
      organizationId: organization.id,
      type,
      name: `${type} channel`,
      credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, options.credentials ?? {}),
    })
    .returning();
  const [person] = await db
    .insert(contacts)
    .values({
      organizationId: organization.id,
      channelId: channel!.id,
      externalId: crypto.randomUUID(),
      ...options.contact,
    })
    .returning();
  const [conversation] = await db
    .insert(conversations)
    .values({
      organizationId: organization.id,
      channelId: channel!.id,
      contactId: person!.id,
      subject: options.subject ?? null,
      lastMessageAt: new Date(),
    })
    .returning();
  const [message] = await db
    .insert(messages)
    .values({
      organizationId: organization.id,
      conversationId: conversation!.id,
      seq: 1,
      direction: 'OUTBOUND',
      senderType: 'AGENT',
      content: OUTBOUND_TEXT,
    })
    .returning();
  return { channel: channel!, message: message!, organizationId: organization.id, conversationId: conversation!.id };
}
