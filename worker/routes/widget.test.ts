import { env, exports } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { addMember, type Client, signUpOwner } from '../../test/client';
import { createDb } from '../db/client';
import { contacts, conversations, media, messages } from '../db/schema';
import { visitorMayRead } from '../media/media';
import { signVisitorLink } from '../media/visitor-links';

const db = createDb(env.DB);
const SHOP = 'https://shop.example.com';
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9]);

let ipCounter = 0;
/** A visitor's browser on another site: no session cookie, its own IP, the host page's Origin (or none). */
function visitor(origin: string | null = SHOP) {
  const ip = `203.0.113.${++ipCounter}`;
  return async (method: string, path: string, body?: BodyInit) => {
    const headers: Record<string, string> = { 'cf-connecting-ip': ip };
    if (origin) headers.origin = origin;
    const res = await exports.default.fetch(new Request(`http://localhost${path}`, { method, headers, body }));
    const isJson = res.headers.get('content-type')?.includes('application/json');
    if (!isJson) await res.arrayBuffer();
    return { status: res.status, body: isJson ? await res.json<any>() : undefined, headers: res.headers };
  };
}

/** A member's open dashboard: their live socket on the organisation's hub. */
async function openDashboard(member: Client) {
  const res = await exports.default.fetch(
    new Request('http://localhost/api/live', {
      headers: { upgrade: 'websocket', origin: 'http://localhost', cookie: member.cookie ?? '' },
    }),
  );
  const ws = res.webSocket;
  if (!ws) throw new Error(`no dashboard socket: ${res.status}`);
  ws.accept();
  return ws;
}

function newVisitorId() {
  return `visitor_${crypto.randomUUID()}`;
}

async function websiteChannel(client: Client, settings: Record<string, unknown> = {}) {
  const res = await client.post('/api/channels', {
    type: 'WEBSITE_CHAT',
    name: 'Shop chat',
    credentials: {},
    settings,
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.data.id as string;
}

function uploadForm(file: File, visitorId?: string) {
  const form = new FormData();
  form.set('file', file);
  if (visitorId) form.set('visitorId', visitorId);
  return form;
}

describe('public widget API', () => {
  it('gives the widget its config with defaults, the greeting and whether someone is online', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client, { greeting: 'Hi! How can we help?', appearance: { color: '#0f766e' } });
    const res = await visitor()('GET', `/api/widget/${id}/config`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      channelId: id,
      name: 'Shop chat',
      appearance: { color: '#0f766e', position: 'right', title: 'Shop chat', subtitle: null, avatarUrl: null },
      greeting: 'Hi! How can we help?',
      // Nobody has the dashboard open.
      online: false,
      // No business hours: never "away".
      away: null,
      preChatForm: 'OFF',
    });
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
  });

  it('is online while an available agent has the dashboard open: Away, closing it or logging out ends that', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client);
    const viewer = await addMember(client, 'VIEWER');
    const agent = await addMember(client, 'AGENT');
    const status = async () => (await visitor()('GET', `/api/widget/${id}/status`)).body.data;
    // Logged in is not enough: nobody is looking at the dashboard.
    expect(await status()).toEqual({ online: false, agentsOnline: 0, away: null });
    await openDashboard(viewer.client);
    expect(await status()).toEqual({ online: false, agentsOnline: 0, away: null });
    const ownerSocket = await openDashboard(client);
    const agentSocket = await openDashboard(agent.client);
    const agentTab = await openDashboard(agent.client);
    expect(await status()).toEqual({ online: true, agentsOnline: 2, away: null });

    const away = await agent.client.put('/api/team/availability', { status: 'AWAY' });
    expect(away.body.data).toEqual({ status: 'AWAY' });
    expect((await agent.client.get('/api/team/availability')).body.data).toEqual({ status: 'AWAY' });
    expect(await status()).toEqual({ online: true, agentsOnline: 1, away: null });
    const bad = await agent.client.put('/api/team/availability', { status: 'BUSY' });
    expect(bad.body.error.fields.status).toEqual(['Status must be ONLINE or AWAY']);
    await agent.client.put('/api/team/availability', { status: 'ONLINE' });
    expect(await status()).toEqual({ online: true, agentsOnline: 2, away: null });

    await client.post('/api/auth/logout');
    expect(await status()).toEqual({ online: true, agentsOnline: 1, away: null });
    ownerSocket.close(1000);
    agentSocket.close(1000);
    // The agent's second tab is still open.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await status()).toEqual({ online: true, agentsOnline: 1, away: null });
    agentTab.close(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await status()).toEqual({ online: false, agentsOnline: 0, away: null });
  });

  it('shows at most 5 FAQ chips, org-wide and this channel’s, by position, and counts taps', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client);
    const otherId = await websiteChannel(client);
    await client.post('/api/faqs', { question: 'Elsewhere only?', answer: 'A', channelId: otherId });
    for (let i = 1; i <= 6; i++) {
      await client.post('/api/faqs', {
        question: `Question ${i}?`,
        answer: `Answer ${i}.`,
        ...(i === 2 ? { channelId: id } : {}),
      });
    }
    const res = await visitor()('GET', `/api/widget/${id}/faqs`);
    expect(res.body.data).toHaveLength(5);
    expect(res.body.data.map((f: { question: string }) => f.question)).toEqual([
      'Question 1?',
      'Question 2?',
      'Question 3?',
      'Question 4?',
      'Question 5?',
    ]);
    expect(Object.keys(res.body.data[0]).sort()).toEqual(['answer', 'id', 'question']);

    const tap = visitor();
    const first = res.body.data[0].id;
    expect((await tap('POST', `/api/widget/${id}/faqs/${first}/click`)).body.data).toEqual({
      id: first,
      clickCount: 1,
    });
    expect((await tap('POST', `/api/widget/${id}/faqs/${first}/click`)).body.data).toEqual({
      id: first,
      clickCount: 2,
    });
    const foreign = (await client.get(`/api/faqs?channelId=${otherId}`)).body.data.find(
      (f: { channelId: string | null }) => f.channelId === otherId,
    );
    expect((await tap('POST', `/api/widget/${id}/faqs/${foreign.id}/click`)).status).toBe(404);
  });

  it('answers 404 for an unknown, inactive, deleted or non-website channel', async () => {
    const { client } = await signUpOwner();
    const telegram = await client.post('/api/channels', {
      type: 'TELEGRAM',
      name: 'Bot',
      credentials: { botToken: '1:abc' },
    });
    const inactive = await websiteChannel(client);
    await client.patch(`/api/channels/${inactive}`, { isActive: false });
    const deleted = await websiteChannel(client);
    await client.delete(`/api/channels/${deleted}`);
    const call = visitor();
    for (const channelId of [crypto.randomUUID(), telegram.body.data.id, inactive, deleted]) {
      for (const path of ['config', 'faqs', 'status']) {
        expect((await call('GET', `/api/widget/${channelId}/${path}`)).status, `${channelId} ${path}`).toBe(404);
      }
    }
  });

  it('refuses sites outside the domain allowlist with 403 and accepts the domain and its subdomains', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client, { allowedDomains: ['shop.example.com'] });
    for (const origin of [SHOP, 'https://eu.shop.example.com', 'http://localhost']) {
      expect((await visitor(origin)('GET', `/api/widget/${id}/config`)).status, origin).toBe(200);
    }
    for (const origin of ['https://evil.example', 'https://evilshop.example.com', 'https://example.com', null]) {
      const res = await visitor(origin)('GET', `/api/widget/${id}/config`);
      expect(res.status, String(origin)).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    const anySite = await websiteChannel(client);
    expect((await visitor('https://anything.test')('GET', `/api/widget/${anySite}/config`)).status).toBe(200);
    expect((await visitor(null)('GET', `/api/widget/${anySite}/config`)).status).toBe(200);
  });

  it('answers a CORS preflight for an allowed origin and refuses one from elsewhere', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client, { allowedDomains: ['shop.example.com'] });
    const ok = await visitor()('OPTIONS', `/api/widget/${id}/upload`);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect((await visitor('https://evil.example')('OPTIONS', `/api/widget/${id}/upload`)).status).toBe(403);
  });

  it('rate-limits config, FAQ and status calls to about 30 a minute per IP', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client);
    const call = visitor();
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++)
      statuses.push((await call('GET', `/api/widget/${id}/${['config', 'faqs', 'status'][i % 3]}`)).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await call('GET', `/api/widget/${id}/config`);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect((await visitor()('GET', `/api/widget/${id}/config`)).status).toBe(200);
  });

  it('takes a visitor upload and gives a short-lived signed link that names neither the visitor nor anything else', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client, { allowedDomains: ['shop.example.com'] });
    const visitorId = newVisitorId();
    const call = visitor();
    const res = await call(
      'POST',
      `/api/widget/${id}/upload`,
      uploadForm(new File([PNG], 'photo.png', { type: 'image/png' }), visitorId),
    );
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: res.body.data.id,
      url: expect.stringMatching(
        new RegExp(`^/api/widget/media/${res.body.data.id}\\?channel=${id}&expires=\\d+&sig=[\\w-]{43}$`),
      ),
      fileName: 'photo.png',
      contentType: 'image/png',
      size: PNG.length,
    });
    expect(res.body.data.url).not.toContain(visitorId);
    const expires = Number(new URL(res.body.data.url, 'http://x').searchParams.get('expires'));
    expect(expires * 1000 - Date.now()).toBeGreaterThan(14 * 60 * 1000);
    expect(expires * 1000 - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);
    const [row] = await db.select().from(media).where(eq(media.id, res.body.data.id));
    expect(row).toMatchObject({
      uploaderType: 'VISITOR',
      uploadedByVisitorId: visitorId,
      uploadedById: null,
      channelId: id,
    });

    const file = await call('GET', res.body.data.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await visitor('https://evil.example')('GET', res.body.data.url)).status).toBe(403);
    // The visitor id is no longer a key to the file, and a changed link is worth nothing.
    expect((await call('GET', `/api/widget/media/${res.body.data.id}?visitorId=${visitorId}`)).status).toBe(400);
    const url = new URL(res.body.data.url, 'http://localhost');
    const later = new URL(url);
    later.searchParams.set('expires', String(expires + 3600));
    expect((await call('GET', later.pathname + later.search)).status).toBe(404);
    const forged = new URL(url);
    forged.searchParams.set('sig', 'A'.repeat(43));
    expect((await call('GET', forged.pathname + forged.search)).status).toBe(404);
  });

  it('refuses a signed link once it has expired', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client);
    const call = visitor();
    const res = await call(
      'POST',
      `/api/widget/${id}/upload`,
      uploadForm(new File([PNG], 'a.png', { type: 'image/png' }), newVisitorId()),
    );
    const old = await signVisitorLink(
      env.SESSION_SECRET,
      { mediaId: res.body.data.id, channelId: id },
      Date.now() - 16 * 60 * 1000,
    );
    expect((await call('GET', old)).status).toBe(404);
    const fresh = await signVisitorLink(env.SESSION_SECRET, { mediaId: res.body.data.id, channelId: id });
    expect((await call('GET', fresh)).status).toBe(200);
  });

  it('refuses visitor uploads over 5 MB (413), of other types (400) or without a visitor id (400)', async () => {
    const { client, organization } = await signUpOwner();
    const id = await websiteChannel(client);
    const call = visitor();
    const big = new File([new Uint8Array(5 * 1024 * 1024 + 1)], 'big.png', { type: 'image/png' });
    expect((await call('POST', `/api/widget/${id}/upload`, uploadForm(big, newVisitorId()))).status).toBe(413);
    const csv = new File(['a,b'], 'list.csv', { type: 'text/csv' });
    const badType = await call('POST', `/api/widget/${id}/upload`, uploadForm(csv, newVisitorId()));
    expect(badType.status).toBe(400);
    expect(badType.body.error.fields).toHaveProperty('file');
    const png = new File([PNG], 'a.png', { type: 'image/png' });
    const noVisitor = await call('POST', `/api/widget/${id}/upload`, uploadForm(png));
    expect(noVisitor.body.error.fields).toHaveProperty('visitorId');
    expect((await env.MEDIA.list({ prefix: `org/${organization.id}/` })).objects).toEqual([]);
  });

  it('lets a visitor read an agent’s attachment sent to them, but not one on an internal note or another visitor’s', async () => {
    const { client, organization } = await signUpOwner();
    const channelId = await websiteChannel(client);
    const visitorId = newVisitorId();
    const [contact] = await db
      .insert(contacts)
      .values({ organizationId: organization.id, channelId, externalId: visitorId })
      .returning();
    const [conversation] = await db
      .insert(conversations)
      .values({ organizationId: organization.id, channelId, contactId: contact!.id, lastMessageAt: new Date() })
      .returning();
    const upload = async (name: string) => {
      const form = new FormData();
      form.set('file', new File([PNG], name, { type: 'image/png' }));
      return (await client.request('POST', '/api/media/upload', form)).body.data.id as string;
    };
    const sent = await upload('invoice.png');
    const noted = await upload('internal.png');
    const base = { organizationId: organization.id, conversationId: conversation!.id, direction: 'OUTBOUND' as const };
    await db.insert(messages).values([
      { ...base, seq: 1, senderType: 'AGENT', content: 'Here is your invoice', attachments: [sent] },
      { ...base, seq: 2, senderType: 'AGENT', content: 'Team only', isNote: true, attachments: [noted] },
    ]);
    const ref = { organizationId: organization.id, channelId, visitorId };
    expect(await visitorMayRead(db, ref, sent)).toBe(true);
    expect(await visitorMayRead(db, ref, noted)).toBe(false);
    expect(await visitorMayRead(db, { ...ref, visitorId: newVisitorId() }, sent)).toBe(false);
    const other = await websiteChannel(client);
    expect(await visitorMayRead(db, { ...ref, channelId: other }, sent)).toBe(false);
    const theirs = await visitor()(
      'POST',
      `/api/widget/${channelId}/upload`,
      uploadForm(new File([PNG], 'theirs.png', { type: 'image/png' }), newVisitorId()),
    );
    expect(await visitorMayRead(db, ref, theirs.body.data.id)).toBe(false);
  });
});

describe('refused origins', () => {
  it('shows the channel page the sites it refused: deduplicated, counted, newest first, and which are allowed now', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client, { allowedDomains: ['shop.example.com', '*.example.org'] });
    // A wildcard allows subdomains only.
    expect((await visitor('https://eu.example.org')('GET', `/api/widget/${id}/config`)).status).toBe(200);
    expect((await visitor('https://example.org')('GET', `/api/widget/${id}/config`)).status).toBe(403);
    expect((await visitor('https://blog.example.com')('GET', `/api/widget/${id}/config`)).status).toBe(403);
    expect((await visitor('https://blog.example.com')('GET', `/api/widget/${id}/status`)).status).toBe(403);
    // No Origin at all (a script, not a page) and junk are refused but name no site.
    expect((await visitor(null)('GET', `/api/widget/${id}/config`)).status).toBe(403);
    expect((await visitor('null')('GET', `/api/widget/${id}/config`)).status).toBe(403);

    await vi.waitFor(async () => {
      const list = (await client.get(`/api/channels/${id}/refused-origins`)).body.data;
      expect(list.map((r: { origin: string }) => r.origin).sort()).toEqual([
        'https://blog.example.com',
        'https://example.org',
      ]);
    });
    const list = (await client.get(`/api/channels/${id}/refused-origins`)).body.data as {
      origin: string;
      count: number;
      allowedNow: boolean;
      lastSeenAt: string;
    }[];
    const blog = list.find((r) => r.origin === 'https://blog.example.com')!;
    // The second refusal from the same site within the minute is coalesced in memory: at least one is counted.
    expect(blog.count).toBeGreaterThanOrEqual(1);
    expect(blog.allowedNow).toBe(false);
    expect(Date.parse(blog.lastSeenAt)).toBeGreaterThan(Date.now() - 60_000);

    await client.patch(`/api/channels/${id}`, {
      settings: { allowedDomains: ['shop.example.com', 'blog.example.com'] },
    });
    const after = (await client.get(`/api/channels/${id}/refused-origins`)).body.data as typeof list;
    expect(after.find((r) => r.origin === 'https://blog.example.com')?.allowedNow).toBe(true);
    expect(after.find((r) => r.origin === 'https://example.org')?.allowedNow).toBe(false);

    // Another organisation cannot read them.
    const other = await signUpOwner('Other Org');
    expect((await other.client.get(`/api/channels/${id}/refused-origins`)).status).toBe(404);
  });

  it('keeps at most 20 refused origins per channel and writes a flood of new ones at most a few at a time', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client, { allowedDomains: ['shop.example.com'] });
    for (let i = 0; i < 30; i++) {
      expect((await visitor(`https://site${i}.test`)('GET', `/api/widget/${id}/config`)).status).toBe(403);
    }
    await vi.waitFor(async () => {
      const list = (await client.get(`/api/channels/${id}/refused-origins`)).body.data as { origin: string }[];
      // Three new origins are written at once per minute; the rest wait in memory for the next minute's write.
      expect(list.map((r) => r.origin).sort()).toEqual([
        'https://site0.test',
        'https://site1.test',
        'https://site2.test',
      ]);
    });
  });
});

describe('business hours', () => {
  /** Open only on a weekday that is not today (UTC), so "now" is always outside. */
  function closedToday(now = new Date()) {
    const today = now.getUTCDay() === 0 ? 7 : now.getUTCDay();
    const day = (today % 7) + 1;
    return { timeZone: 'UTC', intervals: [{ day, start: '09:00', end: '17:00' }], replyTime: 'within a day' };
  }

  it('outside business hours the widget is away, says when the team is back, and is not online even with agents present', async () => {
    const { client } = await signUpOwner();
    const id = await websiteChannel(client, { businessHours: closedToday() });
    const ws = await openDashboard(client);
    const status = (await visitor()('GET', `/api/widget/${id}/status`)).body.data;
    expect(status.online).toBe(false);
    expect(status.agentsOnline).toBe(1);
    expect(status.away.replyTime).toBe('within a day');
    const reopens = new Date(status.away.reopensAt);
    // Tomorrow (UTC) at 09:00.
    expect(reopens.getUTCHours()).toBe(9);
    expect(reopens.getTime() - Date.now()).toBeGreaterThan(0);
    expect(reopens.getTime() - Date.now()).toBeLessThanOrEqual(2 * 86_400_000);
    const config = (await visitor()('GET', `/api/widget/${id}/config`)).body.data;
    expect(config.away).toEqual(status.away);

    // Always open (every day, all day): online again with the agent present.
    const always = Array.from({ length: 7 }, (_, i) => ({ day: i + 1, start: '00:00', end: '24:00' }));
    await client.patch(`/api/channels/${id}`, { settings: { businessHours: { timeZone: 'UTC', intervals: always } } });
    expect((await visitor()('GET', `/api/widget/${id}/status`)).body.data).toEqual({
      online: true,
      agentsOnline: 1,
      away: null,
    });
    // null turns business hours off.
    await client.patch(`/api/channels/${id}`, { settings: { businessHours: null } });
    expect((await client.get(`/api/channels/${id}/widget-config`)).body.data.businessHours).toBeNull();
    ws.close();
  });

  it('validates business hours, the pre-chat form and each allowed domain, naming the bad field', async () => {
    const { client } = await signUpOwner();
    const res = await client.post('/api/channels', {
      type: 'WEBSITE_CHAT',
      name: 'Shop chat',
      credentials: {},
      settings: {
        allowedDomains: [
          'shop.example.com',
          'not a domain',
          '*.example.com',
          'https://x.example.com',
          '*.com',
          'a.example.com:8080',
        ],
        businessHours: {
          timeZone: 'Mars/Olympus',
          intervals: [
            { day: 8, start: '9am', end: '17:00' },
            { day: 1, start: '17:00', end: '09:00' },
          ],
        },
        preChatForm: 'SOMETIMES',
      },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.fields).sort()).toEqual(
      [
        'settings.allowedDomains.1',
        'settings.allowedDomains.3',
        'settings.allowedDomains.4',
        'settings.allowedDomains.5',
        'settings.businessHours.timeZone',
        'settings.businessHours.intervals.0.day',
        'settings.businessHours.intervals.0.start',
        'settings.businessHours.intervals.1.end',
        'settings.preChatForm',
      ].sort(),
    );
    expect(res.body.error.fields['settings.allowedDomains.1']?.[0]).toContain('host name');
  });
});
