import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Client, ownerWithWebsiteChat } from '../../../test/client';
import { contactCreationAllowed, socketOpenAllowed, visitorMessageAllowed } from './limits';

const visitor = () => `visitor_${crypto.randomUUID()}`;

describe('widget limits shared by HTTP and the socket', () => {
  it('charges a socket message to the same per-visitor budget as the HTTP route', async () => {
    const org = await ownerWithWebsiteChat();
    const client = new Client();
    const visitorId = visitor();
    for (let i = 0; i < 20; i++) {
      const res = await client.post('/api/widget/message', {
        channelId: org.channelId,
        visitorId,
        content: `m${i}`,
        clientMessageId: `c${i}`,
      });
      expect(res.status).toBe(201);
    }
    // The same visitor on a socket (another address even) has nothing left this minute.
    expect(await visitorMessageAllowed(env, { visitorId, ip: new Client().ip })).toBe(false);
    expect(await visitorMessageAllowed(env, { visitorId: visitor(), ip: new Client().ip })).toBe(true);
  });

  it('allows about 60 messages a minute per IP whatever visitor ids it rotates through', async () => {
    const ip = new Client().ip;
    const results: boolean[] = [];
    for (let i = 0; i < 61; i++) results.push(await visitorMessageAllowed(env, { visitorId: visitor(), ip }));
    expect(results.slice(0, 60).every(Boolean)).toBe(true);
    expect(results[60]).toBe(false);
  });

  it('allows about 20 socket openings and 10 new visitors a minute per IP', async () => {
    const ip = new Client().ip;
    const sockets: boolean[] = [];
    const contacts: boolean[] = [];
    for (let i = 0; i < 21; i++) sockets.push(await socketOpenAllowed(env, ip));
    for (let i = 0; i < 11; i++) contacts.push(await contactCreationAllowed(env, ip));
    expect(sockets.filter(Boolean)).toHaveLength(20);
    expect(sockets[20]).toBe(false);
    expect(contacts.filter(Boolean)).toHaveLength(10);
    expect(contacts[10]).toBe(false);
    expect(await socketOpenAllowed(env, new Client().ip)).toBe(true);
  });
});
