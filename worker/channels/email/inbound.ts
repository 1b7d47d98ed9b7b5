// Importing one raw mail, whichever way it came (Email Workers or an IMAP poll): parsed with postal-mime,
// deduped by Message-ID within the channel, threaded (threading.ts), attachments copied to R2, and handed to
// the pipeline. Its Subject/From/To/Cc, quoted history and Auto-Submitted flag are kept in email_messages.
import { and, eq, inArray, isNull, lt } from 'drizzle-orm';
import PostalMime, { type Email } from 'postal-mime';
import { upsertContact } from '../../conversations/intake';
import { receiveInbound } from '../../conversations/pipeline';
import type { Db } from '../../db/client';
import { createDb } from '../../db/client';
import { type Channel, emailMessages, media } from '../../db/schema';
import type { AppBindings } from '../../env';
import { AGENT_UPLOADS, safeFileName } from '../../media/media';
import type { InboundMessage } from '../adapter';
import { decryptCredentials } from '../channels';
import type { EmailCredentials } from '../credentials';
import { emailAdapter } from './adapter';
import { summarize } from './mime';
import { chooseThread } from './threading';

/** Largest mail accepted by default (EMAIL_MAX_MESSAGE_BYTES overrides it). */
export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Attachments kept per mail; the rest are dropped (the thread says so). */
const MAX_ATTACHMENTS = 20;
/** An import that claimed a Message-ID and then died leaves its claim; after this another may take it over. */
const CLAIM_LEASE_MS = 5 * 60_000;

export function maxMessageBytes(env: Pick<AppBindings, 'EMAIL_MAX_MESSAGE_BYTES'>): number {
  const value = Number(env.EMAIL_MAX_MESSAGE_BYTES);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_BYTES;
}

export type ImportResult =
  | { status: 'stored'; conversationId: string; messageId: string; automated: boolean }
  | { status: 'duplicate'; conversationId: string | null; messageId: string | null }
  /** Another import of the same Message-ID is running right now: try again later. */
  | { status: 'busy' }
  | { status: 'ignored'; reason: string };

export type RawMail = ArrayBuffer | Uint8Array | string;

function byteLength(raw: RawMail): number {
  return typeof raw === 'string' ? new TextEncoder().encode(raw).byteLength : raw.byteLength;
}

async function digest(raw: RawMail): Promise<string> {
  const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : new Uint8Array(raw);
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...hash.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Imports one raw mail into an EMAIL channel. Failures throw (the caller retries or quarantines). */
export async function importEmail(env: AppBindings, channel: Channel, raw: RawMail): Promise<ImportResult> {
  if (channel.type !== 'EMAIL') throw new Error(`Channel ${channel.id} is not an email channel`);
  if (byteLength(raw) > maxMessageBytes(env)) return { status: 'ignored', reason: 'the message is too large' };
  const db = createDb(env.DB);
  const parsed = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  const summary = summarize(parsed);
  if (!summary.from) return { status: 'ignored', reason: 'the message has no sender address' };
  const credentials = await decryptCredentials<EmailCredentials>(env, channel);
  // Our own mail coming back (a copy in the polled mailbox, a loop through a forward) is never a customer's.
  if (summary.from.address === credentials.from?.toLowerCase()) {
    return { status: 'ignored', reason: "the message was sent from the channel's own address" };
  }
  const rfcMessageId = summary.messageId ?? `sha256.${await digest(raw)}@helpstack.invalid`;

  const claim = await claimMessageId(db, channel, rfcMessageId, summary);
  if (claim !== 'claimed') return claim;
  const stored: string[] = [];
  try {
    const contact = await upsertContact(db, channel, summary.from.address, {
      name: summary.from.name,
      email: summary.from.address,
    });
    const thread = await chooseThread(env, db, channel, contact.id, summary);
    stored.push(...(await storeAttachments(env, db, channel, parsed)));
    const event = emailAdapter.parse({ ...parsed, attachmentIds: stored, fallbackMessageId: rfcMessageId }, channel)[0];
    if (event?.kind !== 'message') throw new Error('The mail could not be read as a message');
    const inbound: InboundMessage = {
      ...event.message,
      externalMessageId: rfcMessageId,
      conversationHint: thread.conversationId,
      startsConversation: thread.conversationId === null,
    };
    const result = await enterPipeline(env, inbound);
    await db
      .update(emailMessages)
      .set({ messageId: result.messageId, conversationId: result.conversationId, contactId: contact.id })
      .where(and(eq(emailMessages.channelId, channel.id), eq(emailMessages.rfcMessageId, rfcMessageId)));
    if (result.duplicate) return { status: 'duplicate', ...result };
    return { status: 'stored', ...result, automated: summary.automated };
  } catch (error) {
    await db
      .delete(emailMessages)
      .where(
        and(
          eq(emailMessages.channelId, channel.id),
          eq(emailMessages.rfcMessageId, rfcMessageId),
          isNull(emailMessages.messageId),
        ),
      );
    await removeMedia(env, db, channel.organizationId, stored);
    throw error;
  }
}

/**
 * Claims the Message-ID for this import, writing the mail's headers with it (so the Auto-Submitted flag is
 * known before the message is). A stored or freshly claimed one means someone else has it.
 */
async function claimMessageId(
  db: Db,
  channel: Channel,
  rfcMessageId: string,
  summary: ReturnType<typeof summarize>,
): Promise<'claimed' | Extract<ImportResult, { status: 'duplicate' | 'busy' }>> {
  const now = new Date();
  const fields = {
    subject: summary.subject,
    fromAddress: summary.from?.address ?? null,
    fromName: summary.from?.name ?? null,
    toAddresses: summary.to,
    ccAddresses: summary.cc,
    inReplyTo: summary.inReplyTo,
    references: summary.references,
    quoted: summary.quoted,
    autoSubmitted: summary.automated,
    claimedAt: now,
  };
  const inserted = await db
    .insert(emailMessages)
    .values({
      organizationId: channel.organizationId,
      channelId: channel.id,
      rfcMessageId,
      direction: 'INBOUND',
      ...fields,
    })
    .onConflictDoNothing()
    .returning({ id: emailMessages.id });
  if (inserted.length) return 'claimed';
  const [existing] = await db
    .select()
    .from(emailMessages)
    .where(and(eq(emailMessages.channelId, channel.id), eq(emailMessages.rfcMessageId, rfcMessageId)));
  if (!existing) return { status: 'busy' };
  if (existing.messageId || existing.direction === 'OUTBOUND') {
    return { status: 'duplicate', conversationId: existing.conversationId, messageId: existing.messageId };
  }
  // A claim left by an import that died: take it over, unless another import just did.
  const taken = await db
    .update(emailMessages)
    .set(fields)
    .where(
      and(
        eq(emailMessages.id, existing.id),
        isNull(emailMessages.messageId),
        lt(emailMessages.claimedAt, new Date(now.getTime() - CLAIM_LEASE_MS)),
      ),
    )
    .returning({ id: emailMessages.id });
  return taken.length ? 'claimed' : { status: 'busy' };
}

/** Copies the mail's attachments into R2; types the dashboard does not accept are stored as plain bytes. */
async function storeAttachments(env: AppBindings, db: Db, channel: Channel, mail: Email): Promise<string[]> {
  const ids: string[] = [];
  for (const [index, attachment] of mail.attachments.slice(0, MAX_ATTACHMENTS).entries()) {
    const content = attachment.content;
    const bytes =
      typeof content === 'string'
        ? new TextEncoder().encode(content)
        : content instanceof Uint8Array
          ? content
          : new Uint8Array(content);
    if (!bytes.byteLength) continue;
    const declared = attachment.mimeType.split(';')[0]!.trim().toLowerCase();
    const contentType = AGENT_UPLOADS.contentTypes.includes(declared) ? declared : 'application/octet-stream';
    const fileName = safeFileName(attachment.filename ?? `attachment-${index + 1}`);
    const id = crypto.randomUUID();
    const storageKey = `org/${channel.organizationId}/${id}/${fileName}`;
    await env.MEDIA.put(storageKey, bytes, {
      httpMetadata: { contentType },
      customMetadata: { organizationId: channel.organizationId, mediaId: id },
    });
    try {
      await db.insert(media).values({
        id,
        organizationId: channel.organizationId,
        channelId: channel.id,
        storageKey,
        fileName,
        contentType,
        size: bytes.byteLength,
        uploaderType: 'VISITOR',
      });
    } catch (error) {
      await env.MEDIA.delete(storageKey);
      throw error;
    }
    ids.push(id);
  }
  return ids;
}

async function removeMedia(env: AppBindings, db: Db, organizationId: string, ids: string[]) {
  if (!ids.length) return;
  const rows = await db
    .select({ id: media.id, storageKey: media.storageKey })
    .from(media)
    .where(and(eq(media.organizationId, organizationId), inArray(media.id, ids), isNull(media.conversationId)));
  for (const row of rows) await env.MEDIA.delete(row.storageKey);
  if (rows.length) {
    await db.delete(media).where(
      inArray(
        media.id,
        rows.map((row) => row.id),
      ),
    );
  }
}

interface PipelineResult {
  conversationId: string;
  messageId: string;
  duplicate: boolean;
}

/** Hands the mail to the pipeline; intake honours the thread chosen here (conversationHint / startsConversation). */
async function enterPipeline(env: AppBindings, inbound: InboundMessage): Promise<PipelineResult> {
  const result = await receiveInbound(env, inbound);
  return { conversationId: result.conversation.id, messageId: result.message.id, duplicate: result.duplicate };
}
