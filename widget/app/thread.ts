// The visitor's view of a conversation: confirmed messages deduped by id and ordered by seq,
// followed by the visitor's own messages still waiting for the server's ack.
import type { Attachment, PublicMessage } from './protocol';

export interface ThreadMessage extends PublicMessage {
  pending?: boolean;
  failed?: boolean;
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
    pending: true,
  };
}

/** Folds server messages into the thread; a confirmed message replaces the pending one with its clientMessageId. */
export function mergeMessages(current: ThreadMessage[], incoming: PublicMessage[]): ThreadMessage[] {
  if (incoming.length === 0) return current;
  const byId = new Map<string, ThreadMessage>();
  const confirmedClientIds = new Set<string>();
  for (const message of current) if (!message.pending) byId.set(message.id, message);
  for (const message of incoming) byId.set(message.id, message);
  for (const message of byId.values()) if (message.clientMessageId) confirmedClientIds.add(message.clientMessageId);
  const confirmed = [...byId.values()].sort((a, b) => a.seq - b.seq);
  const stillPending = current.filter((m) => m.pending && !confirmedClientIds.has(m.clientMessageId ?? ''));
  return [...confirmed, ...stillPending];
}

export function markFailed(current: ThreadMessage[], clientMessageId: string, failed: boolean): ThreadMessage[] {
  return current.map((m) => (m.pending && m.clientMessageId === clientMessageId ? { ...m, failed } : m));
}

export function lastSeq(messages: ThreadMessage[]): number {
  let max = 0;
  for (const m of messages) if (!m.pending && m.seq > max) max = m.seq;
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
