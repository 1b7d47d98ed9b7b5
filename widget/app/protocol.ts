// The wire shapes the chat app speaks, as fixed by docs/realtime-protocol.md (change that document first).

export interface Attachment {
  id: string;
  url: string;
  fileName: string;
  contentType: string;
  size: number;
}

export interface PublicMessage {
  id: string;
  seq: number;
  direction: 'INBOUND' | 'OUTBOUND';
  senderType: 'CONTACT' | 'AGENT' | 'AI' | 'SYSTEM';
  senderName?: string | null;
  content: string;
  attachments: Attachment[];
  clientMessageId?: string | null;
  createdAt: string;
}

export interface WidgetConfig {
  channelId: string;
  name: string;
  appearance: { color?: string; position?: string; title?: string; subtitle?: string; avatarUrl?: string };
  greeting?: string | null;
  online: boolean;
}

export interface Faq {
  id: string;
  question: string;
  answer: string;
}

export interface WidgetStatus {
  online: boolean;
  agentsOnline: number;
}

export type ServerFrame =
  | { type: 'history'; conversationId: string | null; messages: PublicMessage[] }
  | { type: 'ack'; clientMessageId: string; message: PublicMessage }
  | { type: 'message'; message: PublicMessage }
  | { type: 'typing'; isTyping: boolean }
  | { type: 'read'; upToSeq: number }
  | { type: 'tool_call'; callId: string; name: string; arguments: unknown }
  | { type: 'error'; message: string; clientMessageId?: string };

export interface OutgoingMessage {
  clientMessageId: string;
  content: string;
  attachments: Attachment[];
}
