// Outbound delivery, one adapter per channel type. The pipeline hands an outbound message here after the
// conversation actor has stored it; the result is recorded as an event on the message.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type Channel, type ChannelType, contacts, conversations, type Message } from '../db/schema';
import type { AppBindings } from '../env';
import { sendMail } from '../notifications/mailer';

export { decryptCredentials, loadChannel } from './channels';

export interface DeliveryResult {
  status: 'SENT' | 'DELIVERED' | 'FAILED';
  detail?: string;
}

export type OutboundMessage = Pick<Message, 'id' | 'organizationId' | 'conversationId' | 'content' | 'isNote'>;

export interface ChannelAdapter {
  send(env: AppBindings, db: Db, channel: Channel, message: OutboundMessage): Promise<DeliveryResult>;
}

// The visitor's socket is served by the conversation actor, which pushes the message as it stores it.
const websiteChat: ChannelAdapter = {
  async send() {
    return { status: 'DELIVERED' };
  },
};

const email: ChannelAdapter = {
  async send(env, db, channel, message) {
    const [row] = await db
      .select({ subject: conversations.subject, to: contacts.email })
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .where(
        and(eq(conversations.organizationId, message.organizationId), eq(conversations.id, message.conversationId)),
      )
      .limit(1);
    if (!row) return { status: 'FAILED', detail: 'conversation not found' };
    if (!row.to) return { status: 'FAILED', detail: 'the contact has no email address' };
    await sendMail(env, db, {
      to: row.to,
      subject: `Re: ${row.subject?.trim() || `Your message to ${channel.name}`}`,
      text: message.content,
      organizationId: message.organizationId,
    });
    return { status: 'SENT', detail: `emailed to ${row.to}` };
  },
};

/** Stand-in until the provider's production sender is configured: the delivery is recorded, not sent. */
function recordedLocally(provider: string): ChannelAdapter {
  return {
    async send() {
      return { status: 'SENT', detail: `recorded locally: ${provider} sender not configured for production` };
    },
  };
}

const adapters: Record<ChannelType, ChannelAdapter> = {
  WEBSITE_CHAT: websiteChat,
  EMAIL: email,
  FACEBOOK: recordedLocally('Facebook'),
  INSTAGRAM: recordedLocally('Instagram'),
  WHATSAPP: recordedLocally('WhatsApp'),
  TELEGRAM: recordedLocally('Telegram'),
  TIKTOK: recordedLocally('TikTok'),
};

/** The adapter for a channel type. Internal notes are team-only: handing one over is a bug, so it throws. */
export function channelAdapter(type: ChannelType): ChannelAdapter {
  const adapter = adapters[type];
  return {
    async send(env, db, channel, message) {
      if (message.isNote) throw new Error(`Internal note ${message.id} must never be delivered to a channel`);
      return adapter.send(env, db, channel, message);
    },
  };
}
