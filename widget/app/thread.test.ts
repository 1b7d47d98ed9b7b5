import { describe, expect, it } from 'vitest';
import type { Attachment } from './protocol';
import { LINK_MARGIN_MS, linkExpiry, nextLinkRefresh, type ThreadMessage } from './thread';

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
