// The shapes a conversation actor keeps in its log and the views cut from them: the D1 row shapes it
// projects, the public message a visitor may see, and the message shape the dashboard receives.
import type { Citation, Conversation, Message } from '../db/schema';

/** Which conversation an actor call is about; the actor refuses a ref of another organisation. */
export interface ConversationRef {
  id: string;
  organizationId: string;
}

/** An attachment as described to clients; `url` is added per audience. */
export interface AttachmentInfo {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
}

export interface LogMessage {
  id: string;
  organizationId: string;
  conversationId: string;
  seq: number;
  direction: Message['direction'];
  isNote: boolean;
  senderType: Message['senderType'];
  senderId: string | null;
  senderName: string | null;
  content: string;
  originalContent: string | null;
  translatedContent: string | null;
  language: string | null;
  translatedLanguage: string | null;
  attachments: string[];
  files: AttachmentInfo[];
  externalId: string | null;
  /** The channel's id for this message once sent (absent in logs written before it existed). */
  providerMessageId?: string | null;
  approvalStatus: Message['approvalStatus'];
  deliveryStatus: Message['deliveryStatus'];
  citations: Citation[] | null;
  createdAt: number;
  updatedAt: number;
}

/** The mutable part of a conversation that the actor owns and projects into D1. */
export interface ConversationState {
  id: string;
  organizationId: string;
  channelId: string;
  contactId: string;
  status: Conversation['status'];
  priority: Conversation['priority'];
  assignedToId: string | null;
  language: string | null;
  subject: string | null;
  notes: string | null;
  unreadCount: number;
  messageCount: number;
  lastMessageAt: number;
  lastMessagePreview: string | null;
  closedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface PublicMessage {
  id: string;
  seq: number;
  direction: LogMessage['direction'];
  senderType: LogMessage['senderType'];
  senderName: string | null;
  content: string;
  attachments: (AttachmentInfo & { url: string })[];
  clientMessageId: string | null;
  createdAt: string;
}

/** Notes and drafts that were not approved never reach a visitor. */
export function isVisibleToVisitor(message: LogMessage): boolean {
  return !message.isNote && (message.approvalStatus === 'NONE' || message.approvalStatus === 'APPROVED');
}

/**
 * The message as a visitor sees it. Attachment URLs here are bare paths that open nothing: whoever hands the
 * message to a visitor signs them first (media/visitor-links.ts), so no link ever carries the visitor's id.
 */
export function toPublicMessage(message: LogMessage): PublicMessage {
  return {
    id: message.id,
    seq: message.seq,
    direction: message.direction,
    senderType: message.senderType,
    senderName: message.direction === 'OUTBOUND' ? message.senderName : null,
    content: message.content,
    attachments: message.files.map((file) => ({ ...file, url: `/api/widget/media/${file.id}` })),
    clientMessageId: message.direction === 'INBOUND' ? message.externalId : null,
    createdAt: new Date(message.createdAt).toISOString(),
  };
}

/** The message as the dashboard API and the org hub show it. */
export function toApiMessage(message: LogMessage) {
  return {
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    direction: message.direction,
    isNote: message.isNote,
    senderType: message.senderType,
    sender: message.senderId ? { id: message.senderId, name: message.senderName } : null,
    content: message.content,
    originalContent: message.originalContent,
    translatedContent: message.translatedContent,
    language: message.language,
    translatedLanguage: message.translatedLanguage,
    approvalStatus: message.approvalStatus,
    deliveryStatus: message.deliveryStatus,
    citations: message.citations,
    attachments: message.attachments,
    externalId: message.externalId,
    createdAt: new Date(message.createdAt).toISOString(),
    updatedAt: new Date(message.updatedAt).toISOString(),
  };
}

export type ApiMessage = ReturnType<typeof toApiMessage>;

export type ApiConversation = ReturnType<typeof toApiConversation>;

export function toApiConversation(state: ConversationState) {
  return {
    ...state,
    lastMessageAt: new Date(state.lastMessageAt).toISOString(),
    closedAt: state.closedAt === null ? null : new Date(state.closedAt).toISOString(),
    createdAt: new Date(state.createdAt).toISOString(),
    updatedAt: new Date(state.updatedAt).toISOString(),
  };
}

export function previewOf(content: string): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  return flat.length > 140 ? `${flat.slice(0, 139)}…` : flat;
}

// ── What callers hand the actor ─────────────────────────────────────────────

export interface NewMessage {
  /** The id the message was already acked under (a visitor's first message, acked before intake). */
  id?: string;
  direction: LogMessage['direction'];
  senderType: LogMessage['senderType'];
  senderId?: string | null;
  senderName?: string | null;
  content: string;
  isNote?: boolean;
  originalContent?: string | null;
  translatedContent?: string | null;
  language?: string | null;
  attachments?: string[];
  files?: AttachmentInfo[];
  externalId?: string | null;
  approvalStatus?: 'NONE' | 'PENDING';
  citations?: LogMessage['citations'];
  createdAt?: number;
  /** A reply held while the message.translate job translates it (announced in its message.posted event). */
  awaitingTranslation?: boolean;
  /** Members an internal note @mentions (announced in its message.posted event, which notifies them). */
  mentions?: string[];
}

export type ConversationPatch = Partial<
  Pick<ConversationState, 'status' | 'priority' | 'assignedToId' | 'language' | 'notes'>
>;

export type MessagePatch = Partial<
  Pick<
    LogMessage,
    'content' | 'originalContent' | 'translatedContent' | 'language' | 'translatedLanguage' | 'citations'
  >
>;

export type Decision = 'approve' | 'reject' | 'send-original';

export type DecisionResult =
  | { ok: true; message: LogMessage; rejectedIds: string[] }
  | { ok: false; reason: 'NOT_FOUND' | 'NOT_PENDING' };

/** Who changed a conversation (for its events); absent for system changes. */
export interface ChangedBy {
  userId?: string | null;
}
