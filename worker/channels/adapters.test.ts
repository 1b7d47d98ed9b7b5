import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { signUpOwner } from '../../test/client';
import { createDb } from '../db/client';
import { type ChannelType, channels, contacts, conversations, messages, outboundEmails } from '../db/schema';
import { encryptJson } from '../lib/secrets';
import { channelAdapter } from './adapters';

const db = createDb(env.DB);

async function conversationOn(type: ChannelType, contact: { email?: string } = {}, subject: string | null = null) {
  const { organization } = await signUpOwner();
  const [channel] = await db
    .insert(channels)
    .values({
      organizationId: organization.id,
      type,
      name: `${type} channel`,
      credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, {}),
    })
    .returning();
  const [person] = await db
    .insert(contacts)
    .values({ organizationId: organization.id, channelId: channel!.id, externalId: crypto.randomUUID(), ...contact })
    .returning();
  const [conversation] = await db
    .insert(conversations)
    .values({
      organizationId: organization.id,
      channelId: channel!.id,
      contactId: person!.id,
      subject,
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
      content: 'Your parcel left our warehouse today.',
    })
    .returning();
  return { channel: channel!, message: message!, organizationId: organization.id };
}

function emailsTo(address: string) {
  return db.select().from(outboundEmails).where(eq(outboundEmails.to, address));
}

describe('channel adapters', () => {
  it('reports a website chat reply as delivered: the conversation actor pushes it to the visitor', async () => {
    const { channel, message } = await conversationOn('WEBSITE_CHAT');
    expect(await channelAdapter('WEBSITE_CHAT').send(env, db, channel, message)).toEqual({ status: 'DELIVERED' });
  });

  it('emails a reply to the contact under "Re: <subject>"', async () => {
    const address = `buyer-${crypto.randomUUID()}@example.test`;
    const { channel, message, organizationId } = await conversationOn('EMAIL', { email: address }, 'Order 1234');
    const result = await channelAdapter('EMAIL').send(env, db, channel, message);
    expect(result.status).toBe('SENT');
    const [mail] = await emailsTo(address);
    expect(mail).toMatchObject({
      subject: 'Re: Order 1234',
      text: 'Your parcel left our warehouse today.',
      organizationId,
    });
  });

  it('fails with a reason when the email contact has no address, sending nothing', async () => {
    const { channel, message, organizationId } = await conversationOn('EMAIL');
    const result = await channelAdapter('EMAIL').send(env, db, channel, message);
    expect(result).toEqual({ status: 'FAILED', detail: 'the contact has no email address' });
    const sent = await db.select().from(outboundEmails).where(eq(outboundEmails.organizationId, organizationId));
    expect(sent).toEqual([]);
  });

  it('records social-channel deliveries locally until a production sender is configured', async () => {
    for (const type of ['FACEBOOK', 'INSTAGRAM', 'WHATSAPP', 'TELEGRAM', 'TIKTOK'] as const) {
      const { channel, message } = await conversationOn(type);
      const result = await channelAdapter(type).send(env, db, channel, message);
      expect(result.status, type).toBe('SENT');
      expect(result.detail).toMatch(/^recorded locally: \w+ sender not configured for production$/);
    }
  });

  it('never delivers an internal note: handing one to an adapter throws and nothing is sent', async () => {
    const address = `note-${crypto.randomUUID()}@example.test`;
    const { channel, message } = await conversationOn('EMAIL', { email: address }, 'Order 99');
    await expect(channelAdapter('EMAIL').send(env, db, channel, { ...message, isNote: true })).rejects.toThrow(
      /must never be delivered/,
    );
    expect(await emailsTo(address)).toEqual([]);
  });
});
