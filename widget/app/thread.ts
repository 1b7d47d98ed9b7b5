// The visitor's view of their history with the site: messages keyed by conversation (each conversation numbers
// its own messages from 1, so seq orders messages only within one), conversations in the order they began with a
// divider after each resolved one, then the visitor's own messages still waiting for the server's ack.
import type { Attachment, PublicMessage, VisitorConversation } from './protocol';

export interface ThreadMessage extends PublicMessage {
  /** The conversation the message belongs to; null while the server has not said (a fresh ack). */
  conversationId?: string | null;
  pending?: boolean;
  failed?: boolean;
}

/** A conversation as the thread knows it (from GET /history); the messages live in the message list. */
export type ConversationInfo = Omit<VisitorConversation, 'messages'>;

export interface ThreadGroup {
  /** null: messages of a conversation the server has not named yet (the visitor's newest). */
  conversation: ConversationInfo | null;
  messages: ThreadMessage[];
}

export function pendingMessage(clientMessageId: string, content: string, attachments: Attachment[]): ThreadMessage {
  return {
    id: `pending:${clientMessageId}`,
    seq: Number.POSITIVE_INFINITY,
    direction: 'INBOUND',
    senderType: 'CONTACT',
    senderName: null,
    content,
    attachments,
    clientMessageId,
    createdAt: new Date().toISOString(),
    conversationId: null,
    pending: true,
  };
}

/**
 * Folds server messages into the thread; a confirmed message replaces the pending one with its clientMessageId.
 * `conversationId` tags the incoming messages; without it a message keeps the conversation it was known under.
 */
export function mergeMessages(
  current: ThreadMessage[],
  incoming: PublicMessage[],
  conversationId: string | null = null,
): ThreadMessage[] {
  if (incoming.length === 0) return current;
  const byId = new Map<string, ThreadMessage>();
  const confirmedClientIds = new Set<string>();
  for (const message of current) if (!message.pending) byId.set(message.id, message);
  for (const message of incoming) {
    const known = byId.get(message.id)?.conversationId ?? null;
    byId.set(message.id, { ...message, conversationId: conversationId ?? known });
  }
  for (const message of byId.values()) if (message.clientMessageId) confirmedClientIds.add(message.clientMessageId);
  const stillPending = current.filter((m) => m.pending && !confirmedClientIds.has(m.clientMessageId ?? ''));
  return [...byId.values(), ...stillPending];
}

/** The whole history from GET /history: every message tagged with its conversation. */
export function mergeHistory(current: ThreadMessage[], conversations: VisitorConversation[]): ThreadMessage[] {
  let next = current;
  for (const conversation of conversations) next = mergeMessages(next, conversation.messages, conversation.id);
  return next;
}

/**
 * The thread as shown: the known conversations in order, each with its messages by seq; messages of a
 * conversation not in the list yet (or not named yet) after them; pending messages last. Untagged messages
 * belong to the conversation the socket is on when that one is still open.
 */
export function groupThread(
  messages: ThreadMessage[],
  conversations: ConversationInfo[],
  current: string | null,
): ThreadGroup[] {
  const open = current && !conversations.find((c) => c.id === current)?.resolved ? current : null;
  const groups = new Map<string | null, ThreadGroup>();
  for (const conversation of conversations) groups.set(conversation.id, { conversation, messages: [] });
  const later: ThreadGroup[] = [];
  const group = (id: string | null) => {
    let found = groups.get(id);
    if (!found) {
      found = { conversation: null, messages: [] };
      groups.set(id, found);
      later.push(found);
    }
    return found;
  };
  const pending: ThreadMessage[] = [];
  for (const message of messages) {
    if (message.pending) pending.push(message);
    else group(message.conversationId ?? open).messages.push(message);
  }
  for (const g of groups.values()) g.messages.sort((a, b) => a.seq - b.seq);
  const ordered = [...conversations.map((c) => groups.get(c.id)!), ...later];
  if (pending.length) {
    const last = ordered.at(-1);
    if (last && !last.conversation?.resolved) last.messages.push(...pending);
    else ordered.push({ conversation: null, messages: pending });
  }
  return ordered.filter((g) => g.messages.length > 0);
}

export function markFailed(current: ThreadMessage[], clientMessageId: string, failed: boolean): ThreadMessage[] {
  return current.map((m) => (m.pending && m.clientMessageId === clientMessageId ? { ...m, failed } : m));
}

/** The highest confirmed seq of one conversation (untagged messages count as the socket's conversation). */
export function lastSeq(messages: ThreadMessage[], conversationId: string | null = null): number {
  let max = 0;
  for (const m of messages) {
    if (m.pending || (m.conversationId ?? conversationId) !== conversationId) continue;
    if (m.seq > max) max = m.seq;
  }
  return max;
}

/** Refresh attachment links this long before they expire, and not more often than every REFRESH_MIN_MS. */
export const LINK_MARGIN_MS = 60_000;
export const REFRESH_MIN_MS = 30_000;

/** When a signed attachment link stops working (ms since epoch); null for a link that is not signed. */
export function linkExpiry(url: string): number | null {
  try {
    const params = new URL(url, 'http://widget.invalid').searchParams;
    const expires = Number(params.get('expires'));
    return params.get('sig') && Number.isFinite(expires) && expires > 0 ? expires * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * How long to wait before fetching fresh attachment links (the server signs them for 15 minutes): null when
 * no message has an attachment, 0 when a link is unsigned or about to expire.
 */
export function nextLinkRefresh(messages: ThreadMessage[], now: number): number | null {
  let soonest: number | null = null;
  for (const message of messages) {
    if (message.pending) continue;
    for (const attachment of message.attachments) {
      const expiry = linkExpiry(attachment.url);
      const wait = expiry === null ? 0 : Math.max(0, expiry - LINK_MARGIN_MS - now);
      soonest = soonest === null ? wait : Math.min(soonest, wait);
    }
  }
  return soonest;
}
