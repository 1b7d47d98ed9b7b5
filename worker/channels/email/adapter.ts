// The email channel: replies go out from the channel's own mailbox through its own SMTP server. Inbound mail
// (Email Workers, IMAP) arrives parsed (postal-mime's shape) and becomes one message per mail.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { contacts, conversations, media } from '../../db/schema';
import type { AppBindings } from '../../env';
import { toBase64 } from '../../lib/encoding';
import type { ChannelAdapter, InboundEvent, OutboundEnvelope } from '../adapter';
import { credentialSchema, type EmailCredentials } from '../credentials';
import { sendEmail } from './smtp';

/** The fields of a parsed mail (postal-mime's `Email`) that make a message. */
export interface ParsedMail {
  messageId?: string;
  from?: { address?: string; name?: string };
  subject?: string;
  text?: string;
  date?: string;
}

export const emailAdapter: ChannelAdapter<EmailCredentials> = {
  type: 'EMAIL',
  credentials: credentialSchema('EMAIL') as unknown as ChannelAdapter<EmailCredentials>['credentials'],
  capabilities: {},
  parse(payload, channel): InboundEvent[] {
    const mail = payload as ParsedMail;
    const address = mail?.from?.address?.trim().toLowerCase();
    if (!address || address.length > 320) return [];
    const date = mail.date ? new Date(mail.date) : null;
    return [
      {
        kind: 'message',
        message: {
          organizationId: channel.organizationId,
          channelId: channel.id,
          externalContactId: address,
          externalMessageId: mail.messageId?.slice(0, 998) ?? null,
          content: (mail.text ?? '').trim(),
          subject: mail.subject?.slice(0, 998) ?? null,
          contact: { name: mail.from?.name?.trim() || null, email: address },
          receivedAt: date && !Number.isNaN(date.getTime()) ? date : undefined,
        },
      },
    ];
  },
  async send(out, { env, db, channel, credentials }) {
    const [row] = await db
      .select({ subject: conversations.subject, to: contacts.email })
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .where(and(eq(conversations.organizationId, out.organizationId), eq(conversations.id, out.conversationId)))
      .limit(1);
    if (!row) return { status: 'FAILED', detail: 'conversation not found' };
    if (!row.to) return { status: 'FAILED', detail: 'the contact has no email address' };
    try {
      await sendEmail(credentials, {
        to: row.to,
        subject: replySubject(row.subject, channel.name),
        text: out.content,
        attachments: await emailAttachments(env, db, out),
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

async function emailAttachments(env: AppBindings, db: Db, message: OutboundEnvelope) {
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
