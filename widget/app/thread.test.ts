import { describe, expect, it } from 'vitest';
import type { Attachment } from './protocol';
import {
  groupThread,
  LINK_MARGIN_MS,
  lastSeq,
  linkExpiry,
  mergeMessages,
  nextLinkRefresh,
  pendingMessage,
  type ThreadMessage,
} from './thread';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function message(id: string, urls: string[], pending = false): ThreadMessage {
  const attachments: Attachment[] = urls.map((url, i) => ({
    id: `${id}-${i}`,
    url,
    fileName: 'a.png',
    contentType: 'image/png',
    size: 1,
  }));
  return {
    id,
    seq: 1,
    direction: 'OUTBOUND',
    senderType: 'AGENT',
    senderName: 'Ann',
    clientMessageId: null,
    content: '',
    attachments,
    createdAt: new Date(NOW).toISOString(),
    pending,
  };
}

const signed = (expiresMs: number) => `/api/widget/media/m?channel=c&expires=${Math.floor(expiresMs / 1000)}&sig=abc`;

describe('attachment link refresh', () => {
  it('reads the expiry of a signed link, and none from an unsigned one', () => {
    expect(linkExpiry(signed(NOW + 900_000))).toBe(NOW + 900_000);
    expect(linkExpiry('/api/widget/media/m?visitorId=visitor_x')).toBeNull();
    expect(linkExpiry('/api/widget/media/m?expires=123')).toBeNull();
  });

  it('waits until a minute before the soonest link expires; at once for an unsigned link; never without files', () => {
    expect(nextLinkRefresh([message('a', [])], NOW)).toBeNull();
    expect(nextLinkRefresh([message('a', [signed(NOW + 900_000), signed(NOW + 600_000)])], NOW)).toBe(
      600_000 - LINK_MARGIN_MS,
    );
    expect(nextLinkRefresh([message('a', [signed(NOW + 30_000)])], NOW)).toBe(0);
    expect(nextLinkRefresh([message('a', [signed(NOW + 900_000)]), message('b', ['/api/widget/media/x'])], NOW)).toBe(
      0,
    );
    // The visitor's own unsent message keeps its upload link until it is acked.
    expect(nextLinkRefresh([message('p', ['/api/widget/media/x'], true)], NOW)).toBeNull();
  });
});

describe('the thread across conversations', () => {
  const msg = (id: string, seq: number, direction: 'INBOUND' | 'OUTBOUND' = 'INBOUND'): ThreadMessage => ({
    ...message(id, []),
    seq,
    direction,
    senderType: direction === 'INBOUND' ? 'CONTACT' : 'AGENT',
    clientMessageId: direction === 'INBOUND' ? `c-${id}` : null,
  });
  const info = (id: string, resolved: boolean) => ({
    id,
    status: resolved ? ('CLOSED' as const) : ('OPEN' as const),
    resolved,
    createdAt: new Date(NOW).toISOString(),
    closedAt: resolved ? new Date(NOW).toISOString() : null,
    rating: null,
    needsHuman: false,
  });

  it("never splices a new conversation's messages into the resolved one, even when their seqs overlap", () => {
    let thread = mergeMessages([], [msg('a1', 1), msg('a2', 2, 'OUTBOUND'), msg('a3', 3)], 'A');
    // The visitor writes again after A was resolved: the ack comes before the server names the new conversation.
    thread = mergeMessages(thread, [msg('b1', 1)]);
    const groups = groupThread(thread, [info('A', true)], 'A');
    expect(groups.map((g) => [g.conversation?.id ?? null, g.messages.map((m) => m.id)])).toEqual([
      ['A', ['a1', 'a2', 'a3']],
      [null, ['b1']],
    ]);
    // The socket on the new conversation, then the reread history, name it: the order stays.
    thread = mergeMessages(thread, [msg('b1', 1), msg('b2', 2, 'OUTBOUND')], 'B');
    const later = groupThread(thread, [info('A', true), info('B', false)], 'B');
    expect(later.map((g) => [g.conversation?.id, g.conversation?.resolved, g.messages.map((m) => m.id)])).toEqual([
      ['A', true, ['a1', 'a2', 'a3']],
      ['B', false, ['b1', 'b2']],
    ]);
    expect(lastSeq(thread, 'B')).toBe(2);
    expect(lastSeq(thread, 'A')).toBe(3);
  });

  it('keeps pending messages last, after the divider of a resolved conversation', () => {
    const thread = [...mergeMessages([], [msg('a1', 1)], 'A'), pendingMessage('p', 'again', [])];
    const groups = groupThread(thread, [info('A', true)], 'A');
    expect(groups.map((g) => [g.conversation?.id ?? null, g.messages.map((m) => m.id)])).toEqual([
      ['A', ['a1']],
      [null, ['pending:p']],
    ]);
  });
});
