import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { ORIGIN, ownerWithWebsiteChat } from '../../test/client';
import { fakeAccount, mailTo } from '../../test/smtp-mailbox';
import type { ConversationActor } from './actor';
import { BATCH_WINDOW_MS, type OrgHub } from './hub';
import { postOutbound, receiveInbound, receiveStatus } from './pipeline';
import type { DrainCommit, ProjectedEntry } from './projection';
import { conversationActor } from './refs';

const randomIp = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 256)).join('.')}`;

/** A WebSocket client that records every frame and lets a test wait for the next one matching a predicate. */
async function connect(path: string, headers: Record<string, string> = {}) {
  const res = await exports.default.fetch(
    new Request(`${ORIGIN}${path}`, {
      // Each test visitor comes from its own address, so the per-IP socket and new-visitor limits do not trip.
      headers: { upgrade: 'websocket', origin: ORIGIN, 'cf-connecting-ip': randomIp(), ...headers },
    }),
  );
  if (!res.webSocket) throw new Error(`no socket: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  ws.accept();
  const frames: any[] = [];
  const waiters: { match: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  ws.addEventListener('message', (event) => {
    const parsed = event.data === 'pong' ? 'pong' : JSON.parse(event.data as string);
    // The org hub sends frames published close together as one batch (docs/realtime-protocol.md).
    for (const frame of parsed?.type === 'batch' ? parsed.frames : [parsed]) {
      frames.push(frame);
      for (const waiter of [...waiters]) {
        if (waiter.match(frame)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    }
  });
  const next = (match: (f: any) => boolean, seen = 0) =>
    new Promise<any>((resolve, reject) => {
      const already = frames.slice(seen).find(match);
      if (already) return resolve(already);
      const timer = setTimeout(() => reject(new Error(`no matching frame; got ${JSON.stringify(frames)}`)), 3000);
      waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  return {
    ws,
    frames,
    next,
    send: (frame: unknown) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
  };
}

const visitor = () => `visitor_${crypto.randomUUID()}`;

/**
 * The organisation's newest conversation once it is in the inbox: a visitor's first message is acked as soon as
 * its actor stored it, and intake puts the conversation into D1 right after.
 */
async function firstInInbox(org: Awaited<ReturnType<typeof ownerWithWebsiteChat>>) {
  return vi.waitFor(async () => {
    const [first] = (await org.client.get('/api/conversations')).body.data.items;
    expect(first?.lastMessagePreview).toBeTruthy();
    return first;
  });
}

describe('the outbox', () => {
  it('converges D1 from the alarm after a projection write fails, and the message is never lost', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await receiveInbound(env, {
      organizationId: org.organizationId,
      channelId: org.channelId,
      externalContactId: 'v',
      content: 'first',
    });
    const stub = conversationActor(env, conversation.id);
    let d1Down = true;
    let failures = 0;
    await runInDurableObject(stub, (actor: ConversationActor) => {
      const commit = actor.commitDrain;
      actor.commitDrain = async (organizationId, drain) => {
        if (d1Down) {
          failures++;
          throw new Error('D1 is unavailable');
        }
        return commit(organizationId, drain);
      };
    });

    const sent = await org.client.post(`/api/conversations/${conversation.id}/messages`, {
      conversationId: conversation.id,
      content: 'acknowledged while D1 was down',
    });
    expect(sent.status).toBe(201);
    const inD1 = () =>
      env.DB.prepare('SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?')
        .bind(conversation.id)
        .first<{ n: number }>();
    expect(failures).toBeGreaterThanOrEqual(1);
    // Each change waits in one outbox row: the message's with its row, the conversation's and its event.
    const waiting = await runInDurableObject(stub, (_actor: ConversationActor, state) =>
      state.storage.sql
        .exec<{ entry: string }>('SELECT entry FROM outbox ORDER BY id')
        .toArray()
        .map((row) => (JSON.parse(row.entry) as ProjectedEntry[]).map((entry) => entry.kind)),
    );
    expect(waiting[0]).toEqual(['message', 'conversation', 'domain']);
    expect(await stub.pendingProjections()).toBe(waiting.length);
    expect((await inD1())?.n).toBe(1);

    d1Down = false;

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.pendingProjections()).toBe(0);
    expect((await inD1())?.n).toBe(2);
    const row = await env.DB.prepare(
      'SELECT message_count, last_message_preview, delivery_status FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE c.id = ? ORDER BY m.seq DESC',
    )
      .bind(conversation.id)
      .first();
    expect(row).toMatchObject({
      message_count: 2,
      last_message_preview: 'acknowledged while D1 was down',
      delivery_status: 'DELIVERED',
    });
  });
});

describe('the outbox written before changes were grouped', () => {
  it('still drains rows that hold a single entry', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await receiveInbound(env, {
      organizationId: org.organizationId,
      channelId: org.channelId,
      externalContactId: 'legacy',
      content: 'hello',
    });
    const stub = conversationActor(env, conversation.id);
    await vi.waitFor(async () => expect(await stub.pendingProjections()).toBe(0));
    await runInDurableObject(stub, (_actor: ConversationActor, state) => {
      const [row] = state.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'conversation'")
        .toArray();
      const current = JSON.parse(row!.value);
      state.storage.sql.exec(
        'INSERT INTO outbox (entry) VALUES (?)',
        JSON.stringify({
          kind: 'conversation',
          conversation: { ...current, lastMessagePreview: 'from a one-entry row' },
        }),
      );
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.pendingProjections()).toBe(0);
    const inD1 = await env.DB.prepare('SELECT last_message_preview FROM conversations WHERE id = ?')
      .bind(conversation.id)
      .first<{ last_message_preview: string }>();
    expect(inD1?.last_message_preview).toBe('from a one-entry row');
  });
});

describe('the inbound pipeline', () => {
  it('dedupes by provider message id, rejoins an open conversation, and starts a new one after closing', async () => {
    const org = await ownerWithWebsiteChat();
    const base = { organizationId: org.organizationId, channelId: org.channelId, externalContactId: 'meta-123' };
    const first = await receiveInbound(env, { ...base, externalMessageId: 'mid-1', content: 'hi' });
    const again = await receiveInbound(env, { ...base, externalMessageId: 'mid-1', content: 'hi' });
    expect(again.duplicate).toBe(true);
    expect(again.message.id).toBe(first.message.id);
    await org.client.patch(`/api/conversations/${first.conversation.id}`, { status: 'PENDING' });
    const rejoin = await receiveInbound(env, { ...base, externalMessageId: 'mid-2', content: 'still there?' });
    expect(rejoin.conversation).toMatchObject({ id: first.conversation.id, status: 'OPEN', messageCount: 2 });
    await org.client.patch(`/api/conversations/${first.conversation.id}`, { status: 'CLOSED' });
    const fresh = await receiveInbound(env, { ...base, externalMessageId: 'mid-3', content: 'new question' });
    expect(fresh.conversation.id).not.toBe(first.conversation.id);
    expect(fresh.message.seq).toBe(1);
    const contacts = await env.DB.prepare('SELECT COUNT(*) AS n FROM contacts WHERE channel_id = ?')
      .bind(org.channelId)
      .first<{ n: number }>();
    expect(contacts?.n).toBe(1);
  });

  it('opens a conversation under the id reserved on the contact, and a new one when that id is already taken', async () => {
    const org = await ownerWithWebsiteChat();
    const base = { organizationId: org.organizationId, channelId: org.channelId, externalContactId: 'reserved' };
    const first = await receiveInbound(env, { ...base, externalMessageId: 'r-1', content: 'hello' });
    const nextId = () =>
      env.DB.prepare('SELECT next_conversation_id AS id FROM contacts WHERE channel_id = ? AND external_id = ?')
        .bind(org.channelId, 'reserved')
        .first<{ id: string }>();
    const reserved = (await nextId())!.id;
    expect(reserved).not.toBe(first.conversation.id);
    await org.client.patch(`/api/conversations/${first.conversation.id}`, { status: 'CLOSED' });
    const second = await receiveInbound(env, { ...base, externalMessageId: 'r-2', content: 'again' });
    expect(second).toMatchObject({ conversation: { id: reserved, status: 'OPEN' }, message: { seq: 1 } });
    // A contact whose reserved id points at a conversation that is not open (older data) still gets a new one.
    await org.client.patch(`/api/conversations/${second.conversation.id}`, { status: 'CLOSED' });
    await env.DB.prepare('UPDATE contacts SET next_conversation_id = ? WHERE channel_id = ? AND external_id = ?')
      .bind(first.conversation.id, org.channelId, 'reserved')
      .run();
    const third = await receiveInbound(env, { ...base, externalMessageId: 'r-3', content: 'once more' });
    expect([first.conversation.id, second.conversation.id]).not.toContain(third.conversation.id);
    expect(third).toMatchObject({ conversation: { status: 'OPEN' }, message: { seq: 1 } });
    const after = (await nextId())!.id;
    expect([first.conversation.id, third.conversation.id]).not.toContain(after);
  });

  it('creates one conversation when first messages from a new contact race', async () => {
    const org = await ownerWithWebsiteChat();
    const base = { organizationId: org.organizationId, channelId: org.channelId, externalContactId: 'racer' };
    const results = await Promise.all(
      ['a', 'b', 'c'].map((id) => receiveInbound(env, { ...base, externalMessageId: id, content: id })),
    );
    expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1);
    expect(results.map((r) => r.message.seq).sort()).toEqual([1, 2, 3]);
  });

  it('never hands an internal note to a channel: an email note sends no mail, a reply does', async () => {
    const org = await ownerWithWebsiteChat();
    const mail = await org.client.post('/api/channels', {
      type: 'EMAIL',
      name: 'Mail',
      autoTranslate: false,
      credentials: fakeAccount(),
    });
    const customer = `carla-${crypto.randomUUID()}@example.test`;
    const { conversation } = await receiveInbound(env, {
      organizationId: org.organizationId,
      channelId: mail.body.data.id,
      externalContactId: customer,
      content: 'Question by mail',
      contact: { email: customer },
    });
    const mails = async () => (await mailTo(customer)).length;
    const note = await org.client.post(`/api/conversations/${conversation.id}/messages`, {
      conversationId: conversation.id,
      content: 'Internal: she is a VIP',
      isNote: true,
    });
    expect(note.body.data).toMatchObject({ isNote: true, deliveryStatus: 'NOT_SENT' });
    expect(await mails()).toBe(0);
    const sent = await org.client.post(`/api/conversations/${conversation.id}/messages`, {
      conversationId: conversation.id,
      content: 'Here is your answer',
    });
    expect(sent.body.data.deliveryStatus).toBe('SENT');
    expect(await mails()).toBe(1);
  });
});

describe('live widget sockets', () => {
  it('round-trips through the actor: history, ack after persisting, agent replies; never notes or drafts', async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = visitor();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitorId}`);
    const history = await socket.next((f) => f.type === 'history');
    expect(history).toEqual({ type: 'history', conversationId: null, messages: [] });

    socket.send({ type: 'message', clientMessageId: 'c1', content: 'Hello from the widget' });
    const ack = await socket.next((f) => f.type === 'ack');
    expect(ack.message).toMatchObject({
      seq: 1,
      direction: 'INBOUND',
      content: 'Hello from the widget',
      clientMessageId: 'c1',
    });
    const listed = await firstInInbox(org);
    const conversationId = listed.id;
    expect(listed.lastMessagePreview).toBe('Hello from the widget');

    // The same clientMessageId again is the same message.
    socket.send({ type: 'message', clientMessageId: 'c1', content: 'Hello from the widget' });
    const reAck = await socket.next((f) => f.type === 'ack' && f !== ack, socket.frames.indexOf(ack) + 1);
    expect(reAck.message.id).toBe(ack.message.id);

    const post = (body: Record<string, unknown>) =>
      org.client.post(`/api/conversations/${conversationId}/messages`, { conversationId, ...body });
    await post({ content: 'Secret note', isNote: true });
    await post({ content: 'Hi, how can I help?' });
    const reply = await socket.next((f) => f.type === 'message');
    expect(reply.message).toMatchObject({
      seq: 3,
      direction: 'OUTBOUND',
      senderType: 'AGENT',
      senderName: 'Olivia Owner',
      content: 'Hi, how can I help?',
    });
    expect(JSON.stringify(socket.frames)).not.toContain('Secret note');

    socket.send('ping');
    expect(await socket.next((f) => f === 'pong')).toBe('pong');
    socket.ws.close();
  });

  it('acks a message into an open conversation from the actor even while D1 is down; D1 catches up', async () => {
    const org = await ownerWithWebsiteChat();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`);
    await socket.next((f) => f.type === 'history');
    socket.send({ type: 'message', clientMessageId: 'first', content: 'I have a question' });
    await socket.next((f) => f.type === 'ack');
    const conversationId = (await firstInInbox(org)).id;
    const stub = conversationActor(env, conversationId);
    let d1Down = true;
    await runInDurableObject(stub, (actor: ConversationActor) => {
      const commit = actor.commitDrain;
      actor.commitDrain = async (organizationId, drain) => {
        if (d1Down) throw new Error('D1 is unavailable');
        return commit(organizationId, drain);
      };
    });

    socket.send({ type: 'message', clientMessageId: 'second', content: 'Are you there?' });
    const ack = await socket.next((f) => f.type === 'ack' && f.clientMessageId === 'second');
    expect(ack.message).toMatchObject({ seq: 2, content: 'Are you there?' });
    const stored = () =>
      env.DB.prepare('SELECT content FROM messages WHERE conversation_id = ? AND seq = 2').bind(conversationId).first();
    expect(await stored()).toBeNull();

    d1Down = false;
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stored()).toEqual({ content: 'Are you there?' });
    const list = await org.client.get('/api/conversations');
    expect(list.body.data.items[0]).toMatchObject({ lastMessagePreview: 'Are you there?', unreadCount: 2 });
    socket.ws.close();
  });

  it("acks a visitor's first messages before D1 knows the conversation; intake lands them under the acked ids", async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = visitor();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitorId}`);
    await socket.next((f) => f.type === 'history');
    // The socket waits on the actor of the contact's reserved next conversation; there, intake cannot reach D1.
    const contact = await env.DB.prepare('SELECT next_conversation_id AS id FROM contacts WHERE external_id = ?')
      .bind(visitorId)
      .first<{ id: string }>();
    const stub = conversationActor(env, contact!.id);
    let intakes = 0;
    await runInDurableObject(stub, (actor: ConversationActor) => {
      actor.runIntake = async () => {
        intakes++;
        throw new Error('D1 is unavailable');
      };
    });

    const acks = [];
    for (const content of ['Hi, is the blue one in stock?', 'Size 42', 'Size 42']) {
      socket.send({ type: 'message', clientMessageId: `c-${content}`, content });
      acks.push((await socket.next((f) => f.type === 'ack', socket.frames.length)).message);
    }
    // A retry of the same client id is the same message.
    expect(acks.map((m) => [m.seq, m.content])).toEqual([
      [1, 'Hi, is the blue one in stock?'],
      [2, 'Size 42'],
      [2, 'Size 42'],
    ]);
    expect(acks[2].id).toBe(acks[1].id);
    expect(intakes).toBeGreaterThan(0);
    const inD1 = () =>
      env.DB.prepare('SELECT id, seq, content FROM messages WHERE conversation_id = ? ORDER BY seq')
        .bind(contact!.id)
        .all();
    expect((await inD1()).results).toEqual([]);
    expect((await org.client.get('/api/conversations')).body.data.items).toEqual([]);
    // Another tab of the visitor sees what waits for intake.
    const tab = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitorId}`);
    const history = await tab.next((f) => f.type === 'history');
    expect(history.messages.map((m: { id: string }) => m.id)).toEqual([acks[0].id, acks[1].id]);
    tab.ws.close();

    // The object dies before intake ever worked: the alarm stored with the first message brings it to D1.
    socket.ws.close();
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await inD1()).results).toEqual([
      { id: acks[0].id, seq: 1, content: 'Hi, is the blue one in stock?' },
      { id: acks[1].id, seq: 2, content: 'Size 42' },
    ]);
    const listed = await firstInInbox(org);
    expect(listed).toMatchObject({ id: contact!.id, lastMessagePreview: 'Size 42', unreadCount: 2 });
  });

  it('tells the visitor when intake refuses a first message it acked (the pre-chat form changed meanwhile)', async () => {
    const org = await ownerWithWebsiteChat();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`);
    await socket.next((f) => f.type === 'history');
    // The admin makes the email required after the visitor's widget opened.
    await env.DB.prepare(`UPDATE channels SET settings = json_set(settings, '$.preChatForm', 'REQUIRED') WHERE id = ?`)
      .bind(org.channelId)
      .run();
    socket.send({ type: 'message', clientMessageId: 'late', content: 'Do you ship to Norway?' });
    expect(await socket.next((f) => f.type === 'error')).toEqual({
      type: 'error',
      message: 'Leave your email before the first message',
      clientMessageId: 'late',
    });
    expect((await org.client.get('/api/conversations')).body.data.items).toEqual([]);
    socket.ws.close();
  });

  it('projects what is committed while a drain runs in one next batch, with the contact last seen', async () => {
    const org = await ownerWithWebsiteChat();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`);
    await socket.next((f) => f.type === 'history');
    socket.send({ type: 'message', clientMessageId: 'one', content: 'one' });
    await socket.next((f) => f.type === 'ack');
    const conversationId = (await firstInInbox(org)).id;
    const stub = conversationActor(env, conversationId);
    const batches: ProjectedEntry[][] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await runInDurableObject(stub, (actor: ConversationActor) => {
      const commit = actor.commitDrain;
      actor.commitDrain = async (organizationId, drain) => {
        batches.push(drain.entries);
        if (batches.length === 1) await held; // D1 is slow for the first drain
        return commit(organizationId, drain);
      };
    });

    const acks: { message: { createdAt: string } }[] = [];
    for (const content of ['two', 'three', 'four']) {
      socket.send({ type: 'message', clientMessageId: content, content });
      acks.push(await socket.next((f) => f.type === 'ack' && f.clientMessageId === content));
    }
    release();
    await vi.waitFor(async () => expect(await stub.pendingProjections()).toBe(0));

    const contents = (batch: ProjectedEntry[]) =>
      batch.flatMap((entry) => (entry.kind === 'message' ? [entry.message.content] : []));
    expect(batches.map(contents)).toEqual([['two'], ['three', 'four']]);
    // The contact's last-seen time travels with the batch (no D1 write of its own), to the minute: the first
    // message written live projects it, the next ones within the minute do not write the contact again.
    const seen = (batch: ProjectedEntry[]) => batch.flatMap((entry) => (entry.kind === 'seen' ? [entry.at] : []));
    expect(batches.map(seen)).toEqual([[Date.parse(acks[0]!.message.createdAt)], []]);
    const row = await env.DB.prepare(
      'SELECT c.message_count, c.last_message_preview, ct.last_seen_at FROM conversations c JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ?',
    )
      .bind(conversationId)
      .first();
    expect(row).toEqual({
      message_count: 4,
      last_message_preview: 'four',
      last_seen_at: Date.parse(acks[0]!.message.createdAt),
    });
    socket.ws.close();
  });

  it('keeps the history through an eviction: a reconnecting visitor syncs the tail after its last seq', async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = visitor();
    const first = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitorId}`);
    await first.next((f) => f.type === 'history');
    first.send({ type: 'message', clientMessageId: 'm1', content: 'one' });
    const ack = await first.next((f) => f.type === 'ack');
    const conversationId = (await firstInInbox(org)).id;
    await org.client.post(`/api/conversations/${conversationId}/messages`, { conversationId, content: 'two' });

    await evictDurableObject(conversationActor(env, conversationId));
    await org.client.post(`/api/conversations/${conversationId}/messages`, { conversationId, content: 'three' });

    const second = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitorId}`);
    const full = await second.next((f) => f.type === 'history');
    expect(full.conversationId).toBe(conversationId);
    expect(full.messages.map((m: { content: string }) => m.content)).toEqual(['one', 'two', 'three']);
    second.send({ type: 'sync', afterSeq: ack.message.seq });
    const tail = await second.next((f) => f.type === 'history' && f !== full, second.frames.indexOf(full) + 1);
    expect(tail.messages.map((m: { seq: number; content: string }) => [m.seq, m.content])).toEqual([
      [2, 'two'],
      [3, 'three'],
    ]);
    second.ws.close();
  });

  it('refuses a socket without an upgrade (426), for an unknown channel (404) and from a foreign site (403)', async () => {
    const org = await ownerWithWebsiteChat({ settings: { allowedDomains: ['shop.example'] } });
    const plain = await exports.default.fetch(
      new Request(`${ORIGIN}/api/widget/${org.channelId}/ws?visitorId=${visitor()}`, {
        headers: { origin: 'https://shop.example' },
      }),
    );
    expect(plain.status).toBe(426);
    const ws = (path: string, origin: string) =>
      exports.default.fetch(new Request(`${ORIGIN}${path}`, { headers: { upgrade: 'websocket', origin } }));
    expect((await ws(`/api/widget/nope/ws?visitorId=${visitor()}`, 'https://shop.example')).status).toBe(404);
    expect((await ws(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`, 'https://evil.example')).status).toBe(
      403,
    );
    expect((await ws(`/api/widget/${org.channelId}/ws?visitorId=bad`, 'https://shop.example')).status).toBe(400);
    const ok = await ws(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`, 'https://www.shop.example');
    expect(ok.status).toBe(101);
    ok.webSocket?.accept();
    ok.webSocket?.close();
  });
});

describe('the org hub', () => {
  it('pushes message.created and conversation.updated to a dashboard on /api/live, and only within the org', async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const cookie = (client: { cookie?: string }) => ({ cookie: client.cookie! });
    const dashboard = await connect('/api/live', cookie(org.client));
    const otherDashboard = await connect('/api/live', cookie(other.client));
    const { conversation } = await receiveInbound(env, {
      organizationId: org.organizationId,
      channelId: org.channelId,
      externalContactId: 'v',
      content: 'ping the hub',
    });
    const created = await dashboard.next((f) => f.type === 'message.created');
    expect(created).toMatchObject({
      conversationId: conversation.id,
      message: { content: 'ping the hub', direction: 'INBOUND' },
    });
    await org.client.post(`/api/conversations/${conversation.id}/read`);
    const updated = await dashboard.next((f) => f.type === 'conversation.updated');
    expect(updated.conversation).toMatchObject({ id: conversation.id, unreadCount: 0 });
    expect(otherDashboard.frames.filter((f) => f !== 'pong')).toEqual([]);
    dashboard.ws.close();
    otherDashboard.ws.close();
  });

  it("tells a dashboard of a visitor's new conversation before its first message, both once", async () => {
    const org = await ownerWithWebsiteChat();
    const dashboard = await connect('/api/live', { cookie: org.client.cookie! });
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`);
    await socket.next((f) => f.type === 'history');
    socket.send({ type: 'message', clientMessageId: 'hello', content: 'Hello, anyone there?' });
    const ack = await socket.next((f) => f.type === 'ack');
    const message = await dashboard.next((f) => f.type === 'message.created');
    const news = dashboard.frames.filter((f) => f.type === 'conversation.created' || f.type === 'message.created');
    expect(news.map((f) => f.type)).toEqual(['conversation.created', 'message.created']);
    expect(news[0]).toMatchObject({
      conversationId: message.conversationId,
      conversation: { id: message.conversationId, channelId: org.channelId, status: 'OPEN' },
    });
    expect(message.message).toMatchObject({ id: ack.message.id, content: 'Hello, anyone there?' });
    socket.ws.close();
    dashboard.ws.close();
  });

  it('needs a session (401), forwards agent typing to the visitor, and refuses another site (403)', async () => {
    const org = await ownerWithWebsiteChat();
    expect(
      (await exports.default.fetch(new Request(`${ORIGIN}/api/live`, { headers: { upgrade: 'websocket' } }))).status,
    ).toBe(401);
    const foreign = await exports.default.fetch(
      new Request(`${ORIGIN}/api/live`, {
        headers: { upgrade: 'websocket', origin: 'https://evil.example', cookie: org.client.cookie! },
      }),
    );
    expect(foreign.status).toBe(403);

    const visitorId = visitor();
    const widget = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitorId}`);
    widget.send({ type: 'message', clientMessageId: 'x', content: 'typing test' });
    await widget.next((f) => f.type === 'ack');
    const conversationId = (await firstInInbox(org)).id;
    const dashboard = await connect('/api/live', { cookie: org.client.cookie! });
    dashboard.send({ type: 'typing', conversationId, isTyping: true });
    expect(await widget.next((f) => f.type === 'typing')).toEqual({ type: 'typing', isTyping: true });
    widget.send({ type: 'typing', isTyping: true });
    expect(await dashboard.next((f) => f.type === 'typing')).toEqual({
      type: 'typing',
      conversationId,
      isTyping: true,
    });
    widget.ws.close();
    dashboard.ws.close();
  });

  it('sends frames published close together as one batch, in order; a frame after a quiet spell goes alone', async () => {
    const org = await ownerWithWebsiteChat();
    const dashboard = await connect('/api/live', { cookie: org.client.cookie! });
    const raw: unknown[] = [];
    dashboard.ws.addEventListener('message', (event) => raw.push(JSON.parse(event.data as string)));
    const typing = (conversationId: string) => ({ type: 'typing' as const, conversationId, isTyping: true });
    const hub = env.ORG_HUB.get(env.ORG_HUB.idFromName(org.organizationId)) as DurableObjectStub<OrgHub>;
    // One turn of the hub: no timer can close the batch window in between.
    await runInDurableObject(hub, async (instance: OrgHub) => {
      expect(await instance.publish(typing('c1'))).toBe(1);
      await instance.publish(typing('c2'));
      await instance.publishAll([typing('c3'), typing('c4')]);
    });
    await dashboard.next((f) => f.conversationId === 'c4');
    expect(raw).toEqual([typing('c1'), { type: 'batch', frames: [typing('c2'), typing('c3'), typing('c4')] }]);
    expect(dashboard.frames.map((f) => f.conversationId)).toEqual(['c1', 'c2', 'c3', 'c4']);

    await new Promise((resolve) => setTimeout(resolve, 5 * BATCH_WINDOW_MS));
    await hub.publish(typing('c5'));
    await dashboard.next((f) => f.conversationId === 'c5');
    expect(raw.at(-1)).toEqual(typing('c5'));
    dashboard.ws.close();
  });
});

describe('group commit through the org hub', () => {
  const typing = (conversationId: string) => ({ type: 'typing' as const, conversationId, isTyping: true });
  /** A drain told apart by its one frame (the hub's writer is swapped, so nothing reaches D1). */
  const drain = (name: string): DrainCommit => ({ entries: [], jobs: [], frames: [typing(name)] });
  const nameOf = (d: DrainCommit) => (d.frames[0] as { conversationId: string }).conversationId;

  async function hubWithWriter(write: (drains: DrainCommit[]) => Promise<void>) {
    const org = await ownerWithWebsiteChat();
    const hub = env.ORG_HUB.get(env.ORG_HUB.idFromName(org.organizationId)) as DurableObjectStub<OrgHub>;
    await runInDurableObject(hub, (instance: OrgHub) => {
      instance.writeDrains = write;
    });
    return { org, hub };
  }

  it('writes the drains that arrive during a write together, then tells the dashboards, in order', async () => {
    const groups: string[][] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { org, hub } = await hubWithWriter(async (drains) => {
      groups.push(drains.map(nameOf));
      if (groups.length === 1) await held; // D1 is slow for the first write
    });
    const dashboard = await connect('/api/live', { cookie: org.client.cookie! });
    const first = hub.commit(drain('c1'));
    await vi.waitFor(() => expect(groups).toEqual([['c1']]));
    const rest = ['c2', 'c3', 'c4'].map((name) => hub.commit(drain(name)));
    // Nothing is told before it is written.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dashboard.frames.filter((f) => f !== 'pong')).toEqual([]);
    release();
    await Promise.all([first, ...rest]);
    expect(groups).toEqual([['c1'], ['c2', 'c3', 'c4']]);
    await dashboard.next((f) => f.conversationId === 'c4');
    expect(dashboard.frames.map((f) => f.conversationId)).toEqual(['c1', 'c2', 'c3', 'c4']);
    dashboard.ws.close();
  });

  it('a drain that cannot be written fails alone: the rest of its group is written', async () => {
    const groups: string[][] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { hub } = await hubWithWriter(async (drains) => {
      groups.push(drains.map(nameOf));
      if (groups.length === 1) await held;
      if (drains.some((d) => nameOf(d) === 'deleted')) throw new Error('FOREIGN KEY constraint failed');
    });
    const first = hub.commit(drain('c1'));
    await vi.waitFor(() => expect(groups).toHaveLength(1));
    const group = ['a', 'deleted', 'b'].map((name) => hub.commit(drain(name)));
    release();
    expect(await first).toEqual({ ok: true });
    expect(await Promise.all(group)).toEqual([
      { ok: true },
      { ok: false, error: 'FOREIGN KEY constraint failed' },
      { ok: true },
    ]);
    expect(groups).toEqual([['c1'], ['a', 'deleted', 'b'], ['a'], ['deleted'], ['b']]);
  });

  it('sends no job of a drain whose rows D1 refused', async () => {
    const org = await ownerWithWebsiteChat();
    const hub = env.ORG_HUB.get(env.ORG_HUB.idFromName(org.organizationId)) as DurableObjectStub<OrgHub>;
    const sent: unknown[] = [];
    await runInDurableObject(hub, (instance: OrgHub) => {
      const real = (instance as unknown as { env: typeof env }).env;
      const recording = { sendBatch: async (batch: unknown[]) => void sent.push(...batch) };
      (instance as unknown as { env: typeof env }).env = { ...real, JOBS: recording as unknown as Queue };
    });
    const now = Date.now();
    // A message of a conversation that does not exist (deleted meanwhile): its row breaks the foreign key.
    const orphan: DrainCommit = {
      entries: [
        {
          kind: 'message',
          message: {
            id: crypto.randomUUID(),
            organizationId: org.organizationId,
            conversationId: crypto.randomUUID(),
            seq: 1,
            direction: 'INBOUND',
            isNote: false,
            senderType: 'CONTACT',
            senderId: null,
            senderName: null,
            content: 'Hello?',
            originalContent: null,
            translatedContent: null,
            language: null,
            translatedLanguage: null,
            attachments: [],
            files: [],
            externalId: null,
            approvalStatus: 'NONE',
            deliveryStatus: 'DELIVERED',
            citations: null,
            createdAt: now,
            updatedAt: now,
          },
        },
      ],
      jobs: [{ kind: 'ai.reply', organizationId: org.organizationId, conversationId: 'gone', messageId: 'gone' }],
      frames: [],
    };
    const refused = await hub.commit(orphan);
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/FOREIGN KEY constraint failed/) });
    expect(sent).toEqual([]);
    expect(await hub.commit({ ...orphan, entries: [] })).toEqual({ ok: true });
    expect(sent).toEqual([{ body: orphan.jobs[0], contentType: 'json' }]);
  });
});

describe('crash durability and sender-scoped dedupe', () => {
  const inD1 = (conversationId: string, content: string) =>
    env.DB.prepare('SELECT content FROM messages WHERE conversation_id = ? AND content = ?')
      .bind(conversationId, content)
      .first();

  async function openChat() {
    const org = await ownerWithWebsiteChat();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`);
    await socket.next((f) => f.type === 'history');
    socket.send({ type: 'message', clientMessageId: 'first', content: 'Hello there' });
    await socket.next((f) => f.type === 'ack');
    const conversationId: string = (await firstInInbox(org)).id;
    return { org, socket, conversationId, stub: conversationActor(env, conversationId) };
  }

  it('drains a message acknowledged just before a crash into the inbox, with no further traffic', async () => {
    const { socket, conversationId, stub } = await openChat();
    // The crash: the message is stored and acked, and the object dies before it projects anything.
    await runInDurableObject(stub, (actor: ConversationActor) => {
      (actor as unknown as { flush: () => Promise<void> }).flush = async () => {};
    });
    socket.send({ type: 'message', clientMessageId: 'second', content: 'Where is my parcel?' });
    await socket.next((f) => f.type === 'ack' && f.clientMessageId === 'second');
    expect(await inD1(conversationId, 'Where is my parcel?')).toBeNull();
    socket.ws.close();
    await evictDurableObject(stub);

    // Only the alarm committed with the message wakes the object: no visitor, agent or API call.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await inD1(conversationId, 'Where is my parcel?')).toEqual({ content: 'Where is my parcel?' });
    expect(await stub.pendingProjections()).toBe(0);
  });

  it('a retried message projects what is still pending instead of skipping it', async () => {
    const { socket, conversationId, stub } = await openChat();
    let d1Down = true;
    await runInDurableObject(stub, (actor: ConversationActor) => {
      const commit = actor.commitDrain;
      actor.commitDrain = async (organizationId, drain) => {
        if (d1Down) throw new Error('D1 is unavailable');
        return commit(organizationId, drain);
      };
    });
    socket.send({ type: 'message', clientMessageId: 'retry-me', content: 'Is this in stock?' });
    await socket.next((f) => f.type === 'ack' && f.clientMessageId === 'retry-me');
    expect(await inD1(conversationId, 'Is this in stock?')).toBeNull();

    d1Down = false;
    socket.send({ type: 'message', clientMessageId: 'retry-me', content: 'Is this in stock?' });
    const acks = () => socket.frames.filter((f) => f.type === 'ack' && f.clientMessageId === 'retry-me').length;
    await socket.next((f) => f.type === 'ack' && f.clientMessageId === 'retry-me', socket.frames.length);
    await vi.waitFor(async () => expect(await inD1(conversationId, 'Is this in stock?')).not.toBeNull());
    expect(acks()).toBe(2);
    socket.ws.close();
  });

  it("a visitor reusing an internal note's client id gets their own message acked, never the note", async () => {
    const { org, socket, conversationId } = await openChat();
    const note = await org.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: 'Customer owes us 300 EUR, do not refund',
      isNote: true,
      clientMessageId: 'shared-id',
    });
    expect(note.status).toBe(201);
    socket.send({ type: 'message', clientMessageId: 'shared-id', content: 'Can I get a refund?' });
    const ack = await socket.next((f) => f.type === 'ack' && f.clientMessageId === 'shared-id');
    expect(ack.message.content).toBe('Can I get a refund?');
    expect(JSON.stringify(socket.frames)).not.toContain('do not refund');
    await vi.waitFor(async () => expect(await inD1(conversationId, 'Can I get a refund?')).not.toBeNull());
    const thread = await org.client.get(`/api/conversations/${conversationId}/messages`);
    expect(thread.body.data.items.map((m: { content: string }) => m.content)).toEqual([
      'Hello there',
      'Customer owes us 300 EUR, do not refund',
      'Can I get a refund?',
    ]);
    socket.ws.close();
  });
});

describe('delivery receipts', () => {
  it('find the message by the provider id and never move it backwards (read stays read)', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await receiveInbound(env, {
      organizationId: org.organizationId,
      channelId: org.channelId,
      externalContactId: 'wa-customer',
      content: 'Hi',
    });
    const reply = await postOutbound(env, {
      organizationId: org.organizationId,
      conversationId: conversation.id,
      senderType: 'AGENT',
      content: 'Hello!',
    });
    const ref = { id: conversation.id, organizationId: org.organizationId };
    const stub = conversationActor(env, conversation.id);
    await stub.recordDelivery(ref, reply.id, 'SENT', null, { providerMessageId: 'wamid.42' });
    const receipt = (status: 'DELIVERED' | 'READ' | 'FAILED', detail?: string) =>
      receiveStatus(env, { organizationId: org.organizationId, externalMessageId: 'wamid.42', status, detail });
    const stateInD1 = async () =>
      (await env.DB.prepare('SELECT delivery_status FROM messages WHERE id = ?').bind(reply.id).first())
        ?.delivery_status;

    expect(await receipt('READ')).toBe(true);
    expect(await stateInD1()).toBe('READ');
    expect(await receipt('DELIVERED')).toBe(true);
    expect(await receipt('FAILED', '131047 Re-engagement message')).toBe(true);
    expect(await stateInD1()).toBe('READ');
    // Another organisation cannot touch it, and an unknown id is reported as unknown.
    const other = await ownerWithWebsiteChat();
    expect(
      await receiveStatus(env, {
        organizationId: other.organizationId,
        externalMessageId: 'wamid.42',
        status: 'FAILED',
      }),
    ).toBe(false);
    expect(await stateInD1()).toBe('READ');
  });

  it('records a failure after SENT with its reason, visible in the thread', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await receiveInbound(env, {
      organizationId: org.organizationId,
      channelId: org.channelId,
      externalContactId: 'wa-2',
      content: 'Hi',
    });
    const reply = await postOutbound(env, {
      organizationId: org.organizationId,
      conversationId: conversation.id,
      senderType: 'AGENT',
      content: 'Hello!',
    });
    await conversationActor(env, conversation.id).recordDelivery(
      { id: conversation.id, organizationId: org.organizationId },
      reply.id,
      'SENT',
      null,
      { providerMessageId: 'wamid.43' },
    );
    await receiveStatus(env, {
      organizationId: org.organizationId,
      externalMessageId: 'wamid.43',
      status: 'FAILED',
      detail: '131047: more than 24 hours have passed',
    });
    const thread = await org.client.get(`/api/conversations/${conversation.id}/messages`);
    const sent = thread.body.data.items.find((m: { id: string }) => m.id === reply.id);
    expect(sent.deliveryStatus).toBe('FAILED');
    expect(sent.events.at(-1)).toMatchObject({ type: 'FAILED', detail: '131047: more than 24 hours have passed' });
  });
});

describe('the visitor socket guards', () => {
  it('refuses over the socket a file the visitor did not upload, storing nothing', async () => {
    const org = await ownerWithWebsiteChat();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`);
    await socket.next((f) => f.type === 'history');
    // An agent's file, in the same organisation, never sent to this visitor.
    const body = new FormData();
    body.set('file', new File(['internal price list'], 'prices.txt', { type: 'text/plain' }));
    const upload = await org.client.request('POST', '/api/media/upload', body);
    expect(upload.status).toBe(201);
    const mediaId: string = upload.body.data.id;
    socket.send({ type: 'message', clientMessageId: 'steal', content: 'look', attachments: [mediaId] });
    const error = await socket.next((f) => f.type === 'error' && f.clientMessageId === 'steal');
    expect(error.message).toBe(`Unknown attachment: ${mediaId}`);
    expect((await org.client.get('/api/conversations')).body.data.total).toBe(0);
    socket.ws.close();
  });

  it('limits messages per visitor over the socket like over HTTP', async () => {
    const org = await ownerWithWebsiteChat();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`);
    await socket.next((f) => f.type === 'history');
    for (let i = 0; i < 25; i++) socket.send({ type: 'message', clientMessageId: `m${i}`, content: `message ${i}` });
    const refused = await socket.next((f) => f.type === 'error' && /Too many messages/.test(f.message));
    expect(refused.clientMessageId).toMatch(/^m\d+$/);
    socket.ws.close();
  });
});

describe('files shown to the visitor over the socket', () => {
  it('carry short-lived signed links, never the visitor id', async () => {
    const org = await ownerWithWebsiteChat();
    const visitorId = visitor();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitorId}`);
    await socket.next((f) => f.type === 'history');
    socket.send({ type: 'message', clientMessageId: 'q', content: 'Can I see the invoice?' });
    await socket.next((f) => f.type === 'ack');
    const conversationId: string = (await firstInInbox(org)).id;
    const body = new FormData();
    body.set('file', new File(['Invoice 1234'], 'invoice.txt', { type: 'text/plain' }));
    const upload = await org.client.request('POST', '/api/media/upload', body);
    await org.client.post(`/api/conversations/${conversationId}/messages`, {
      conversationId,
      content: 'Here it is',
      attachments: [upload.body.data.id],
    });
    const frame = await socket.next((f) => f.type === 'message' && f.message.content === 'Here it is');
    const url: string = frame.message.attachments[0].url;
    expect(url).toMatch(new RegExp(`^/api/widget/media/${upload.body.data.id}\\?channel=[^&]+&expires=\\d+&sig=`));
    expect(url).not.toContain(visitorId);
    const file = await exports.default.fetch(new Request(`${ORIGIN}${url}`, { headers: { origin: ORIGIN } }));
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('Invoice 1234');
    socket.ws.close();
  });
});

describe('resolving a conversation', () => {
  it('tells the visitor at once, so the widget shows the divider and the rating', async () => {
    const org = await ownerWithWebsiteChat();
    const socket = await connect(`/api/widget/${org.channelId}/ws?visitorId=${visitor()}`);
    await socket.next((f) => f.type === 'history');
    socket.send({ type: 'message', clientMessageId: 'q', content: 'Thanks, that is all' });
    await socket.next((f) => f.type === 'ack');
    const conversationId: string = (await firstInInbox(org)).id;
    expect(socket.frames.some((f) => f.type === 'resolved')).toBe(false);
    await org.client.patch(`/api/conversations/${conversationId}`, { status: 'CLOSED' });
    expect(await socket.next((f) => f.type === 'resolved')).toEqual({ type: 'resolved', conversationId });
    socket.ws.close();
  });
});
