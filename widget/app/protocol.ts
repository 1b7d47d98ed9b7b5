// The wire shapes the chat app speaks, as fixed by docs/realtime-protocol.md (change that document first).

import type {
  VisitorConversation as WireConversation,
  VisitorSelf as WireSelf,
} from '../../worker/channels/website-chat/history-shape';
import type { VisitorServerFrame } from '../../worker/conversations/frames';
import type { PublicMessage as WirePublicMessage } from '../../worker/conversations/log';

// Frames and messages are the worker's own types (worker/conversations/frames.ts), never hand copies.
export type PublicMessage = WirePublicMessage;
export type Attachment = PublicMessage['attachments'][number];
/** One conversation of the visitor's history (GET /api/widget/:channelId/history). */
export type VisitorConversation = WireConversation;
export type Rating = 'GOOD' | 'BAD';
export type VisitorSelf = WireSelf;

export interface WidgetConfig {
  channelId: string;
  name: string;
  appearance: { color?: string; position?: string; title?: string; subtitle?: string; avatarUrl?: string };
  greeting?: string | null;
  online: boolean;
  /** Outside the channel's business hours: when the team is back and what reply time it promises. */
  away?: Away | null;
  /** Ask the visitor's name and email before the first message: not at all, skippably, or required. */
  preChatForm?: 'OFF' | 'OPTIONAL' | 'REQUIRED';
}

export interface Away {
  reopensAt: string | null;
  replyTime: string | null;
}

export interface Faq {
  id: string;
  question: string;
  answer: string;
}

export interface WidgetStatus {
  online: boolean;
  agentsOnline: number;
  away?: Away | null;
}

export type ServerFrame = VisitorServerFrame;

export interface OutgoingMessage {
  clientMessageId: string;
  content: string;
  attachments: Attachment[];
}
