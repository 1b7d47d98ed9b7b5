import { env, exports } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { Client, ORIGIN, ownerWithWebsiteChat } from '../../test/client';
import { createDb } from '../db/client';
import { contacts, media } from '../db/schema';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9]);

function png(name: string) {
  return new File([PNG], name, { type: 'image/png' });
}

/** A visitor's upload through the widget: the media id and its signed link. */
async function visitorUpload(client: Client, channelId: string, visitorId: string, name = 'photo.png') {
  const form = new FormData();
  form.set('file', png(name));
  form.set('visitorId', visitorId);
  const res = await client.request('POST', `/api/widget/${channelId}/upload`, form);
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.data as { id: string; url: string };
}

const visitor = () => `visitor_${crypto.randomUUID()}`;
const widget = new Client();

describe('POST /api/widget/message', () => {
  it('accepts a visitor message (201) and answers a retry with the same clientMessageId with the same message (200)', async () => {
    const org = await ownerWithWebsiteChat();
    const body = {
      channelId: org.channelId,
      visitorId: visitor(),
      content: 'Hi there',
      clientMessageId: 'c-1',
      name: 'Vic',
    };
    const first = await widget.post('/api/widget/message', body);
    expect(first.status).toBe(201);
    expect(first.body.data.message).toMatchObject({
      seq: 1,
      direction: 'INBOUND',
      senderType: 'CONTACT',
      content: 'Hi there',
      clientMessageId: 'c-1',
    });
    const retry = await widget.post('/api/widget/message', body);
    expect(retry.status).toBe(200);
    expect(retry.body.data).toEqual(first.body.data);
    const inbox = await org.client.get('/api/conversations');
    expect(inbox.body.data.items[0]).toMatchObject({
      id: first.body.data.conversationId,
      messageCount: 1,
      contact: { name: 'Vic' },
    });
  });

  it('validates input, hides channels that are not active website chats (404), and checks the allowlist (403)', async () => {
    const org = await ownerWithWebsiteChat({ settings: { allowedDomains: ['shop.example'] } });
    const bad = await widget.post('/api/widget/message', { channelId: org.channelId, visitorId: 'me', content: '' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields ?? {}).sort()).toEqual(['clientMessageId', 'visitorId']);
    const empty = await widget.post('/api/widget/message', {
      channelId: org.channelId,
      visitorId: visitor(),
      content: ' ',
      clientMessageId: 'e',
    });
    expect(empty.body.error.fields?.content).toBeDefined();
    const body = { channelId: org.channelId, visitorId: visitor(), content: 'x', clientMessageId: 'c' };
    expect((await widget.request('POST', '/api/widget/message', body, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    expect((await widget.request('POST', '/api/widget/message', body, { origin: 'https://shop.example' })).status).toBe(
      201,
    );
    const email = await org.client.post('/api/channels', {
      type: 'EMAIL',
      name: 'Mail',
      credentials: { host: 'smtp.example.test', port: 587, username: 'u', password: 'p', from: 'help@example.test' },
    });
    expect((await widget.post('/api/widget/message', { ...body, channelId: email.body.data.id })).status).toBe(404);
    await org.client.patch(`/api/channels/${org.channelId}`, { isActive: false });
    expect((await widget.request('POST', '/api/widget/message', body, { origin: 'https://shop.example' })).status).toBe(
      404,
    );
  });

  it('limits a visitor to about 20 messages a minute (429)', async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = visitor();
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const res = await widget.post('/api/widget/message', {
        channelId: org.channelId,
        visitorId,
        content: `m${i}`,
        clientMessageId: `c${i}`,
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('pre-chat form', () => {
  it('REQUIRED: a first message needs an email (given with it or before); the email stays on the visitor’s own contact', async () => {
    const org = await ownerWithWebsiteChat({ settings: { preChatForm: 'REQUIRED' } });
    const client = new Client();
    const first = visitor();
    const message = (visitorId: string, extra: Record<string, unknown> = {}) =>
      client.post('/api/widget/message', {
        channelId: org.channelId,
        visitorId,
        content: 'Where is my order?',
        clientMessageId: crypto.randomUUID(),
        ...extra,
      });
    const refused = await message(first);
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.body.error.fields)).toEqual(['email']);
    expect((await org.client.get('/api/conversations')).body.data.items).toEqual([]);

    // The form's answer (identify), then the message.
    const identified = await client.post(`/api/widget/${org.channelId}/identify`, {
      visitorId: first,
      name: 'Vic',
      email: 'vic@example.com',
    });
    expect(identified.body.data).toMatchObject({ visitorId: first, verified: false });
    expect((await message(first)).status).toBe(201);
    // A second visitor claiming the same address gets a contact of their own, not Vic's conversation.
    const second = visitor();
    expect((await message(second, { email: 'vic@example.com' })).status).toBe(201);
    const rows = await createDb(env.DB)
      .select({ externalId: contacts.externalId, email: contacts.email })
      .from(contacts)
      .where(eq(contacts.channelId, org.channelId));
    expect(rows.map((r) => r.externalId).sort()).toEqual([first, second].sort());
    expect(rows.every((r) => r.email === 'vic@example.com')).toBe(true);
    expect((await org.client.get('/api/conversations')).body.data.items).toHaveLength(2);
  });

  it('REQUIRED holds on the WebSocket too: the first frame without an email is refused and nothing is stored', async () => {
    const org = await ownerWithWebsiteChat({ settings: { preChatForm: 'REQUIRED' } });
    const visitorId = visitor();
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/widget/${org.channelId}/ws?visitorId=${visitorId}`, {
        headers: { upgrade: 'websocket', origin: ORIGIN, 'cf-connecting-ip': '10.9.8.7' },
      }),
    );
    const ws = res.webSocket!;
    ws.accept();
    const frames: { type: string; message?: string }[] = [];
    ws.addEventListener('message', (event) => frames.push(JSON.parse(event.data as string)));
    ws.send(JSON.stringify({ type: 'message', clientMessageId: 'c1', content: 'Where is my order?' }));
    const deadline = Date.now() + 5000;
    while (!frames.some((f) => f.type === 'error' || f.type === 'ack') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(frames.find((f) => f.type === 'error' || f.type === 'ack')).toMatchObject({
      type: 'error',
      message: 'Leave your email before the first message',
    });
    ws.close();
    expect((await org.client.get('/api/conversations')).body.data.items).toEqual([]);
  });

  it('OPTIONAL or OFF: a first message needs nothing more', async () => {
    for (const preChatForm of ['OPTIONAL', 'OFF']) {
      const org = await ownerWithWebsiteChat({ settings: { preChatForm } });
      const res = await new Client().post('/api/widget/message', {
        channelId: org.channelId,
        visitorId: visitor(),
        content: 'Hi',
        clientMessageId: 'c-1',
      });
      expect(res.status, preChatForm).toBe(201);
    }
  });
});

describe('widget rate limits per IP', () => {
  const send = (client: Client, channelId: string, visitorId: string, n: number) =>
    client.post('/api/widget/message', { channelId, visitorId, content: `m${n}`, clientMessageId: `c${n}` });

  /**
   * Runs `attempt` (from a fresh address each time) until one run stays inside one limiter window: the limits
   * count per wall-clock minute, so a run that crosses into the next minute (a slow machine) starts counting
   * again halfway and proves nothing. A second run starts just after the boundary and cannot cross another.
   */
  async function inOneWindow<T>(attempt: () => Promise<T>): Promise<T> {
    const window = () => Math.floor(Date.now() / 60_000);
    for (;;) {
      const started = window();
      const result = await attempt();
      if (window() === started) return result;
    }
  }

  it('limits messages per IP too: visitor ids rotated from one address share about 60 a minute', async () => {
    const org = await ownerWithWebsiteChat();
    const office = new Client();
    // Each visitor stays within its own 20; the address runs out first. The limiter counts per minute window:
    // a run that crosses a window boundary (a slow machine) gets up to 60 more before its 429.
    const visitors = Array.from({ length: 7 }, visitor);
    const statuses: number[] = [];
    let last = await send(office, org.channelId, visitors[0]!, 0);
    statuses.push(last.status);
    while (statuses.length < 121 && last.status !== 429) {
      const n = statuses.length;
      last = await send(office, org.channelId, visitors[Math.floor(n / 20)]!, n);
      statuses.push(last.status);
    }
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThanOrEqual(60);
    expect(statuses.slice(0, first429).every((s) => s === 201)).toBe(true);
    expect(last.body.error.code).toBe('RATE_LIMITED');
    const fresh = visitor();
    expect((await send(new Client(), org.channelId, fresh, 0)).status).toBe(201);
  });

  it('limits new visitors per IP to about 10 a minute and stores nothing for a refused one', async () => {
    const org = await ownerWithWebsiteChat();
    const { ip, known, eleventh, statuses } = await inOneWindow(async () => {
      const ip = new Client();
      const known = visitor();
      const eleventh = visitor();
      const statuses: number[] = [];
      for (const visitorId of [known, ...Array.from({ length: 9 }, visitor), eleventh]) {
        statuses.push((await send(ip, org.channelId, visitorId, 1)).status);
      }
      return { ip, known, eleventh, statuses };
    });
    expect(statuses).toEqual([...Array(10).fill(201), 429]);
    expect(await createDb(env.DB).select().from(contacts).where(eq(contacts.externalId, eleventh))).toEqual([]);
    // A visitor the IP already has keeps writing.
    expect((await send(ip, org.channelId, known, 2)).status).toBe(201);
  });

  it('limits WebSocket connections opened per IP to about 20 a minute', async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = visitor();
    const open = (ip: string) =>
      exports.default.fetch(
        new Request(`${ORIGIN}/api/widget/${org.channelId}/ws?visitorId=${visitorId}`, {
          headers: { upgrade: 'websocket', origin: ORIGIN, 'cf-connecting-ip': ip },
        }),
      );
    const statuses = await inOneWindow(async () => {
      const ip = new Client().ip;
      const seen: number[] = [];
      for (let i = 0; i < 21; i++) {
        const res = await open(ip);
        seen.push(res.status);
        if (res.webSocket) {
          res.webSocket.accept();
          res.webSocket.close();
        } else await res.arrayBuffer();
      }
      return seen;
    });
    expect(statuses.slice(0, 20).every((s) => s === 101)).toBe(true);
    expect(statuses[20]).toBe(429);
    const elsewhere = await open(new Client().ip);
    expect(elsewhere.status).toBe(101);
    elsewhere.webSocket?.accept();
    elsewhere.webSocket?.close();
  });
});

describe('over-long input', () => {
  it('answers 400 with field errors, not a 500, for a 10 MB channelId and other over-long ids', async () => {
    const org = await ownerWithWebsiteChat();
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const res = await widget.post('/api/widget/message', {
      channelId: huge,
      visitorId: visitor(),
      content: 'hi',
      clientMessageId: 'x'.repeat(101),
      attachments: ['y'.repeat(101)],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({
      channelId: ['channelId must be at most 100 characters'],
      clientMessageId: ['clientMessageId must be at most 100 characters'],
      'attachments.0': ['attachment must be at most 100 characters'],
    });
    const long = 'c'.repeat(101);
    for (const path of [`/api/widget/${long}/messages?visitorId=${visitor()}`, `/api/widget/${long}/config`]) {
      const read = await widget.get(path);
      expect(read.status, path).toBe(400);
      expect(read.body.error.fields).toEqual({ channelId: ['channelId must be at most 100 characters'] });
    }
    const bigPath = await widget.get(`/api/widget/${'c'.repeat(300)}/config`);
    expect(bigPath.status).toBe(400);
    expect(bigPath.body.error.fields).toEqual({ path: ['Path segments must be at most 256 characters'] });
    const bigQuery = await widget.get(`/api/widget/${org.channelId}/messages?visitorId=${'v'.repeat(3000)}`);
    expect(bigQuery.status).toBe(400);
    expect(bigQuery.body.error.fields).toEqual({ visitorId: ['Query parameters must be at most 2000 characters'] });
  });
});

describe('attachments from a visitor', () => {
  it('attaches the visitor’s own upload and answers with a signed link, never the visitor id', async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = visitor();
    const file = await visitorUpload(widget, org.channelId, visitorId);
    const res = await widget.post('/api/widget/message', {
      channelId: org.channelId,
      visitorId,
      content: 'See the photo',
      clientMessageId: 'att-1',
      attachments: [file.id],
    });
    expect(res.status).toBe(201);
    const [attachment] = res.body.data.message.attachments;
    expect(attachment).toMatchObject({ id: file.id, fileName: 'photo.png' });
    expect(attachment.url).toMatch(
      new RegExp(`^/api/widget/media/${file.id}\\?channel=${org.channelId}&expires=\\d+&sig=`),
    );
    expect(JSON.stringify(res.body)).not.toContain(visitorId);
    expect((await widget.get(attachment.url)).status).toBe(200);
    const history = await widget.get(`/api/widget/${org.channelId}/messages?visitorId=${visitorId}`);
    const shown = history.body.data.messages[0].attachments[0];
    expect(shown.url).toMatch(/&sig=/);
    expect(shown.url).not.toContain(visitorId);
    expect((await widget.get(shown.url)).status).toBe(200);
  });

  it('refuses (400 on attachments, nothing stored) another visitor’s upload and an agent’s file never sent to the visitor', async () => {
    const org = await ownerWithWebsiteChat();
    const victim = visitor();
    const theirs = await visitorUpload(widget, org.channelId, victim, 'passport.png');
    const form = new FormData();
    form.set('file', png('internal.png'));
    const agentFile = (await org.client.request('POST', '/api/media/upload', form)).body.data.id as string;
    const attacker = visitor();
    for (const stolen of [theirs.id, agentFile, crypto.randomUUID()]) {
      const res = await widget.post('/api/widget/message', {
        channelId: org.channelId,
        visitorId: attacker,
        content: 'mine now',
        clientMessageId: `steal-${stolen}`,
        attachments: [stolen],
      });
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toEqual({ attachments: [`Unknown attachment: ${stolen}`] });
    }
    // Nothing was stored: no contact for the attacker, no conversation claimed the files.
    const db = createDb(env.DB);
    expect(await db.select().from(contacts).where(eq(contacts.externalId, attacker))).toEqual([]);
    const rows = await db.select({ conversationId: media.conversationId }).from(media).where(eq(media.id, theirs.id));
    expect(rows).toEqual([{ conversationId: null }]);
    expect((await widget.get(`/api/widget/${org.channelId}/messages?visitorId=${attacker}`)).body.data).toEqual({
      conversationId: null,
      messages: [],
    });
  });

  it('lets a visitor re-attach a file an agent sent them, but not one on an internal note', async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = visitor();
    const first = await widget.post('/api/widget/message', {
      channelId: org.channelId,
      visitorId,
      content: 'hello',
      clientMessageId: 'h',
    });
    const conversationId = first.body.data.conversationId;
    const upload = async (name: string) => {
      const form = new FormData();
      form.set('file', png(name));
      form.set('conversationId', conversationId);
      return (await org.client.request('POST', '/api/media/upload', form)).body.data.id as string;
    };
    const sent = await upload('invoice.png');
    const noted = await upload('internal.png');
    await org.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: 'Invoice',
      attachments: [sent],
    });
    await org.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: 'Team only',
      isNote: true,
      attachments: [noted],
    });
    const send = (id: string) =>
      widget.post('/api/widget/message', {
        channelId: org.channelId,
        visitorId,
        content: 'this one?',
        clientMessageId: id,
        attachments: [id],
      });
    await expect.poll(async () => (await send(sent)).status, { timeout: 5000 }).toBe(201);
    const refused = await send(noted);
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields.attachments).toEqual([`Unknown attachment: ${noted}`]);
  });
});

describe('GET /api/widget/:channelId/messages', () => {
  it('returns what the visitor may see after a seq: never notes, never drafts waiting for approval', async () => {
    const org = await ownerWithWebsiteChat({ autoTranslate: true, defaultLanguage: 'en' });
    const visitorId = visitor();
    const none = await widget.get(`/api/widget/${org.channelId}/messages?visitorId=${visitorId}`);
    expect(none.body.data).toEqual({ conversationId: null, messages: [] });
    const sent = await widget.post('/api/widget/message', {
      channelId: org.channelId,
      visitorId,
      content: 'hello',
      clientMessageId: 'a',
    });
    const conversationId = sent.body.data.conversationId;
    const post = (body: Record<string, unknown>) =>
      org.client.post(`/api/conversations/${conversationId}/messages`, { conversationId, ...body });
    await post({ content: 'agents only', isNote: true });
    await post({ content: 'visible reply' });
    await org.client.patch(`/api/conversations/${conversationId}`, { language: 'de' });
    const draft = await post({ content: 'waiting for approval' });
    expect(draft.body.data.approvalStatus).toBe('PENDING');

    const all = await widget.get(`/api/widget/${org.channelId}/messages?visitorId=${visitorId}`);
    expect(all.body.data.messages.map((m: { content: string }) => m.content)).toEqual(['hello', 'visible reply']);
    const tail = await widget.get(`/api/widget/${org.channelId}/messages?visitorId=${visitorId}&afterSeq=1`);
    expect(tail.body.data.messages.map((m: { seq: number }) => m.seq)).toEqual([3]);
    await org.client.post(`/api/messages/${draft.body.data.id}/approve`);
    const approved = await widget.get(`/api/widget/${org.channelId}/messages?visitorId=${visitorId}&afterSeq=3`);
    expect(approved.body.data.messages.map((m: { content: string }) => m.content)).toEqual(['waiting for approval']);
    const bad = await widget.get(`/api/widget/${org.channelId}/messages?visitorId=nope&afterSeq=-1`);
    expect(Object.keys(bad.body.error.fields ?? {}).sort()).toEqual(['afterSeq', 'visitorId']);
  });
});

describe('CORS preflight', () => {
  it('answers OPTIONS for the message endpoint with the caller origin', async () => {
    const res = await exports.default.fetch(
      new Request(`${ORIGIN}/api/widget/message`, { method: 'OPTIONS', headers: { origin: 'https://shop.example' } }),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });
});
