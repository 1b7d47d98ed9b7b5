import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { addMember, type Client, ownerWithWebsiteChat } from '../../test/client';
import { listQueries } from '../conversations/inbox-query';
import { receiveInbound } from '../conversations/pipeline';

async function inbound(
  org: { organizationId: string; channelId: string },
  from: string,
  content: string,
  extra: { name?: string; language?: string; id?: string } = {},
) {
  return receiveInbound(env, {
    organizationId: org.organizationId,
    channelId: org.channelId,
    externalContactId: from,
    externalMessageId: extra.id,
    content,
    contact: { name: extra.name ?? from, language: extra.language },
  });
}

async function reply(client: Client, conversationId: string, body: Record<string, unknown>) {
  return client.post(`/api/conversations/${conversationId}/messages`, { conversationId, ...body });
}

describe('GET /api/conversations', () => {
  it('lists the newest activity first with contact, channel and assignee, paged', async () => {
    const org = await ownerWithWebsiteChat();
    const first = await inbound(org, 'ann', 'Where is my parcel?');
    const second = await inbound(org, 'bob', 'Refund please');
    const res = await org.client.get('/api/conversations');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ page: 1, pageSize: 20, total: 2, totalPages: 1 });
    const [top, next] = res.body.data.items;
    expect(top.id).toBe(second.conversation.id);
    expect(next.id).toBe(first.conversation.id);
    expect(top).toMatchObject({
      status: 'OPEN',
      unreadCount: 1,
      messageCount: 1,
      lastMessagePreview: 'Refund please',
      contact: { name: 'bob', email: null },
      channel: { id: org.channelId, name: 'Website', type: 'WEBSITE_CHAT' },
      assignee: null,
    });
  });

  it('caps pageSize at 100 instead of refusing it, and refuses a page below 1', async () => {
    const org = await ownerWithWebsiteChat();
    const capped = await org.client.get('/api/conversations?pageSize=500');
    expect(capped.status).toBe(200);
    expect(capped.body.data.pageSize).toBe(100);
    const bad = await org.client.get('/api/conversations?page=0&status=SHOUTING');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    expect(Object.keys(bad.body.error.fields ?? {}).sort()).toEqual(['page', 'status']);
  });

  it('pages through results', async () => {
    const org = await ownerWithWebsiteChat();
    for (const name of ['a', 'b', 'c']) await inbound(org, name, `hello from ${name}`);
    const page2 = await org.client.get('/api/conversations?pageSize=2&page=2');
    expect(page2.body.data).toMatchObject({ page: 2, pageSize: 2, total: 3, totalPages: 2 });
    expect(page2.body.data.items).toHaveLength(1);
    expect(page2.body.data.items[0].contact.name).toBe('a');
  });

  it('combines filters: status, unread, assignee, unassigned, language, channel and channel type', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const email = await org.client.post('/api/channels', {
      type: 'EMAIL',
      name: 'Mail',
      credentials: { host: 'smtp.example.test', port: 587, username: 'u', password: 'p', from: 'help@example.test' },
    });
    expect(email.status).toBe(201);
    const de = await inbound(org, 'de-customer', 'Hallo, wo ist mein Paket?', { language: 'de' });
    const en = await inbound(org, 'en-customer', 'Hello there');
    const mail = await inbound({ ...org, channelId: email.body.data.id }, 'mail@example.test', 'By email');
    await org.client.patch(`/api/conversations/${de.conversation.id}`, { assignedToId: agent.member.userId });
    await org.client.post(`/api/conversations/${en.conversation.id}/read`);
    await org.client.patch(`/api/conversations/${mail.conversation.id}`, { status: 'PENDING' });

    const ids = async (query: string) =>
      (await org.client.get(`/api/conversations?${query}`)).body.data.items.map((c: { id: string }) => c.id).sort();
    expect(await ids(`assignedToId=${agent.member.userId}`)).toEqual([de.conversation.id]);
    expect(await ids('assignedToId=unassigned')).toEqual([en.conversation.id, mail.conversation.id].sort());
    expect(await ids('unread=true')).toEqual([de.conversation.id, mail.conversation.id].sort());
    expect(await ids('unread=true&status=OPEN')).toEqual([de.conversation.id]);
    expect(await ids('language=de&unread=true&assignedToId=unassigned')).toEqual([]);
    expect(await ids('language=DE')).toEqual([de.conversation.id]);
    expect(await ids('channelType=EMAIL')).toEqual([mail.conversation.id]);
    expect(await ids(`channelId=${org.channelId}&status=OPEN`)).toEqual(
      [de.conversation.id, en.conversation.id].sort(),
    );
  });

  it('searches message text and contact names (prefix words), only within the organisation', async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const parcel = await inbound(org, 'v1', 'My parcel never arrived', { name: 'Zoe Quinn' });
    await inbound(org, 'v2', 'Invoice question', { name: 'Max Power' });
    await inbound(other, 'v3', 'My parcel is late too', { name: 'Other Org' });
    const byText = await org.client.get('/api/conversations?search=parc');
    expect(byText.body.data.items.map((c: { id: string }) => c.id)).toEqual([parcel.conversation.id]);
    const byName = await org.client.get('/api/conversations?search=quinn');
    expect(byName.body.data.items.map((c: { id: string }) => c.id)).toEqual([parcel.conversation.id]);
    const none = await org.client.get('/api/conversations?search=%22%29%20OR%20*');
    expect(none.status).toBe(200);
    expect(none.body.data.total).toBe(0);
    // An agent's reply is searchable too.
    await reply(org.client, parcel.conversation.id, { content: 'Tracking number attached' });
    const byReply = await org.client.get('/api/conversations?search=tracking&status=OPEN');
    expect(byReply.body.data.total).toBe(1);
  });

  it("lists one contact's conversations newest first, combinable, and never another organisation's", async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const first = await inbound(org, 'ann', 'My first question');
    await org.client.patch(`/api/conversations/${first.conversation.id}`, { status: 'CLOSED' });
    const second = await inbound(org, 'ann', 'Back again');
    await inbound(org, 'bob', 'Someone else');
    await inbound(other, 'ann', 'Same visitor id, other organisation');
    const contactId = first.conversation.contactId;
    expect(second.conversation.contactId).toBe(contactId);

    const mine = await org.client.get(`/api/conversations?contactId=${contactId}`);
    expect(mine.status).toBe(200);
    expect(mine.body.data.total).toBe(2);
    expect(mine.body.data.items.map((c: { id: string }) => c.id)).toEqual([
      second.conversation.id,
      first.conversation.id,
    ]);
    const closed = await org.client.get(`/api/conversations?contactId=${contactId}&status=CLOSED`);
    expect(closed.body.data.items.map((c: { id: string }) => c.id)).toEqual([first.conversation.id]);

    const theirs = await other.client.get(`/api/conversations?contactId=${contactId}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.data).toMatchObject({ items: [], total: 0 });
  });

  it('finds a contact through the conversations_contact index, not by walking the organisation', async () => {
    for (const extra of [{}, { status: 'OPEN' as const }, { channelId: 'ch' }]) {
      const { items, count } = listQueries('org', { page: 1, pageSize: 20, contactId: 'ct', ...extra });
      for (const { sql, params } of [items, count]) {
        const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .bind(...params)
          .all<{ detail: string }>();
        const conversationsStep = results.map((r) => r.detail).find((d) => /\bc\b/.test(d));
        expect(conversationsStep).toMatch(/^SEARCH c USING INDEX conversations_contact \(contact_id=\?/);
      }
    }
  });
});

describe('POST /api/conversations', () => {
  it('lets an agent start a conversation with a first message (201); a viewer may not', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const viewer = await addMember(org.client, 'VIEWER');
    const body = {
      channelId: org.channelId,
      contact: { name: 'Pat', email: 'pat@example.test' },
      subject: 'Hi',
      content: 'Hello Pat',
    };
    expect((await viewer.client.post('/api/conversations', body)).status).toBe(403);
    const res = await agent.client.post('/api/conversations', body);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      subject: 'Hi',
      messageCount: 1,
      contact: { name: 'Pat', email: 'pat@example.test' },
    });
    const messages = await agent.client.get(`/api/conversations/${res.body.data.id}/messages`);
    expect(messages.body.data.items[0]).toMatchObject({
      direction: 'OUTBOUND',
      senderType: 'AGENT',
      content: 'Hello Pat',
    });
  });

  it("refuses bad input with field errors and another organisation's channel with 404", async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const bad = await org.client.post('/api/conversations', { contact: {} });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields ?? {}).sort()).toEqual(['channelId', 'contact']);
    const foreign = await org.client.post('/api/conversations', { channelId: other.channelId, contact: { name: 'X' } });
    expect(foreign.status).toBe(404);
    expect((await org.client.get('/api/conversations')).body.data.total).toBe(0);
  });
});

describe('one conversation', () => {
  it('reads, updates with status rules, and deletes; viewers only read', async () => {
    const org = await ownerWithWebsiteChat();
    const viewer = await addMember(org.client, 'VIEWER');
    const { conversation } = await inbound(org, 'v', 'Help');
    const url = `/api/conversations/${conversation.id}`;
    expect((await viewer.client.get(url)).body.data.contact.name).toBe('v');
    expect((await viewer.client.patch(url, { status: 'CLOSED' })).status).toBe(403);
    expect((await viewer.client.delete(url)).status).toBe(403);

    const closed = await org.client.patch(url, { status: 'CLOSED', priority: 'HIGH', notes: 'VIP' });
    expect(closed.status).toBe(200);
    expect(closed.body.data).toMatchObject({ status: 'CLOSED', priority: 'HIGH', notes: 'VIP' });
    expect(closed.body.data.closedAt).toEqual(expect.any(String));
    const reopened = await org.client.patch(url, { status: 'OPEN' });
    expect(reopened.body.data.closedAt).toBeNull();

    const deleted = await org.client.delete(url);
    expect(deleted.status).toBe(200);
    expect((await org.client.get(url)).status).toBe(404);
  });

  it('validates updates: nothing to update, unknown values, assignee outside the organisation', async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const { conversation } = await inbound(org, 'v', 'Help');
    const url = `/api/conversations/${conversation.id}`;
    expect((await org.client.patch(url, {})).status).toBe(400);
    const badEnum = await org.client.patch(url, { status: 'DONE', priority: 'MEH' });
    expect(Object.keys(badEnum.body.error.fields ?? {}).sort()).toEqual(['priority', 'status']);
    const stranger = await org.client.patch(url, { assignedToId: other.user.id });
    expect(stranger.status).toBe(400);
    expect(stranger.body.error.fields?.assignedToId).toBeDefined();
    const assigned = await org.client.patch(url, { assignedToId: org.user.id });
    expect(assigned.body.data.assignee).toMatchObject({ id: org.user.id });
    const unassigned = await org.client.patch(url, { assignedToId: null });
    expect(unassigned.body.data.assignee).toBeNull();
  });

  it("answers 404 for another organisation's conversation on every route", async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const { conversation } = await inbound(other, 'v', 'Secret');
    const url = `/api/conversations/${conversation.id}`;
    const attempts = await Promise.all([
      org.client.get(url),
      org.client.patch(url, { status: 'CLOSED' }),
      org.client.delete(url),
      org.client.post(`${url}/read`),
      org.client.post(`${url}/unread`),
      org.client.get(`${url}/messages`),
      reply(org.client, conversation.id, { content: 'hi' }),
    ]);
    expect(attempts.map((r) => r.status)).toEqual([404, 404, 404, 404, 404, 404, 404]);
    expect((await other.client.get(url)).body.data).toMatchObject({ status: 'OPEN', messageCount: 1, unreadCount: 1 });
  });

  it('marks read and unread, one by one and in bulk (skipping other organisations)', async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const viewer = await addMember(org.client, 'VIEWER');
    const a = await inbound(org, 'a', 'one');
    const b = await inbound(org, 'b', 'two');
    const c = await inbound(other, 'c', 'three');
    const read = await viewer.client.post(`/api/conversations/${a.conversation.id}/read`);
    expect(read.body.data.unreadCount).toBe(0);
    const unread = await viewer.client.post(`/api/conversations/${a.conversation.id}/unread`);
    expect(unread.body.data.unreadCount).toBe(1);
    const some = await org.client.post('/api/conversations/bulk-read', {
      conversationIds: [a.conversation.id, c.conversation.id],
    });
    expect(some.body.data.updated).toBe(1);
    expect((await other.client.get(`/api/conversations/${c.conversation.id}`)).body.data.unreadCount).toBe(1);
    const all = await org.client.post('/api/conversations/bulk-read', {});
    expect(all.body.data.updated).toBe(1);
    expect((await org.client.get('/api/conversations?unread=true')).body.data.total).toBe(0);
    expect((await org.client.get(`/api/conversations/${b.conversation.id}`)).body.data.unreadCount).toBe(0);
    const bad = await org.client.post('/api/conversations/bulk-read', { conversationIds: 'all' });
    expect(bad.status).toBe(400);
  });
});

describe('messages of a conversation', () => {
  it('lists messages oldest first with sender, events and paging', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await inbound(org, 'v', 'first');
    await reply(org.client, conversation.id, { content: 'second' });
    await inbound(org, 'v', 'third');
    const res = await org.client.get(`/api/conversations/${conversation.id}/messages?pageSize=2`);
    expect(res.body.data).toMatchObject({ total: 3, totalPages: 2, pageSize: 2 });
    const [first, second] = res.body.data.items;
    expect(first).toMatchObject({
      content: 'first',
      direction: 'INBOUND',
      senderType: 'CONTACT',
      sender: { name: 'v' },
    });
    expect(second).toMatchObject({
      content: 'second',
      direction: 'OUTBOUND',
      senderType: 'AGENT',
      isNote: false,
      sender: { id: org.user.id, name: 'Olivia Owner' },
      approvalStatus: 'NONE',
      deliveryStatus: 'DELIVERED',
      events: [{ type: 'DELIVERED', createdAt: expect.any(String) }],
    });
    const page2 = await org.client.get(`/api/conversations/${conversation.id}/messages?pageSize=2&page=2`);
    expect(page2.body.data.items.map((m: { content: string }) => m.content)).toEqual(['third']);
  });

  it("describes the files on a conversation's replies and notes, only for members of its organisation", async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const viewer = await addMember(org.client, 'VIEWER');
    const { conversation } = await inbound(org, 'v', 'Can you send the invoice?');
    const upload = async (file: File) => {
      const form = new FormData();
      form.set('file', file);
      form.set('conversationId', conversation.id);
      const res = await org.client.request('POST', '/api/media/upload', form);
      expect(res.status).toBe(201);
      return res.body.data.id as string;
    };
    const invoice = await upload(new File(['%PDF-1.4'], 'invoice.pdf', { type: 'application/pdf' }));
    const photo = await upload(
      new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'photo.png', { type: 'image/png' }),
    );
    const unsent = await upload(new File(['draft'], 'unsent.txt', { type: 'text/plain' }));
    expect((await reply(org.client, conversation.id, { content: 'Here it is', attachments: [invoice] })).status).toBe(
      201,
    );
    await reply(org.client, conversation.id, { content: 'Photo for the team', attachments: [photo], isNote: true });

    const listed = await viewer.client.get(`/api/conversations/${conversation.id}/attachments`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ id: invoice, fileName: 'invoice.pdf', contentType: 'application/pdf', size: 8 }),
      expect.objectContaining({
        id: photo,
        fileName: 'photo.png',
        contentType: 'image/png',
        url: `/api/media/${photo}/file`,
      }),
    ]);
    expect(listed.body.data.map((m: { id: string }) => m.id)).not.toContain(unsent);
    expect((await other.client.get(`/api/conversations/${conversation.id}/attachments`)).status).toBe(404);
  });

  it('sends a reply (201) that costs one token; notes are free and never delivered', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await inbound(org, 'v', 'hello');
    const before = (await org.client.get('/api/auth/me')).body.data.organization.tokenBalance;
    const sent = await reply(org.client, conversation.id, { content: 'Hi!' });
    expect(sent.status).toBe(201);
    expect(sent.body.data).toMatchObject({ direction: 'OUTBOUND', content: 'Hi!', deliveryStatus: 'DELIVERED' });
    const note = await reply(org.client, conversation.id, { content: 'Customer is a VIP', isNote: true });
    expect(note.status).toBe(201);
    expect(note.body.data).toMatchObject({ isNote: true, deliveryStatus: 'NOT_SENT', events: [] });
    const after = (await org.client.get('/api/auth/me')).body.data.organization.tokenBalance;
    expect(before - after).toBe(1);
  });

  it('refuses a body whose conversationId differs from the URL, and other bad input, creating nothing', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await inbound(org, 'v', 'hello');
    const mismatch = await org.client.post(`/api/conversations/${conversation.id}/messages`, {
      conversationId: 'someone-else',
      content: 'x',
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.code).toBe('VALIDATION_ERROR');
    expect(mismatch.body.error.fields?.conversationId).toBeDefined();
    const empty = await reply(org.client, conversation.id, { content: '  ' });
    expect(empty.body.error.fields?.content).toBeDefined();
    const unknownMedia = await reply(org.client, conversation.id, { content: 'see file', attachments: ['nope'] });
    expect(unknownMedia.status).toBe(400);
    expect((await org.client.get(`/api/conversations/${conversation.id}/messages`)).body.data.total).toBe(1);
  });

  it('lets agents reply but not viewers', async () => {
    const org = await ownerWithWebsiteChat();
    const agent = await addMember(org.client, 'AGENT');
    const viewer = await addMember(org.client, 'VIEWER');
    const { conversation } = await inbound(org, 'v', 'hello');
    expect((await reply(viewer.client, conversation.id, { content: 'no' })).status).toBe(403);
    expect((await reply(agent.client, conversation.id, { content: 'yes' })).status).toBe(201);
  });

  it('returns 402 INSUFFICIENT_TOKENS and creates nothing when the organisation has no tokens', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await inbound(org, 'v', 'hello');
    await env.DB.prepare('UPDATE organizations SET token_balance = 0 WHERE id = ?').bind(org.organizationId).run();
    const res = await reply(org.client, conversation.id, { content: 'Hi' });
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('INSUFFICIENT_TOKENS');
    expect((await org.client.get(`/api/conversations/${conversation.id}/messages`)).body.data.total).toBe(1);
    // Notes cost nothing, so they still work.
    expect((await reply(org.client, conversation.id, { content: 'note', isNote: true })).status).toBe(201);
  });

  it('charges nothing for a reply it refuses: an unknown attachment is a 400 and the balance is unchanged', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await inbound(org, 'v', 'hello');
    const balance = async () => (await org.client.get('/api/auth/me')).body.data.organization.tokenBalance;
    const before = await balance();
    const res = await reply(org.client, conversation.id, {
      content: 'Here is the file',
      attachments: ['no-such-file'],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.attachments).toEqual(['Unknown attachment: no-such-file']);
    expect(await balance()).toBe(before);
    expect((await org.client.get(`/api/conversations/${conversation.id}/messages`)).body.data.total).toBe(1);
  });

  it("accepts attachments by the storage path the upload returned, and only the organisation's own", async () => {
    const org = await ownerWithWebsiteChat();
    const other = await ownerWithWebsiteChat();
    const { conversation } = await inbound(org, 'v', 'hello');
    const uploadAs = async (client: typeof org.client) => {
      const body = new FormData();
      body.set('file', new File(['Invoice 1234'], 'invoice.txt', { type: 'text/plain' }));
      return (await client.request('POST', '/api/media/upload', body)).body.data;
    };
    const mine = await uploadAs(org.client);
    expect(mine.path).toBe(`org/${org.organizationId}/${mine.id}/invoice.txt`);
    const sent = await reply(org.client, conversation.id, { content: 'Your invoice', attachments: [mine.path] });
    expect(sent.status).toBe(201);
    expect(sent.body.data.attachments).toEqual([mine.id]);

    const theirs = await uploadAs(other.client);
    const refused = await reply(org.client, conversation.id, { content: 'Not mine', attachments: [theirs.path] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields.attachments).toEqual([`Unknown attachment: ${theirs.path}`]);
  });

  it('dedupes a retried send with the same clientMessageId: one message, one token', async () => {
    const org = await ownerWithWebsiteChat();
    const { conversation } = await inbound(org, 'v', 'hello');
    const before = (await org.client.get('/api/auth/me')).body.data.organization.tokenBalance;
    const body = { content: 'Only once', clientMessageId: 'client-1' };
    const [a, b] = await Promise.all([
      reply(org.client, conversation.id, body),
      reply(org.client, conversation.id, body),
    ]);
    const c = await reply(org.client, conversation.id, body);
    expect(new Set([a.body.data.id, b.body.data.id, c.body.data.id]).size).toBe(1);
    expect(c.status).toBe(200);
    const list = await org.client.get(`/api/conversations/${conversation.id}/messages`);
    expect(list.body.data.items.filter((m: { content: string }) => m.content === 'Only once')).toHaveLength(1);
    const after = (await org.client.get('/api/auth/me')).body.data.organization.tokenBalance;
    expect(before - after).toBe(1);
  });
});

describe('approval of replies', () => {
  it('holds a reply to a customer writing another language, and approving a newer draft rejects older ones', async () => {
    const org = await ownerWithWebsiteChat({ autoTranslate: true, defaultLanguage: 'en' });
    const { conversation } = await inbound(org, 'v', 'Hola', { language: 'es' });
    const older = await reply(org.client, conversation.id, { content: 'First try' });
    const newer = await reply(org.client, conversation.id, { content: 'Second try' });
    expect(older.body.data).toMatchObject({ approvalStatus: 'PENDING', deliveryStatus: 'NOT_SENT' });
    const approved = await org.client.post(`/api/messages/${newer.body.data.id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ approvalStatus: 'APPROVED', deliveryStatus: 'DELIVERED' });
    const list = await org.client.get(`/api/conversations/${conversation.id}/messages`);
    const byId = Object.fromEntries(list.body.data.items.map((m: { id: string }) => [m.id, m]));
    expect(byId[older.body.data.id]).toMatchObject({ approvalStatus: 'REJECTED', deliveryStatus: 'NOT_SENT' });
    // A decided message cannot be approved again.
    expect((await org.client.post(`/api/messages/${older.body.data.id}/approve`)).status).toBe(400);
  });

  it('rejects a draft, sends the original instead of the translation, and guards roles and organisations', async () => {
    const org = await ownerWithWebsiteChat({ autoTranslate: true, defaultLanguage: 'en' });
    const other = await ownerWithWebsiteChat();
    const viewer = await addMember(org.client, 'VIEWER');
    const { conversation } = await inbound(org, 'v', 'Bonjour', { language: 'fr' });
    const draft = await reply(org.client, conversation.id, { content: 'Hello in English' });
    expect((await viewer.client.post(`/api/messages/${draft.body.data.id}/reject`)).status).toBe(403);
    expect((await other.client.post(`/api/messages/${draft.body.data.id}/approve`)).status).toBe(404);
    const rejected = await org.client.post(`/api/messages/${draft.body.data.id}/reject`);
    expect(rejected.body.data).toMatchObject({ approvalStatus: 'REJECTED', deliveryStatus: 'NOT_SENT' });

    const translated = await reply(org.client, conversation.id, { content: 'Thanks!' });
    const actor = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(conversation.id));
    await (actor as any).patchMessage(
      { id: conversation.id, organizationId: org.organizationId },
      translated.body.data.id,
      { content: 'Merci !', translatedContent: 'Merci !', translatedLanguage: 'fr' },
    );
    const original = await org.client.post(`/api/messages/${translated.body.data.id}/send-original`);
    expect(original.body.data).toMatchObject({
      approvalStatus: 'APPROVED',
      content: 'Thanks!',
      deliveryStatus: 'DELIVERED',
    });
  });
});
