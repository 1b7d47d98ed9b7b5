// The email channel: replies go out from the channel's own mailbox through its own SMTP server, threaded
// (Message-ID with the conversation's token, In-Reply-To, References). Inbound mail (Email Workers, IMAP)
// arrives parsed by postal-mime and becomes one message per mail (inbound.ts stores its attachments first).
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Email } from 'postal-mime';
import type { Db } from '../../db/client';
import { contacts, conversations, emailMessages, media } from '../../db/schema';
import type { AppBindings } from '../../env';
import { toBase64 } from '../../lib/encoding';
import type { ChannelAdapter, InboundEvent, OutboundEnvelope } from '../adapter';
import { credentialSchema, type EmailCredentials } from '../credentials';
import { summarize } from './mime';
import { sendEmail } from './smtp';
import { newMessageId, replyHeaders } from './threading';

/** A mail as postal-mime parsed it, with what the entry point added before parsing it into a message. */
export interface ParsedMail extends Partial<Email> {
  /** Media ids of the mail's attachments, already stored in R2 (inbound.ts). */
  attachmentIds?: string[];
  /** The id to dedupe by when the mail has no Message-ID (a digest of its bytes). */
  fallbackMessageId?: string;
}

export const emailAdapter: ChannelAdapter<EmailCredentials> = {
  type: 'EMAIL',
  credentials: credentialSchema('EMAIL') as unknown as ChannelAdapter<EmailCredentials>['credentials'],
  capabilities: {},
  parse(payload, channel): InboundEvent[] {
    const mail = payload as ParsedMail;
    if (!mail || typeof mail !== 'object') return [];
    const summary = summarize({ headers: [], attachments: [], headerLines: [], ...mail });
    if (!summary.from) return [];
    const attachments = mail.attachmentIds ?? [];
    // An attachment-only mail still needs a line in the thread.
    const content = summary.content || (attachments.length ? '(attachment)' : '(no text)');
    return [
      {
        kind: 'message',
        message: {
          organizationId: channel.organizationId,
          channelId: channel.id,
          externalContactId: summary.from.address,
          externalMessageId: summary.messageId ?? mail.fallbackMessageId ?? null,
          content,
          attachments,
          subject: summary.subject,
          contact: { name: summary.from.name, email: summary.from.address },
          receivedAt: summary.date ?? undefined,
        },
      },
    ];
  },
  async send(out, { env, db, channel, credentials }) {
    const [row] = await db
      .select({ subject: conversations.subject, to: contacts.email, contactId: contacts.id })
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .where(and(eq(conversations.organizationId, out.organizationId), eq(conversations.id, out.conversationId)))
      .limit(1);
    if (!row) return { status: 'FAILED', detail: 'conversation not found' };
    if (!row.to) return { status: 'FAILED', detail: 'the contact has no email address' };
    const thread = await replyHeaders(db, out.organizationId, out.conversationId);
    const messageId = await newMessageId(env, out.conversationId, credentials.from);
    const subject = replySubject((await latestSubject(db, out)) ?? row.subject, channel.name);
    const headers: Record<string, string> = { 'Message-ID': `<${messageId}>` };
    if (thread.inReplyTo) headers['In-Reply-To'] = `<${thread.inReplyTo}>`;
    if (thread.references.length) headers.References = thread.references.map((id) => `<${id}>`).join(' ');
    // An AI answer is an automatic reply (RFC 3834): the customer's auto-responder must not answer it back.
    if (out.senderType === 'AI') headers['Auto-Submitted'] = 'auto-replied';
    try {
      await sendEmail(credentials, {
        to: row.to,
        subject,
        text: out.content,
        attachments: await emailAttachments(env, db, out),
        headers,
      });
    } catch (error) {
      return { status: 'FAILED', detail: error instanceof Error ? error.message : String(error) };
    }
    await db
      .insert(emailMessages)
      .values({
        organizationId: out.organizationId,
        channelId: channel.id,
        rfcMessageId: messageId,
        direction: 'OUTBOUND',
        messageId: out.id,
        conversationId: out.conversationId,
        contactId: row.contactId,
        subject,
        fromAddress: credentials.from.toLowerCase(),
        toAddresses: [row.to.toLowerCase()],
        inReplyTo: thread.inReplyTo,
        references: thread.references,
        claimedAt: new Date(),
      })
      .onConflictDoNothing();
    return { status: 'SENT', detail: `emailed to ${row.to} from ${credentials.from}`, externalId: messageId };
  },
};

/** The subject of the customer's latest mail in the conversation (they may have changed it). */
async function latestSubject(db: Db, out: OutboundEnvelope): Promise<string | null> {
  const [row] = await db
    .select({ subject: emailMessages.subject })
    .from(emailMessages)
    .where(
      and(
        eq(emailMessages.organizationId, out.organizationId),
        eq(emailMessages.conversationId, out.conversationId),
        eq(emailMessages.direction, 'INBOUND'),
      ),
    )
    .orderBy(desc(emailMessages.createdAt))
    .limit(1);
  return row?.subject ?? null;
}

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
