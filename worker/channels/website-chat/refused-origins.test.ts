import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ownerWithWebsiteChat } from '../../../test/client';
import { createDb } from '../../db/client';
import { noteRefusedOrigin, REFUSED_ORIGINS_KEPT, refusedOrigins } from './refused-origins';

const db = createDb(env.DB);

async function chatChannel() {
  const org = await ownerWithWebsiteChat({ settings: { allowedDomains: ['shop.example.com'] } });
  return { id: org.channelId, organizationId: org.organizationId, settings: { allowedDomains: ['shop.example.com'] } };
}

describe('refused origins', () => {
  it('coalesces refusals within a minute into one write that carries their count', async () => {
    const channel = await chatChannel();
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    // The first refusal of a new origin is written at once.
    await noteRefusedOrigin(db, channel, 'https://a.test/some/page', t0);
    // Four more within the minute wait in memory: no write.
    for (let i = 1; i <= 4; i++) expect(noteRefusedOrigin(db, channel, 'https://a.test', t0 + i * 1000)).toBeNull();
    expect((await refusedOrigins(db, channel))[0]).toMatchObject({ origin: 'https://a.test', count: 1 });
    // A refusal after the minute writes them all.
    await noteRefusedOrigin(db, channel, 'https://a.test', t0 + 61_000);
    expect(await refusedOrigins(db, channel)).toEqual([
      {
        origin: 'https://a.test',
        count: 6,
        firstSeenAt: new Date(t0).toISOString(),
        lastSeenAt: new Date(t0 + 61_000).toISOString(),
        allowedNow: false,
      },
    ]);
  });

  it('keeps the newest 20 origins of a channel and ignores what is not an http(s) origin', async () => {
    const channel = await chatChannel();
    const t0 = Date.parse('2026-12-01T10:00:00Z');
    for (let i = 0; i < 25; i++) await noteRefusedOrigin(db, channel, `https://s${i}.test`, t0 + i * 61_000);
    for (const junk of ['null', 'file:///etc/passwd', `https://${'x'.repeat(400)}.test`, '', undefined]) {
      expect(noteRefusedOrigin(db, channel, junk, t0 + 26 * 61_000)).toBeNull();
    }
    const list = await refusedOrigins(db, channel);
    expect(list).toHaveLength(REFUSED_ORIGINS_KEPT);
    expect(list.map((r) => r.origin)).toEqual(Array.from({ length: 20 }, (_, i) => `https://s${24 - i}.test`));
  });
});
