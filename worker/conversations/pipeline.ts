// The message pipeline's two doors: every customer message, from any channel, enters through receiveInbound,
// and every outgoing one (agent reply, approved draft, AI answer) leaves through postOutbound. Both go
// through the conversation's actor (ordering, dedupe, events); outgoing ones then through the channel adapter.
import { eq } from 'drizzle-orm';
import type { DeliveryStatus, InboundMessage } from '../channels/adapter';
import { loadChannel } from '../channels/channels';
import { assertChannelTakes, deliver } from '../channels/registry';
import { createDb, type Db } from '../db/client';
import { type Channel, type Conversation, users } from '../db/schema';
import type { AppBindings } from '../env';
import { NotFoundError, ValidationError } from '../lib/errors';
import { claimAttachments, describeAttachments, intake } from './intake';
import type { ConversationState, Decision, LogMessage } from './log';
import { conversationActor, loadConversation, loadMessageConversation, refOf } from './refs';

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
  /** Held while the message.translate job translates it (approvalStatus PENDING). */
  awaitingTranslation?: boolean;
  citations?: LogMessage['citations'];
  /** Client or provider id: posting twice with the same one returns the first message. */
  externalId?: string | null;
  originalContent?: string | null;
  language?: string | null;
  /** Members an internal note @mentions (notes only). */
  mentions?: string[];
}

/** The one inbound entry point for every channel: durably accepted (and deduped) when it returns. */
export async function receiveInbound(env: AppBindings, inbound: InboundMessage): Promise<InboundResult> {
  const { conversation, draft } = await intake(env, createDb(env.DB), inbound);
  return conversationActor(env, conversation.id).append(refOf(conversation), draft);
}

async function senderName(db: Db, input: Pick<OutboundMessage, 'senderType' | 'senderId'>): Promise<string | null> {
  if (input.senderType === 'AI') return 'AI assistant';
  if (!input.senderId) return null;
  const [user] = await db.select({ name: users.name }).from(users).where(eq(users.id, input.senderId));
  return user?.name ?? null;
}

/**
 * Checks what an outbound message refers to (its conversation, its attachments) without changing anything,
 * so a caller can validate before it charges for the message.
 */
export async function prepareOutbound(
  db: Db,
  input: Pick<OutboundMessage, 'organizationId' | 'conversationId' | 'attachments'>,
) {
  const conversation = await loadConversation(db, input.organizationId, input.conversationId);
  const files = await describeAttachments(db, input.organizationId, input.attachments);
  return { conversation, files };
}

/** Appends an outbound message and delivers it when it needs no approval; reports whether it was a retry. */
export async function appendOutbound(
  env: AppBindings,
  db: Db,
  input: OutboundMessage,
): Promise<{ message: LogMessage; duplicate: boolean }> {
  const { conversation, files } = await prepareOutbound(db, input);
  let channel: Channel | undefined;
  if (!input.isNote && (input.approvalStatus ?? 'NONE') === 'NONE' && input.senderType !== 'AGENT') {
    // Agent replies were checked by sendReply before they were charged; automated ones are checked here.
    channel = await loadChannel(db, input.organizationId, conversation.channelId);
    await assertChannelTakes(env, db, channel, {
      organizationId: input.organizationId,
      conversationId: conversation.id,
      senderType: input.senderType,
      externalId: input.externalId ?? null,
    });
  }
  const attachments = files.map((file) => file.id);
  await claimAttachments(db, input.organizationId, conversation.id, attachments);
  const { message, duplicate } = await conversationActor(env, conversation.id).append(refOf(conversation), {
    direction: 'OUTBOUND',
    senderType: input.senderType,
    senderId: input.senderId ?? null,
    senderName: await senderName(db, input),
    content: input.content,
    isNote: input.isNote ?? false,
    originalContent: input.originalContent ?? null,
    language: input.language ?? null,
    attachments,
    files,
    externalId: input.externalId ?? null,
    approvalStatus: input.approvalStatus ?? 'NONE',
    awaitingTranslation: input.awaitingTranslation ?? false,
    citations: input.citations ?? null,
    mentions: input.mentions,
  });
  if (duplicate || message.isNote || message.approvalStatus !== 'NONE') return { message, duplicate };
  return { message: await deliverMessage(env, db, conversation, message, { channel }), duplicate };
}

export async function postOutbound(env: AppBindings, input: OutboundMessage): Promise<LogMessage> {
  return (await appendOutbound(env, createDb(env.DB), input)).message;
}

function asEnvelope(message: LogMessage) {
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
  /** `channel`: the conversation's channel when the caller already loaded it. */
  options: { approvedByMember?: boolean; channel?: Channel } = {},
): Promise<LogMessage> {
  if (message.direction !== 'OUTBOUND' || message.isNote) return message;
  if (message.approvalStatus === 'PENDING' || message.approvalStatus === 'REJECTED') return message;
  const channel = options.channel ?? (await loadChannel(db, conversation.organizationId, conversation.channelId));
  const envelope = asEnvelope(message);
  const outcome = await deliver(
    env,
    db,
    channel,
    options.approvedByMember ? { ...envelope, senderType: 'AGENT' } : envelope,
  );
  const recorded = await conversationActor(env, conversation.id).recordDelivery(
    refOf(conversation),
    message.id,
    outcome.status,
    outcome.detail ?? null,
    { providerMessageId: outcome.externalId ?? null },
  );
  return recorded ?? message;
}

/**
 * A channel's receipt for a message we sent (delivered, read, failed), found by the id the channel gave it.
 * Returns false when no such message is known (yet): the caller decides whether that is worth a retry.
 */
export async function receiveStatus(
  env: AppBindings,
  status: { organizationId: string; externalMessageId: string; status: DeliveryStatus; detail?: string | null },
): Promise<boolean> {
  const row = await env.DB.prepare(
    'SELECT id, conversation_id FROM messages WHERE organization_id = ? AND provider_message_id = ? LIMIT 1',
  )
    .bind(status.organizationId, status.externalMessageId)
    .first<{ id: string; conversation_id: string }>();
  if (!row) return false;
  const ref = { id: row.conversation_id, organizationId: status.organizationId };
  await conversationActor(env, row.conversation_id).recordDelivery(ref, row.id, status.status, status.detail ?? null, {
    receipt: true,
  });
  return true;
}

async function decide(
  env: AppBindings,
  organizationId: string,
  messageId: string,
  decision: Decision,
  userId: string | null,
  editedContent?: string,
): Promise<LogMessage> {
  const db = createDb(env.DB);
  const conversation = await loadMessageConversation(db, organizationId, messageId);
  const result = await conversationActor(env, conversation.id).decide(
    refOf(conversation),
    messageId,
    decision,
    { userId },
    editedContent,
  );
  if (!result.ok) {
    if (result.reason === 'NOT_FOUND') throw new NotFoundError('Message');
    throw ValidationError.field('approvalStatus', 'Only a message waiting for approval can be approved or rejected');
  }
  if (decision === 'reject') return result.message;
  // A reply a member approved goes out as theirs: a human agent's reply, as far as messaging windows go.
  return deliverMessage(env, db, conversation, result.message, { approvedByMember: userId !== null });
}

/**
 * Approves a pending reply (older pending drafts of the conversation become REJECTED) and delivers it; with
 * `content`, the agent's edit is what goes out.
 */
export function approveMessage(
  env: AppBindings,
  organizationId: string,
  messageId: string,
  options: { sendOriginal?: boolean; userId?: string | null; content?: string } = {},
): Promise<LogMessage> {
  return decide(
    env,
    organizationId,
    messageId,
    options.sendOriginal ? 'send-original' : 'approve',
    options.userId ?? null,
    options.content,
  );
}

export function rejectMessage(
  env: AppBindings,
  organizationId: string,
  messageId: string,
  options: { userId?: string | null } = {},
): Promise<LogMessage> {
  return decide(env, organizationId, messageId, 'reject', options.userId ?? null);
}
