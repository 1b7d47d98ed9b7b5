// The channel adapter interface: what every channel (website chat, email, Meta, TikTok) implements so that
// its messages take the one pipeline in and out. Adapters know nothing of each other or of the pipeline.
import type { ZodType } from 'zod';
import type { Db } from '../db/client';
import type { Channel, ChannelType, Message } from '../db/schema';
import type { AppBindings } from '../env';

/** One customer message as a channel delivers it. */
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
  /** The subject line, for channels that have one (email). */
  subject?: string | null;
  receivedAt?: Date;
  /**
   * The conversation this message continues, as the channel worked it out (an email reply's In-Reply-To or
   * References): intake joins it when it is an OPEN or PENDING conversation of the same organisation, channel
   * and contact, and otherwise decides as if there were no hint.
   */
  conversationHint?: string | null;
  /**
   * The channel knows this message starts a new thread (an email that replies to nothing of ours): intake
   * opens a new conversation instead of joining the contact's OPEN/PENDING one.
   */
  startsConversation?: boolean;
  /**
   * Files the provider only links to (a Graph media id, a CDN URL that expires): the entry point copies them
   * into R2 and puts their media ids in `attachments` before the message is handed to the pipeline.
   */
  remoteMedia?: RemoteMedia[];
}

/** A file a provider holds for an inbound message, to be copied into our storage at once. */
export interface RemoteMedia {
  /** `graph-media`: a Graph API media id (WhatsApp); `url`: a direct download link (Messenger, Instagram). */
  source: 'graph-media' | 'url';
  ref: string;
  kind: 'image' | 'audio' | 'video' | 'document' | 'sticker' | 'file';
  contentType?: string | null;
  fileName?: string | null;
}

export type DeliveryStatus = 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';

export interface ContactRef {
  externalId: string;
  name?: string | null;
}

/** What a channel's payload (a webhook body, a widget frame, a parsed email) means. */
export type InboundEvent =
  | { kind: 'message'; message: InboundMessage }
  | { kind: 'status'; externalMessageId: string; status: DeliveryStatus; detail?: string }
  | { kind: 'comment'; postId: string; commentId: string; author: ContactRef; text: string }
  /**
   * Everything we sent this contact up to `watermark` (ms since epoch) reached this state (Messenger and
   * Instagram delivery/read watermarks name no message ids).
   */
  | { kind: 'watermark'; externalContactId: string; status: 'DELIVERED' | 'READ'; watermark: number };

/** An outbound message as the pipeline hands it over: already stored, approved and never a note. */
export type OutboundEnvelope = Pick<
  Message,
  'id' | 'organizationId' | 'conversationId' | 'content' | 'isNote' | 'attachments'
> &
  Partial<Pick<Message, 'senderType' | 'externalId'>>;

/** What a pre-send check needs to know about a reply that is about to be stored and charged. */
export interface OutboundCheck {
  organizationId: string;
  conversationId: string;
  senderType: 'AGENT' | 'AI' | 'SYSTEM';
  /** The message's client or provider id (e.g. `comment:<id>` for a DM answering a comment). */
  externalId?: string | null;
  /** True when the message is an approved provider template (WhatsApp), which may go outside the window. */
  template?: boolean;
}

export interface CheckContext {
  env: AppBindings;
  db: Db;
  channel: Channel;
  now?: Date;
}

export interface SendContext<C> {
  env: AppBindings;
  db: Db;
  channel: Channel;
  /** The channel's decrypted credentials, parsed by the adapter's schema. */
  credentials: C;
}

export interface DeliveryResult {
  status: 'SENT' | 'DELIVERED' | 'FAILED';
  /** Why it failed, or what the provider said (its message id, the recipient). */
  detail?: string;
  /** The provider's id for the sent message, when it gives one. */
  externalId?: string;
}

export interface ChannelCapabilities {
  /** Free replies are allowed this many hours after the customer's last message (Meta: 24). */
  replyWindowHours?: number;
  templates?: boolean;
  comments?: boolean;
}

export interface ChannelAdapter<C = unknown> {
  type: ChannelType;
  credentials: ZodType<C>;
  /** Checks a webhook's signature over the exact raw bytes, before anything is parsed or stored. */
  verify?(raw: ArrayBuffer, headers: Headers, channel: Channel): Promise<boolean>;
  /** Pure: no I/O. The same payload always yields the same events (so a redelivery dedupes downstream). */
  parse(payload: unknown, channel: Pick<Channel, 'id' | 'organizationId'>): InboundEvent[];
  /** Delivers an outbound message; failures are results, never thrown and never a fake success. */
  send(out: OutboundEnvelope, ctx: SendContext<C>): Promise<DeliveryResult>;
  /**
   * Called BEFORE an outbound message is stored or charged: null when the channel may take it now, else the
   * reason it may not (e.g. a messaging window that has closed). `send` enforces the same rule again.
   */
  checkOutbound?(check: OutboundCheck, ctx: CheckContext): Promise<string | null>;
  capabilities: ChannelCapabilities;
}
