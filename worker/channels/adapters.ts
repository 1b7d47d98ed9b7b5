// Outbound delivery, one adapter per channel type. The pipeline hands an outbound message here after the
// conversation actor has stored it; the result is recorded as an event on the message.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { type Channel, type ChannelType, contacts, conversations, type Message, media } from '../db/schema';
import type { AppBindings } from '../env';
import { toBase64 } from '../lib/encoding';
import { decryptCredentials } from './channels';
import type { EmailCredentials } from './credentials';
import { sendEmail } from './email/smtp';

export { decryptCredentials, loadChannel } from './channels';

export interface DeliveryResult {
  status: 'SENT' | 'DELIVERED' | 'FAILED';
  detail?: string;
}

export type OutboundMessage = Pick<
  Message,
  'id' | 'organizationId' | 'conversationId' | 'content' | 'isNote' | 'attachments'
>;

export interface ChannelAdapter {
  send(env: AppBindings, db: Db, channel: Channel, message: OutboundMessage): Promise<DeliveryResult>;
}

// The visitor's socket is served by the conversation actor, which pushes the message as it stores it.
const websiteChat: ChannelAdapter = {
  async send() {
    return { status: 'DELIVERED' };
  },
};

// An email channel replies from its own mailbox, through its own SMTP server.
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
    const credentials = await decryptCredentials<EmailCredentials>(env, channel);
    try {
      await sendEmail(credentials, {
        to: row.to,
        subject: replySubject(row.subject, channel.name),
        text: message.content,
        attachments: await emailAttachments(env, db, message),
      });
    } catch (error) {
      return { status: 'FAILED', detail: error instanceof Error ? error.message : String(error) };
    }
    return { status: 'SENT', detail: `emailed to ${row.to} from ${credentials.from}` };
  },
};

function replySubject(subject: string | null, channelName: string): string {
  const original = subject?.trim() || `Your message to ${channelName}`;
  return /^re:/i.test(original) ? original : `Re: ${original}`;
}

async function emailAttachments(env: AppBindings, db: Db, message: OutboundMessage) {
  if (!message.attachments.length) return [];
  const rows = await db
    .select()
    .from(media)
    .where(and(eq(media.organizationId, message.organizationId), inArray(media.id, message.attachments)));
  return Promise.all(
    rows.map(async (row) => {
      const object = await env.MEDIA.get(row.storageKey);
      if (!object) throw new Error(`the attachment ${row.fileName} is missing from storage`);
      return {
        filename: row.fileName,
        mimeType: row.contentType,
        content: toBase64(new Uint8Array(await object.arrayBuffer())),
      };
    }),
  );
}

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
