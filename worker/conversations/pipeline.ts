// The message pipeline: every message, from any channel, enters through receiveInbound and leaves through
// postOutbound; both go through the conversation's actor, and outbound ones then through the channel adapter.
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { channelAdapter } from '../channels/adapters';
import { loadChannel } from '../channels/channels';
import { createDb, type Db } from '../db/client';
import {
  type Channel,
  type Contact,
  type Conversation,
  contacts,
  conversations,
  media,
  messages,
  users,
} from '../db/schema';
import type { AppBindings } from '../env';
import { enqueue, type JobOf } from '../jobs/types';
import { NotFoundError, ValidationError } from '../lib/errors';
import { inboundNeedsTranslation, settleInboundLanguage } from '../translation/messages';
import type { ConversationActor, ConversationRef, NewMessage } from './actor';
import { publishToHub } from './hub';
import type { AttachmentInfo, ConversationState, LogMessage } from './log';

export interface InboundMessage {
  organizationId: string;
  channelId: string;
  /** The channel's id for the sender: widget visitor id, email address, Meta sender id. */
  externalContactId: string;
  /** The provider's (or the widget client's) message id: the same id twice is the same message. */
  externalMessageId?: string | null;
  content: string;
  /** Media ids. */
  attachments?: string[];
  contact?: { name?: string | null; email?: string | null; phone?: string | null; language?: string | null };
  receivedAt?: Date;
}

export interface InboundResult {
  conversation: ConversationState;
  message: LogMessage;
  duplicate: boolean;
}

export interface OutboundMessage {
  organizationId: string;
  conversationId: string;
  senderType: 'AGENT' | 'AI' | 'SYSTEM';
  senderId?: string | null;
  content: string;
  attachments?: string[];
  isNote?: boolean;
  approvalStatus?: 'NONE' | 'PENDING';
  citations?: LogMessage['citations'];
  /** Client or provider id: posting twice with the same one returns the first message. */
  externalId?: string | null;
  originalContent?: string | null;
  language?: string | null;
}

export function conversationActor(env: AppBindings, conversationId: string): DurableObjectStub<ConversationActor> {
  const namespace = env.CONVERSATIONS as DurableObjectNamespace<ConversationActor>;
  return namespace.get(namespace.idFromName(conversationId));
}

export function refOf(conversation: Pick<Conversation, 'id' | 'organizationId'>): ConversationRef {
  return { id: conversation.id, organizationId: conversation.organizationId };
}

/** A conversation of the organisation, or 404 (also for another organisation's id). */
export async function loadConversation(db: Db, organizationId: string, conversationId: string): Promise<Conversation> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, conversationId), eq(conversations.organizationId, organizationId)))
    .limit(1);
  if (!row) throw new NotFoundError('Conversation');
  return row;
}

/** Finds or creates the contact (unique per channel and external id), keeping what we knew if the channel sends less. */
export async function upsertContact(
  db: Db,
  channel: Pick<Channel, 'id' | 'organizationId'>,
  externalId: string,
  details: InboundMessage['contact'] = {},
): Promise<Contact> {
  const now = new Date();
  const [contact] = await db
    .insert(contacts)
    .values({
      organizationId: channel.organizationId,
      channelId: channel.id,
      externalId,
      name: details.name ?? null,
      email: details.email ?? null,
      phone: details.phone ?? null,
      language: details.language ?? null,
      lastSeenAt: now,
    })
    .onConflictDoUpdate({
      target: [contacts.channelId, contacts.externalId],
      set: {
        name: sql`coalesce(excluded.name, ${contacts.name})`,
        email: sql`coalesce(excluded.email, ${contacts.email})`,
        phone: sql`coalesce(excluded.phone, ${contacts.phone})`,
        language: sql`coalesce(excluded.language, ${contacts.language})`,
        lastSeenAt: now,
        updatedAt: now,
      },
    })
    .returning();
  return contact!;
}

/** The contact's OPEN or PENDING conversation, if any (newest first). */
export async function activeConversation(db: Db, contact: Pick<Contact, 'id' | 'organizationId'>) {
  const [row] = await db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.organizationId, contact.organizationId),
        eq(conversations.contactId, contact.id),
        inArray(conversations.status, ['OPEN', 'PENDING']),
      ),
    )
    .orderBy(desc(conversations.lastMessageAt))
    .limit(1);
  return row ?? null;
}

/**
 * A returning contact rejoins their OPEN/PENDING conversation; otherwise a new one starts under the
 * contact's reserved next id. Two first messages racing both aim at that id, so only one row is created.
 */
export async function openConversation(
  env: AppBindings,
  db: Db,
  contact: Contact,
  fields: { subject?: string | null; language?: string | null; at?: Date } = {},
): Promise<{ conversation: Conversation; created: boolean }> {
  let current = contact;
  for (let attempt = 0; attempt < 3; attempt++) {
    const active = await activeConversation(db, current);
    if (active) return { conversation: active, created: false };
    const id = current.nextConversationId;
    const inserted = await db
      .insert(conversations)
      .values({
        id,
        organizationId: current.organizationId,
        channelId: current.channelId,
        contactId: current.id,
        language: fields.language ?? current.language ?? null,
        subject: fields.subject ?? null,
        lastMessageAt: fields.at ?? new Date(),
      })
      .onConflictDoNothing()
      .returning();
    await db
      .update(contacts)
      .set({ nextConversationId: crypto.randomUUID() })
      .where(and(eq(contacts.id, current.id), eq(contacts.nextConversationId, id)));
    if (inserted[0]) {
      await publishToHub(env, current.organizationId, {
        type: 'conversation.created',
        conversationId: id,
        conversation: inserted[0],
      });
      return { conversation: inserted[0], created: true };
    }
    const [fresh] = await db.select().from(contacts).where(eq(contacts.id, current.id));
    current = fresh!;
  }
  throw new Error('Could not open a conversation for the contact');
}

/** Describes media ids for clients and ties the media to the conversation; an unknown id is a 400. */
export async function describeAttachments(
  db: Db,
  organizationId: string,
  conversationId: string,
  ids: string[] = [],
): Promise<AttachmentInfo[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({ id: media.id, fileName: media.fileName, contentType: media.contentType, size: media.size })
    .from(media)
    .where(and(eq(media.organizationId, organizationId), inArray(media.id, ids)));
  const missing = ids.filter((id) => !rows.some((row) => row.id === id));
  if (missing.length) throw ValidationError.field('attachments', `Unknown attachment: ${missing.join(', ')}`);
  await db
    .update(media)
    .set({ conversationId })
    .where(and(eq(media.organizationId, organizationId), inArray(media.id, ids), isNull(media.conversationId)));
  return ids.map((id) => rows.find((row) => row.id === id)!);
}

type LocalAppend = (
  ref: ConversationRef,
  draft: NewMessage,
) => Promise<{ message: LogMessage; conversation: ConversationState; duplicate: boolean }> | undefined;

/**
 * receiveInbound's body. `localAppend` lets an actor that already holds the visitor's socket append to
 * itself instead of calling its own stub.
 */
export async function acceptInbound(
  env: AppBindings,
  db: Db,
  inbound: InboundMessage,
  localAppend?: LocalAppend,
): Promise<InboundResult> {
  const channel = await loadChannel(db, inbound.organizationId, inbound.channelId);
  const contact = await upsertContact(db, channel, inbound.externalContactId, inbound.contact);
  const { conversation } = await openConversation(env, db, contact, {
    language: inbound.contact?.language,
    at: inbound.receivedAt,
  });
  const draft: NewMessage = {
    direction: 'INBOUND',
    senderType: 'CONTACT',
    senderId: contact.id,
    senderName: contact.name,
    content: inbound.content,
    attachments: inbound.attachments ?? [],
    files: await describeAttachments(db, inbound.organizationId, conversation.id, inbound.attachments),
    externalId: inbound.externalMessageId ?? null,
    language: inbound.contact?.language ?? null,
    createdAt: inbound.receivedAt?.getTime(),
  };
  const ref = refOf(conversation);
  // The actor queues the message.accepted follow-up with the message itself.
  const result =
    (await localAppend?.(ref, draft)) ?? (await conversationActor(env, conversation.id).append(ref, draft));
  return result as InboundResult;
}

/** The one inbound entry point for every channel: durably accepted (and deduped) when it returns. */
export async function receiveInbound(env: AppBindings, inbound: InboundMessage): Promise<InboundResult> {
  return acceptInbound(env, createDb(env.DB), inbound);
}

async function senderName(db: Db, input: Pick<OutboundMessage, 'senderType' | 'senderId'>): Promise<string | null> {
  if (input.senderType === 'AI') return 'AI assistant';
  if (!input.senderId) return null;
  const [user] = await db.select({ name: users.name }).from(users).where(eq(users.id, input.senderId));
  return user?.name ?? null;
}

/** Appends an outbound message and delivers it when it needs no approval; reports whether it was a retry. */
export async function appendOutbound(
  env: AppBindings,
  db: Db,
  input: OutboundMessage,
): Promise<{ message: LogMessage; duplicate: boolean }> {
  const conversation = await loadConversation(db, input.organizationId, input.conversationId);
  const { message, duplicate } = await conversationActor(env, conversation.id).append(refOf(conversation), {
    direction: 'OUTBOUND',
    senderType: input.senderType,
    senderId: input.senderId ?? null,
    senderName: await senderName(db, input),
    content: input.content,
    isNote: input.isNote ?? false,
    originalContent: input.originalContent ?? null,
    language: input.language ?? null,
    attachments: input.attachments ?? [],
    files: await describeAttachments(db, input.organizationId, conversation.id, input.attachments),
    externalId: input.externalId ?? null,
    approvalStatus: input.approvalStatus ?? 'NONE',
    citations: input.citations ?? null,
  });
  if (duplicate || message.isNote || message.approvalStatus !== 'NONE') return { message, duplicate };
  return { message: await deliverMessage(env, db, conversation, message), duplicate };
}

export async function postOutbound(env: AppBindings, input: OutboundMessage): Promise<LogMessage> {
  return (await appendOutbound(env, createDb(env.DB), input)).message;
}

function asRow(message: LogMessage) {
  const { files: _files, senderName: _senderName, ...row } = message;
  return { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) };
}

/**
 * Hands an approved outbound message to its channel and records the outcome. Notes and drafts waiting for
 * approval are never handed over, whoever asks.
 */
export async function deliverMessage(
  env: AppBindings,
  db: Db,
  conversation: Pick<Conversation, 'id' | 'organizationId' | 'channelId'>,
  message: LogMessage,
): Promise<LogMessage> {
  if (message.direction !== 'OUTBOUND' || message.isNote) return message;
  if (message.approvalStatus === 'PENDING' || message.approvalStatus === 'REJECTED') return message;
  const channel = await loadChannel(db, conversation.organizationId, conversation.channelId);
  let outcome: { status: LogMessage['deliveryStatus']; detail?: string | null };
  try {
    outcome = await channelAdapter(channel.type).send(env, db, channel, asRow(message));
  } catch (error) {
    outcome = { status: 'FAILED', detail: error instanceof Error ? error.message : String(error) };
  }
  const recorded = await conversationActor(env, conversation.id).recordDelivery(
    refOf(conversation),
    message.id,
    outcome.status,
    outcome.detail ?? null,
  );
  return recorded ?? message;
}

/** The conversation a message of the organisation belongs to, or 404. */
export async function loadMessageConversation(db: Db, organizationId: string, messageId: string) {
  const [row] = await db
    .select({ conversationId: messages.conversationId })
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.organizationId, organizationId)))
    .limit(1);
  if (!row) throw new NotFoundError('Message');
  return loadConversation(db, organizationId, row.conversationId);
}

async function decide(
  env: AppBindings,
  organizationId: string,
  messageId: string,
  decision: 'approve' | 'reject' | 'send-original',
): Promise<LogMessage> {
  const db = createDb(env.DB);
  const conversation = await loadMessageConversation(db, organizationId, messageId);
  const result = await conversationActor(env, conversation.id).decide(refOf(conversation), messageId, decision);
  if (!result.ok) {
    if (result.reason === 'NOT_FOUND') throw new NotFoundError('Message');
    throw ValidationError.field('approvalStatus', 'Only a message waiting for approval can be approved or rejected');
  }
  if (decision === 'reject') return result.message;
  return deliverMessage(env, db, conversation, result.message);
}

/** Approves a pending reply (older pending drafts of the conversation become REJECTED) and delivers it. */
export function approveMessage(
  env: AppBindings,
  organizationId: string,
  messageId: string,
  options: { sendOriginal?: boolean } = {},
): Promise<LogMessage> {
  return decide(env, organizationId, messageId, options.sendOriginal ? 'send-original' : 'approve');
}

export function rejectMessage(env: AppBindings, organizationId: string, messageId: string): Promise<LogMessage> {
  return decide(env, organizationId, messageId, 'reject');
}

/**
 * Follow-up of an accepted inbound message: settles its language (and the conversation's) before anything
 * answers it, asks for a translation when the channel translates, and for an AI reply when the channel
 * auto-replies. A redelivered job whose message was already translated or got an AI answer asks for
 * neither again, so the job is idempotent.
 */
export async function onMessageAccepted(env: AppBindings, job: JobOf<'message.accepted'>): Promise<void> {
  const db = createDb(env.DB);
  const conversation = await loadConversation(db, job.organizationId, job.conversationId).catch(() => null);
  if (!conversation) return;
  const channel = await loadChannel(db, job.organizationId, conversation.channelId).catch(() => null);
  if (!channel) return;
  const message = await settleInboundLanguage(env, conversation, channel, job.messageId);
  if (message && inboundNeedsTranslation(channel, message)) {
    await enqueue(env.JOBS, {
      kind: 'message.translate',
      organizationId: job.organizationId,
      conversationId: job.conversationId,
      messageId: job.messageId,
    });
  }
  if (!channel.autoReply) return;
  const answered = await db.$client
    .prepare(
      `SELECT 1 FROM messages m JOIN messages a ON a.conversation_id = m.conversation_id AND a.seq > m.seq
       WHERE m.id = ? AND m.organization_id = ? AND a.sender_type = 'AI' LIMIT 1`,
    )
    .bind(job.messageId, job.organizationId)
    .first();
  if (answered) return;
  await enqueue(env.JOBS, {
    kind: 'ai.reply',
    organizationId: job.organizationId,
    conversationId: job.conversationId,
    messageId: job.messageId,
  });
}

/** Re-attempts delivery of an outbound message (e.g. after an adapter outage); a delivered one is left alone. */
export async function onMessageDeliver(env: AppBindings, job: JobOf<'message.deliver'>): Promise<void> {
  const db = createDb(env.DB);
  const conversation = await loadConversation(db, job.organizationId, job.conversationId).catch(() => null);
  if (!conversation) return;
  const message = await conversationActor(env, conversation.id).getMessage(refOf(conversation), job.messageId);
  if (!message || message.deliveryStatus === 'SENT' || message.deliveryStatus === 'DELIVERED') return;
  await deliverMessage(env, db, conversation, message);
}
