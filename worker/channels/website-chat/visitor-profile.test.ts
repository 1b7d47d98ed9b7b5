import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Client, ownerWithWebsiteChat } from '../../../test/client';
import { describeUserAgent, visitorName } from './visitor-profile';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

async function openChat(channelId: string, visitorId: string, query: string) {
  const res = await exports.default.fetch(
    new Request(`http://localhost/api/widget/${channelId}/ws?visitorId=${visitorId}&${query}`, {
      headers: { upgrade: 'websocket', origin: 'http://localhost', 'user-agent': CHROME_MAC },
    }),
  );
  const ws = res.webSocket;
  if (!ws) throw new Error(`no socket: ${res.status}`);
  ws.accept();
  return ws;
}

describe('the visitor in the contact panel', () => {
  it('gets a readable generated name, and the page, browser, OS, time zone and first/last seen', async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = `visitor_${crypto.randomUUID()}`;
    const page = encodeURIComponent('https://shop.example.com/checkout?step=2');
    const ws = await openChat(org.channelId, visitorId, `page=${page}&tz=Europe%2FLjubljana`);
    const sent = await new Client().post('/api/widget/message', {
      channelId: org.channelId,
      visitorId,
      content: 'Hi',
      clientMessageId: 'c-1',
    });
    const conversationId = sent.body.data.conversationId;
    const listed = await org.client.get(`/api/conversations/${conversationId}`);
    expect(listed.body.data.contact.name).toBe(visitorName(visitorId));
    expect(visitorName(visitorId)).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);

    const details = await org.client.get(`/api/conversations/${conversationId}/visitor`);
    expect(details.body.data.profile).toMatchObject({
      page: 'https://shop.example.com/checkout?step=2',
      browser: 'Chrome',
      os: 'macOS',
      timezone: 'Europe/Ljubljana',
    });
    expect(details.body.data.firstSeenAt).toBe(details.body.data.profile.firstSeenAt);
    ws.close(1000);

    // A javascript: "page" is never kept; the first visit's page stays.
    const again = await openChat(org.channelId, visitorId, `page=${encodeURIComponent('javascript:alert(1)')}`);
    const later = await org.client.get(`/api/conversations/${conversationId}/visitor`);
    expect(later.body.data.profile.page).toBe('https://shop.example.com/checkout?step=2');
    expect(later.body.data.profile.firstSeenAt).toBe(details.body.data.profile.firstSeenAt);
    again.close(1000);
    const stranger = await ownerWithWebsiteChat();
    expect((await stranger.client.get(`/api/conversations/${conversationId}/visitor`)).status).toBe(404);
  });

  it('reads browser and OS families from common user agents', () => {
    expect(describeUserAgent(CHROME_MAC)).toEqual({ browser: 'Chrome', os: 'macOS' });
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0',
      ),
    ).toEqual({ browser: 'Edge', os: 'Windows' });
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      ),
    ).toEqual({ browser: 'Safari', os: 'iOS' });
    expect(describeUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')).toEqual({
      browser: 'Firefox',
      os: 'Linux',
    });
  });
});
