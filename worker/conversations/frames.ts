// The one definition of every live WebSocket frame: the visitor's socket to the conversation actor and the
// dashboard's socket to the org hub. The widget and the dashboard import these types; docs/realtime-protocol.md
// describes them in prose.
import type { ApiConversation, ApiMessage, PublicMessage } from './log';

/** Conversation actor → the visitor's widget. */
export type VisitorServerFrame =
  | { type: 'history'; conversationId: string | null; messages: PublicMessage[] }
  | { type: 'ack'; clientMessageId: string; message: PublicMessage }
  | { type: 'message'; message: PublicMessage }
  | { type: 'typing'; isTyping: boolean }
  | { type: 'read'; upToSeq: number }
  | { type: 'tool_call'; callId: string; name: string; arguments: unknown }
  | { type: 'error'; message: string; clientMessageId?: string | null }
  /** The conversation was resolved (CLOSED or ARCHIVED): the widget shows the divider and offers a rating. */
  | { type: 'resolved'; conversationId: string };

/** The visitor's widget → its conversation actor. */
export type VisitorClientFrame =
  | { type: 'message'; clientMessageId: string; content: string; attachments?: string[] }
  | { type: 'sync'; afterSeq?: number }
  | { type: 'typing'; isTyping: boolean }
  | { type: 'tool_result'; callId: string; result?: unknown; error?: string }
  | { type: 'read'; upToSeq?: number };

/** A conversation row as the hub announces a new one (D1's columns, dates as ISO strings on the wire). */
export type HubConversation = Omit<ApiConversation, 'lastMessageAt' | 'closedAt' | 'createdAt' | 'updatedAt'> & {
  lastMessageAt: string | Date;
  closedAt: string | Date | null;
  createdAt: string | Date;
  updatedAt: string | Date;
};

/** Org hub → every open dashboard of the organisation. */
export type HubFrame =
  | { type: 'conversation.created'; conversationId: string; conversation: HubConversation }
  | { type: 'conversation.updated'; conversationId: string; conversation: ApiConversation }
  | { type: 'message.created'; conversationId: string; message: ApiMessage; conversation: ApiConversation }
  | { type: 'message.updated'; conversationId: string; message: ApiMessage }
  | { type: 'typing'; conversationId: string; isTyping: boolean }
  /** A new in-app notification, sent only to the sockets of the member it is for (notifications/dispatch.ts). */
  | { type: 'notification'; userId: string; notification: HubNotification }
  /** The labels on a conversation changed (labels/labels.ts): the ids it carries now. */
  | { type: 'conversation.labels'; conversationId: string; labelIds: string[] }
  /** A conversation was snoozed until a time, or its snooze ended or was cancelled (until: null). */
  | { type: 'conversation.snoozed'; conversationId: string; until: string | null };

/**
 * Several hub frames in one WebSocket message, in publishing order: a busy hub batches what is published close
 * together (worker/conversations/hub.ts). A dashboard handles each frame as if it had come alone.
 */
export type HubBatchFrame = { type: 'batch'; frames: HubFrame[] };

/** A notification centre entry on the wire (GET /api/notifications items have the same shape). */
export interface HubNotification {
  id: string;
  event: 'NEW_CONVERSATION' | 'NEW_MESSAGE' | 'ASSIGNED' | 'STATUS_CHANGED' | 'MENTION' | 'NEEDS_HUMAN';
  conversationId: string | null;
  title: string;
  body: string | null;
  readAt: string | null;
  createdAt: string;
}

/** A dashboard → the org hub (forwarded to the visitor). */
export type DashboardClientFrame = { type: 'typing'; conversationId: string; isTyping: boolean };

/** Either socket's complaint about a frame it could not take. */
export type ErrorFrame = { type: 'error'; message: string; conversationId?: string };
