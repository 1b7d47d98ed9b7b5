import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { addMember, Client, ownerWithWebsiteChat } from '../../../test/client';
import { createDb } from '../../db/client';
import { contacts, conversationRatings } from '../../db/schema';
import { channelIdentitySecret, identityHash, verifiedVisitorId } from './identity';

const widget = new Client();
const visitor = () => `visitor_${crypto.randomUUID()}`;

async function say(channelId: string, visitorId: string, content: string) {
  const res = await widget.post('/api/widget/message', {
    channelId,
    visitorId,
    content,
    clientMessageId: crypto.randomUUID(),
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body.data as { conversationId: string };
}

async function reply(client: Client, conversationId: string, content: string, extra: Record<string, unknown> = {}) {
  const res = await client.post(`/api/conversations/${conversationId}/messages`, { conversationId, content, ...extra });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
}

const history = (channelId: string, visitorId: string) =>
  widget.get(`/api/widget/${channelId}/history?visitorId=${visitorId}`);

describe('the visitor history across conversations', () => {
  it('shows every conversation in order after the first is resolved, with the answer and without notes', async () => {
    const org = await ownerWithWebsiteChat();
    const me = visitor();
    const first = await say(org.channelId, me, 'Where is my order?');
    await reply(org.client, first.conversationId, 'It ships today.');
    await reply(org.client, first.conversationId, 'Internal: check the warehouse', { isNote: true });
    await org.client.patch(`/api/conversations/${first.conversationId}`, { status: 'CLOSED' });
    const second = await say(org.channelId, me, 'One more question');
    expect(second.conversationId).not.toBe(first.conversationId);

    const res = await history(org.channelId, me);
    expect(res.status).toBe(200);
    const conversations = res.body.data.conversations as {
      id: string;
      resolved: boolean;
      messages: { content: string; senderName: string | null; direction: string }[];
    }[];
    expect(conversations.map((c) => [c.id, c.resolved])).toEqual([
      [first.conversationId, true],
      [second.conversationId, false],
    ]);
    expect(conversations[0]!.messages.map((m) => m.content)).toEqual(['Where is my order?', 'It ships today.']);
    expect(conversations[0]!.messages[1]!.senderName).toBe('Olivia Owner');
    expect(conversations[1]!.messages.map((m) => m.content)).toEqual(['One more question']);
  });

  it("never shows one visitor another visitor's history, and an unknown visitor has none", async () => {
    const org = await ownerWithWebsiteChat();
    await say(org.channelId, visitor(), 'My secret order');
    const res = await history(org.channelId, visitor());
    expect(res.body.data.conversations).toEqual([]);
    const bad = await widget.get(`/api/widget/${org.channelId}/history?visitorId=alice`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.visitorId).toEqual(['visitorId must look like visitor_<uuid>']);
  });
});

describe('rating a resolved conversation', () => {
  it('stores the rating for the agent; an open or foreign conversation cannot be rated', async () => {
    const org = await ownerWithWebsiteChat();
    const me = visitor();
    const { conversationId } = await say(org.channelId, me, 'Help');
    const url = `/api/widget/${org.channelId}/conversations/${conversationId}/rating`;
    const early = await widget.post(url, { visitorId: me, rating: 'GOOD' });
    expect(early.status).toBe(409);
    await org.client.patch(`/api/conversations/${conversationId}`, { status: 'CLOSED' });
    const stranger = await widget.post(url, { visitorId: visitor(), rating: 'BAD' });
    expect(stranger.status).toBe(404);
    const invalid = await widget.post(url, { visitorId: me, rating: 'MEH' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields.rating).toEqual(['Rating must be GOOD or BAD']);
    const db = createDb(env.DB);
    expect(await db.select().from(conversationRatings)).toHaveLength(0);

    const rated = await widget.post(url, { visitorId: me, rating: 'BAD', comment: '  Too slow  ' });
    expect(rated.status).toBe(200);
    const agentView = await org.client.get(`/api/conversations/${conversationId}/rating`);
    expect(agentView.body.data).toMatchObject({ rating: 'BAD', comment: 'Too slow' });
    const shown = await history(org.channelId, me);
    expect(shown.body.data.conversations[0].rating).toEqual({ rating: 'BAD', comment: 'Too slow' });
  });
});

describe('ChatWidget.identify', () => {
  it("an unproven identify cannot attach to another visitor's contact or read their conversations", async () => {
    const org = await ownerWithWebsiteChat();
    const alice = visitor();
    await widget.post(`/api/widget/${org.channelId}/identify`, { visitorId: alice, email: 'alice@example.test' });
    await say(org.channelId, alice, 'Alice private question');

    const mallory = visitor();
    // The same email without a proof stays on Mallory's own contact.
    const claim = await widget.post(`/api/widget/${org.channelId}/identify`, {
      visitorId: mallory,
      email: 'alice@example.test',
    });
    expect(claim.status).toBe(200);
    expect(claim.body.data).toMatchObject({ visitorId: mallory, verified: false });
    const mine = (await history(org.channelId, mallory)).body.data;
    expect(mine.conversations).toEqual([]);
    // Mallory sees only what Mallory typed, on Mallory's own contact.
    expect(mine.visitor).toEqual({ name: null, email: 'alice@example.test' });

    // A user id with a wrong proof is refused and stores nothing.
    const forged = await widget.post(`/api/widget/${org.channelId}/identify`, {
      visitorId: mallory,
      userId: 'user-alice',
      userHash: 'a'.repeat(64),
      name: 'Forged',
    });
    expect(forged.status).toBe(400);
    expect(forged.body.error.fields.userHash).toEqual([
      'userHash is not the HMAC of this user id under the channel secret',
    ]);
    const db = createDb(env.DB);
    const rows = await db.select().from(contacts).where(eq(contacts.channelId, org.channelId));
    expect(rows.map((r) => [r.externalId, r.email, r.name]).sort()).toEqual(
      [
        [alice, 'alice@example.test', null],
        [mallory, 'alice@example.test', null],
      ].sort(),
    );
  });

  it('a proven user gets the same visitor id on every device, so their history follows them', async () => {
    const org = await ownerWithWebsiteChat();
    const secret = await channelIdentitySecret(env.SESSION_SECRET, org.channelId);
    const userHash = await identityHash(secret, 'user-42');
    const laptop = await widget.post(`/api/widget/${org.channelId}/identify`, {
      visitorId: visitor(),
      userId: 'user-42',
      userHash,
      email: 'u42@example.test',
    });
    expect(laptop.body.data.verified).toBe(true);
    const canonical = await verifiedVisitorId(env.SESSION_SECRET, org.channelId, 'user-42');
    expect(laptop.body.data.visitorId).toBe(canonical);
    await say(org.channelId, canonical, 'Asked on the laptop');
    const phone = await widget.post(`/api/widget/${org.channelId}/identify`, {
      visitorId: visitor(),
      userId: 'user-42',
      userHash: userHash.toUpperCase(),
    });
    expect(phone.body.data.visitorId).toBe(canonical);
    const seen = await history(org.channelId, phone.body.data.visitorId);
    expect(seen.body.data.conversations[0].messages[0].content).toBe('Asked on the laptop');
    // Another channel of the same organisation derives another id: a proof is per channel.
    expect(await verifiedVisitorId(env.SESSION_SECRET, `${org.channelId}x`, 'user-42')).not.toBe(canonical);
  });
});

describe('the channel identity secret', () => {
  it('is shown to admins only, and its HMAC of a user id is the proof identify accepts', async () => {
    const org = await ownerWithWebsiteChat();
    const res = await org.client.get(`/api/channels/${org.channelId}/identity-secret`);
    expect(res.status).toBe(200);
    expect(res.body.data.secret).toBe(await channelIdentitySecret(env.SESSION_SECRET, org.channelId));
    const agent = await addMember(org.client, 'AGENT');
    expect((await agent.client.get(`/api/channels/${org.channelId}/identity-secret`)).status).toBe(403);
    const stranger = await ownerWithWebsiteChat();
    expect((await stranger.client.get(`/api/channels/${org.channelId}/identity-secret`)).status).toBe(404);
    const ok = await widget.post(`/api/widget/${org.channelId}/identify`, {
      visitorId: visitor(),
      userId: 'u-7',
      userHash: await identityHash(res.body.data.secret, 'u-7'),
    });
    expect(ok.body.data.verified).toBe(true);
  });
});
