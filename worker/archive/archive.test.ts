import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Client, ownerWithWebsiteChat } from '../../test/client';
import { receiveInbound } from '../conversations/pipeline';
import { conversationActor } from '../conversations/refs';
import { archiveClosedConversations, archiveConfig } from './archive';
import { checkDatabaseSize } from './capacity';
import { archiveKey, parseArchive, serializeArchive } from './store';
import { archiveSearchTerms } from './terms';

const DAY = 24 * 60 * 60 * 1000;
const config = { afterDays: 30, batchSize: 50 };

afterEach(() => vi.restoreAllMocks());

/** An organisation with a website chat where three visitors wrote one message each; the last one's conversation. */
async function conversationWithHistory(word = 'zebracorn') {
  const owner = await ownerWithWebsiteChat();
  const { organizationId, channelId } = owner;
  let conversationId = '';
  for (const content of [`My ${word} parcel is late`, 'Order 1234', 'Are you there?']) {
    const { conversation } = await receiveInbound(env, {
      organizationId,
      channelId,
      externalContactId: `visitor-${crypto.randomUUID()}`.slice(0, 20).replace(/-$/, '') + organizationId.slice(0, 4),
      content,
      contact: { name: 'Greta Visitor' },
    });
    conversationId = conversation.id;
  }
  return { owner, organizationId, channelId, conversationId };
}

/** One visitor's conversation: three messages from the visitor, an agent reply and a note. */
async function oneVisitorConversation(word = 'zebracorn') {
  const owner = await ownerWithWebsiteChat();
  const { organizationId, channelId } = owner;
  const visitor = `visitor-${crypto.randomUUID()}`;
  let conversationId = '';
  for (const content of [`My ${word} parcel is late`, 'Order 1234', 'Are you there?']) {
    const { conversation } = await receiveInbound(env, {
      organizationId,
      channelId,
      externalContactId: visitor,
      content,
      contact: { name: 'Greta Visitor' },
    });
    conversationId = conversation.id;
  }
  const reply = await owner.client.post(`/api/conversations/${conversationId}/messages`, {
    conversationId,
    content: 'It ships today',
  });
  expect(reply.status).toBe(201);
  const note = await owner.client.post(`/api/conversations/${conversationId}/messages`, {
    conversationId,
    content: 'Checked the warehouse',
    isNote: true,
  });
  expect(note.status).toBe(201);
  return { owner, organizationId, channelId, conversationId };
}

async function close(client: Client, conversationId: string, status: 'CLOSED' | 'ARCHIVED' | 'OPEN' = 'CLOSED') {
  const res = await client.patch(`/api/conversations/${conversationId}`, { status });
  expect(res.status).toBe(200);
}

async function d1Messages(conversationId: string): Promise<number> {
  const row = await env.DB.prepare('SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?')
    .bind(conversationId)
    .first<{ n: number }>();
  return Number(row?.n);
}

async function messagesPage(client: Client, conversationId: string, query = 'pageSize=50') {
  const res = await client.get(`/api/conversations/${conversationId}/messages?${query}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('archiving closed conversations to R2', () => {
  it('moves the messages of a conversation closed 30 days out of D1; the conversation view pages them unchanged', async () => {
    const { owner, organizationId, conversationId } = await oneVisitorConversation();
    await close(owner.client, conversationId);
    const before = await messagesPage(owner.client, conversationId);
    expect(before.total).toBe(5);
    const secondPageBefore = await messagesPage(owner.client, conversationId, 'page=2&pageSize=2');

    // 29 days after closing: too early.
    expect((await archiveClosedConversations(env, Date.now() + 29 * DAY, config)).archived).toBe(0);
    expect(await d1Messages(conversationId)).toBe(5);

    const run = await archiveClosedConversations(env, Date.now() + 31 * DAY, config);
    expect(run).toMatchObject({ archived: 1, messages: 5 });
    expect(await d1Messages(conversationId)).toBe(0);
    const object = await env.MEDIA.get(archiveKey(organizationId, conversationId));
    const lines = parseArchive(await object!.text());
    expect(lines.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(lines[0]!.content).toBe('My zebracorn parcel is late');
    const archived = await env.DB.prepare(
      'SELECT message_count, last_seq FROM conversation_archives WHERE conversation_id = ?',
    )
      .bind(conversationId)
      .first();
    expect(archived).toEqual({ message_count: 5, last_seq: 5 });

    // Same answer as from D1: items (with sender names and delivery events), totals and paging.
    expect(await messagesPage(owner.client, conversationId)).toEqual(before);
    expect(await messagesPage(owner.client, conversationId, 'page=2&pageSize=2')).toEqual(secondPageBefore);
    expect(before.items.find((m: { senderType: string }) => m.senderType === 'AGENT').sender.name).toBe('Olivia Owner');

    // Nothing left to do: a second run archives nothing and rewrites nothing.
    const etag = object!.etag;
    expect((await archiveClosedConversations(env, Date.now() + 32 * DAY, config)).archived).toBe(0);
    expect((await env.MEDIA.head(archiveKey(organizationId, conversationId)))!.etag).toBe(etag);
  });

  it('keeps an archived conversation searchable by a word of its messages, within its organisation only', async () => {
    const { owner, conversationId } = await oneVisitorConversation('quokkamarine');
    const other = await oneVisitorConversation('quokkamarine');
    await close(owner.client, conversationId);
    await archiveClosedConversations(env, Date.now() + 31 * DAY, config);
    expect(await d1Messages(conversationId)).toBe(0);

    const found = await owner.client.get('/api/conversations?search=quokkamar');
    expect(found.body.data.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    const warehouse = await owner.client.get('/api/conversations?search=warehouse%20parcel');
    expect(warehouse.body.data.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    const missing = await owner.client.get('/api/conversations?search=platypus');
    expect(missing.body.data.total).toBe(0);
    // The other organisation's conversation is still live and found by its own owner, not by this one.
    expect((await other.owner.client.get('/api/conversations?search=quokkamar')).body.data.items[0].id).toBe(
      other.conversationId,
    );
  });

  it('reopened: new messages follow the archived ones; a message updated after archiving shows once, newest copy; closing again re-archives the merge', async () => {
    const { owner, organizationId, channelId, conversationId } = await oneVisitorConversation();
    await close(owner.client, conversationId);
    const closedAt = Date.now();
    await archiveClosedConversations(env, closedAt + 31 * DAY, config);
    expect(await d1Messages(conversationId)).toBe(0);
    const archived = await messagesPage(owner.client, conversationId);
    const agentReply = archived.items.find((m: { senderType: string }) => m.senderType === 'AGENT');

    // The actor still has the whole log: a late receipt for an archived message updates it (D1 gets the row again).
    const ref = { id: conversationId, organizationId };
    const updated = await conversationActor(env, conversationId).recordDelivery(ref, agentReply.id, 'READ');
    expect(updated?.deliveryStatus).toBe('READ');
    expect(await d1Messages(conversationId)).toBe(1);

    await close(owner.client, conversationId, 'OPEN');
    const visitor = await env.DB.prepare(
      'SELECT external_id FROM contacts c JOIN conversations v ON v.contact_id = c.id WHERE v.id = ?',
    )
      .bind(conversationId)
      .first<{ external_id: string }>();
    const again = await receiveInbound(env, {
      organizationId,
      channelId,
      externalContactId: visitor!.external_id,
      content: 'One more question',
    });
    expect(again.conversation.id).toBe(conversationId);

    const reopened = await messagesPage(owner.client, conversationId);
    expect(reopened.total).toBe(6);
    expect(reopened.items.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reopened.items.filter((m: { id: string }) => m.id === agentReply.id)).toHaveLength(1);
    const reply = reopened.items.find((m: { id: string }) => m.id === agentReply.id);
    expect(reply.deliveryStatus).toBe('READ');
    expect(reply.events.map((e: { type: string }) => e.type)).toEqual(['DELIVERED', 'READ']);
    expect(reopened.items[5].content).toBe('One more question');
    // Paging crosses from the archive into D1.
    const page2 = await messagesPage(owner.client, conversationId, 'page=2&pageSize=4');
    expect(page2.items.map((m: { seq: number }) => m.seq)).toEqual([5, 6]);
    expect(page2.total).toBe(6);

    await close(owner.client, conversationId);
    const run = await archiveClosedConversations(env, Date.now() + 31 * DAY, config);
    expect(run.archived).toBe(1);
    expect(await d1Messages(conversationId)).toBe(0);
    const lines = parseArchive(await (await env.MEDIA.get(archiveKey(organizationId, conversationId)))!.text());
    expect(lines.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines.find((m) => m.id === agentReply.id)!.delivery_status).toBe('READ');
    expect(await messagesPage(owner.client, conversationId)).toEqual(reopened);
  });

  it('resumes after a crash between the R2 write and the D1 delete: the stale object is merged, not duplicated', async () => {
    const { owner, organizationId, conversationId } = await oneVisitorConversation();
    await close(owner.client, conversationId);
    const before = await messagesPage(owner.client, conversationId);
    // What a run that died after writing the object (with an older copy of message 1) leaves behind.
    const rows = await env.DB.prepare('SELECT * FROM messages WHERE conversation_id = ? AND seq = 1')
      .bind(conversationId)
      .all<Record<string, string | number | null>>();
    const stale = { ...rows.results[0]!, content: 'stale copy', updated_at: 1 } as never;
    await env.MEDIA.put(
      archiveKey(organizationId, conversationId),
      serializeArchive([{ ...(stale as object), events: [] } as never]),
    );
    await archiveClosedConversations(env, Date.now() + 31 * DAY, config);
    expect(await d1Messages(conversationId)).toBe(0);
    const after = await messagesPage(owner.client, conversationId);
    expect(after).toEqual(before);
  });

  it('keeps in D1 a message the actor changed while the archive object was being written', async () => {
    const { owner, organizationId, conversationId } = await oneVisitorConversation();
    await close(owner.client, conversationId);
    const before = await messagesPage(owner.client, conversationId);
    const agentReply = before.items.find((m: { senderType: string }) => m.senderType === 'AGENT');
    const ref = { id: conversationId, organizationId };
    // The receipt lands after the rows were read and before they are deleted.
    const racing = {
      ...env,
      MEDIA: {
        get: (key: string) => env.MEDIA.get(key),
        put: async (key: string, body: string, options: R2PutOptions) => {
          await conversationActor(env, conversationId).recordDelivery(ref, agentReply.id, 'READ');
          return env.MEDIA.put(key, body, options);
        },
      } as unknown as R2Bucket,
    };
    const run = await archiveClosedConversations(racing, Date.now() + 31 * DAY, config);
    expect(run.archived).toBe(1);
    const left = await env.DB.prepare('SELECT id, delivery_status FROM messages WHERE conversation_id = ?')
      .bind(conversationId)
      .all();
    expect(left.results).toEqual([{ id: agentReply.id, delivery_status: 'READ' }]);
    const after = await messagesPage(owner.client, conversationId);
    expect(after.total).toBe(5);
    const reply = after.items.find((m: { id: string }) => m.id === agentReply.id);
    expect(reply.deliveryStatus).toBe('READ');
    expect(reply.events.map((e: { type: string }) => e.type)).toEqual(['DELIVERED', 'READ']);
  });

  it('archives at most the batch size per run and resumes where it stopped', async () => {
    const a = await oneVisitorConversation();
    await close(a.owner.client, a.conversationId);
    const b = await oneVisitorConversation();
    await close(b.owner.client, b.conversationId, 'ARCHIVED');
    const now = Date.now() + 31 * DAY;
    // Earlier tests' conversations are already archived; these two are the only ones with D1 rows.
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await archiveClosedConversations(env, now, { afterDays: 30, batchSize: 1 }));
    expect(runs.map((r) => r.archived)).toEqual([1, 1, 0, 0]);
    expect(await d1Messages(a.conversationId)).toBe(0);
    expect(await d1Messages(b.conversationId)).toBe(0);
  });

  it('leaves open conversations alone however old', async () => {
    const { conversationId } = await conversationWithHistory();
    expect((await archiveClosedConversations(env, Date.now() + 365 * DAY, config)).archived).toBe(0);
    expect(await d1Messages(conversationId)).toBe(1);
  });

  it('deleting an archived conversation deletes its archive object and search row', async () => {
    const { owner, organizationId, conversationId } = await oneVisitorConversation('wombatique');
    await close(owner.client, conversationId);
    await archiveClosedConversations(env, Date.now() + 31 * DAY, config);
    const res = await owner.client.delete(`/api/conversations/${conversationId}`);
    expect(res.status).toBe(200);
    expect(await env.MEDIA.head(archiveKey(organizationId, conversationId))).toBeNull();
    const fts = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM archived_conversations_fts WHERE archived_conversations_fts MATCH 'wombatique'",
    ).first<{ n: number }>();
    expect(fts?.n).toBe(0);
  });
});

describe('archive settings and search terms', () => {
  it('reads ARCHIVE_AFTER_DAYS and ARCHIVE_BATCH_SIZE, falling back to 30 days and 50 on bad values', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(archiveConfig({ ...env, ARCHIVE_AFTER_DAYS: '90', ARCHIVE_BATCH_SIZE: '10' })).toEqual({
      afterDays: 90,
      batchSize: 10,
    });
    expect(archiveConfig({ ...env, ARCHIVE_AFTER_DAYS: '0', ARCHIVE_BATCH_SIZE: 'lots' })).toEqual({
      afterDays: 30,
      batchSize: 50,
    });
  });

  it('keeps each distinct word once, lower-cased, within the size cap', () => {
    expect(archiveSearchTerms(['Parcel late, parcel LATE!', 'Größe foo_bar'])).toBe('parcel late größe foo_bar');
    expect(archiveSearchTerms(['alpha beta gamma'], 11)).toBe('alpha beta');
  });
});

describe('D1 size watch', () => {
  it('warns at 70 %, errors at 85 %, and does not repeat within the hour', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const probe = await checkDatabaseSize({ ...env, D1_CAPACITY_BYTES: '1000000000000' });
    expect(probe.level).toBe('ok');
    expect(probe.bytes).toBeGreaterThan(100_000);
    const size = probe.bytes;

    const now = Date.now();
    const at72 = await checkDatabaseSize({ ...env, D1_CAPACITY_BYTES: String(Math.round(size / 0.72)) }, now);
    expect(at72.level).toBe('warn');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/^\[capacity\] D1 holds .* \(72\.\d %\)/);
    await checkDatabaseSize({ ...env, D1_CAPACITY_BYTES: String(Math.round(size / 0.72)) }, now + 60_000);
    expect(warn).toHaveBeenCalledTimes(1);
    await checkDatabaseSize({ ...env, D1_CAPACITY_BYTES: String(Math.round(size / 0.72)) }, now + 61 * 60_000);
    expect(warn).toHaveBeenCalledTimes(2);

    const at90 = await checkDatabaseSize(
      { ...env, D1_CAPACITY_BYTES: String(Math.round(size / 0.9)) },
      now + 62 * 60_000,
    );
    expect(at90.level).toBe('critical');
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]![0])).toContain('writes fail at the cap');
  });
});
