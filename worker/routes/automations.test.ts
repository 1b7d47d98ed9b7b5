import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { addMember, signUpOwner } from '../../test/client';
import {
  commentBody,
  connectThroughOAuth,
  followCallback,
  ownerWithTikTok,
  postTikTokWebhook,
  settleComment,
  tiktokId,
  useFakeTikTok,
} from '../../test/tiktok';
import { createDb } from '../db/client';
import { refreshExpiringIntegrations } from '../integrations/tokens';

const fake = useFakeTikTok();

async function count(table: string, organizationId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE organization_id = ?`)
    .bind(organizationId)
    .first<{ n: number }>();
  return row!.n;
}

const trigger = (extra: Record<string, unknown> = {}) => ({
  name: 'Price',
  status: 'ACTIVE',
  match: { groups: [[{ type: 'KEYWORD', keywords: ['price'] }]] },
  action: { kind: 'MESSAGE', text: 'Here is the price' },
  ...extra,
});

describe('integrations: OWNER-only connect and disconnect', () => {
  it('ADMIN and AGENT get 403 on connect and disconnect; every member reads the cards', async () => {
    const owner = await ownerWithTikTok(fake);
    const admin = await addMember(owner.client, 'ADMIN');
    const agent = await addMember(owner.client, 'AGENT');
    for (const member of [admin, agent]) {
      expect((await member.client.post('/api/integrations/tiktok/connect')).status).toBe(403);
      expect((await member.client.post('/api/integrations/tiktok-shop/connect')).status).toBe(403);
      const cards = await member.client.get('/api/integrations');
      expect(cards.status).toBe(200);
      expect(cards.body.data.canManage).toBe(false);
      expect(cards.body.data.integrations[0]).toMatchObject({
        provider: 'TIKTOK',
        status: 'CONNECTED',
        accountName: '@glowshop',
      });
      expect((await member.client.delete(`/api/integrations/${cards.body.data.integrations[0].id}`)).status).toBe(403);
    }
    const card = (await owner.client.get('/api/integrations')).body.data.integrations[0];
    expect(card.scopes.map((s: any) => s.granted)).toEqual([true, true, true]);
    expect(card.webhook).toMatchObject({ state: 'WAITING', label: 'Waiting…', guidance: null });
    expect(card.lastSyncAt).not.toBeNull();
    // Tokens are stored encrypted, never in clear.
    const stored = await env.DB.prepare('SELECT tokens_encrypted FROM integrations WHERE id = ?')
      .bind(card.id)
      .first<{ tokens_encrypted: string }>();
    expect(stored!.tokens_encrypted.startsWith('v1.')).toBe(true);
    expect(stored!.tokens_encrypted).not.toContain('at-');
    expect((await owner.client.delete(`/api/integrations/${card.id}`)).status).toBe(200);
    expect((await owner.client.get('/api/integrations')).body.data.integrations[0].status).toBe('NOT_CONNECTED');
  });

  it('a state used twice, or by another member, is refused; the owner is sent back with the reason', async () => {
    const owner = await signUpOwner();
    const openId = tiktokId('biz');
    fake.account({ openId, displayName: '@x', scopes: ['video.list'], videos: [] });
    fake.defaultAccount = openId;
    const start = await owner.client.post('/api/integrations/tiktok/connect');
    const page = await fake.handle(new Request(start.body.data.authorizeUrl));
    const back = new URL(page.headers.get('location')!);
    const second = await signUpOwner();
    const stolen = await followCallback(second.client, `${back.pathname}${back.search}`);
    expect(stolen.headers.get('location')).toContain('error=This+connection+attempt+was+started+by+someone+else');
    // The state was consumed by the refused attempt: it cannot be used again.
    const replay = await followCallback(owner.client, `${back.pathname}${back.search}`);
    expect(replay.headers.get('location')).toContain('error=This+connection+attempt+has+expired');
    const denied = await followCallback(
      owner.client,
      '/api/integrations/tiktok/callback?error=access_denied&error_description=User+cancelled',
    );
    expect(denied.headers.get('location')).toContain('error=User+cancelled');
  });

  it('partial scopes: the card flags the missing one (amber) and says which', async () => {
    const owner = await ownerWithTikTok(fake, { scopes: ['comment.list.manage', 'video.list'] });
    const card = (await owner.client.get('/api/integrations')).body.data.integrations[0];
    expect(card.missingScopes).toEqual(['message.list.send']);
    expect(card.scopes.find((s: any) => s.scope === 'message.list.send')).toMatchObject({
      granted: false,
      label: 'Send DMs as the account',
    });
  });

  it('tokens are refreshed before they expire; a refused refresh turns the card red', async () => {
    fake.accessTtl = 300; // five minutes: inside the ten-minute refresh margin
    const owner = await ownerWithTikTok(fake);
    fake.accessTtl = 86_400;
    const before = fake.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;
    await refreshExpiringIntegrations(env, createDb(env.DB));
    expect(fake.tokenRequests.filter((r) => r.grantType === 'refresh_token').length).toBe(before + 1);
    const row = await env.DB.prepare('SELECT access_expires_at, status FROM integrations WHERE organization_id = ?')
      .bind(owner.organizationId)
      .first<{ access_expires_at: number; status: string }>();
    expect(row!.access_expires_at).toBeGreaterThan(Date.now() + 3_600_000);
    await env.DB.prepare('UPDATE integrations SET access_expires_at = ? WHERE organization_id = ?')
      .bind(Date.now() + 1000, owner.organizationId)
      .run();
    fake.refuseRefresh = true;
    try {
      await refreshExpiringIntegrations(env, createDb(env.DB));
    } finally {
      fake.refuseRefresh = false;
    }
    const card = (await owner.client.get('/api/integrations')).body.data.integrations[0];
    expect(card.status).toBe('ERROR');
    expect(card.lastError).toContain('Invalid refresh_token');
  });

  it('TikTok Shop connects with its own OAuth and syncs the catalog for "Mentions a SKU"', async () => {
    const owner = await ownerWithTikTok(fake);
    const shopId = tiktokId('shop');
    fake.shop({
      openId: shopId,
      sellerName: 'Glow Shop',
      scopes: ['order.read', 'product.read'],
      products: [{ id: 'p-1', title: 'Velvet Lip Tint', skus: [{ seller_sku: 'VLT-04' }] }],
    });
    fake.defaultAccount = shopId;
    const { callback } = await connectThroughOAuth(owner.client, fake, 'tiktok-shop');
    expect(callback!.headers.get('location')).toContain('connected=tiktok-shop');
    const cards = (await owner.client.get('/api/integrations')).body.data.integrations;
    expect(cards[1]).toMatchObject({
      provider: 'TIKTOK_SHOP',
      status: 'CONNECTED',
      accountName: 'Glow Shop',
      missingScopes: [],
    });
    const sku = await owner.client.post(
      '/api/automations/triggers',
      trigger({ name: 'SKU', match: { groups: [[{ type: 'SKU' }]] } }),
    );
    expect(sku.status).toBe(201);
    const test = await owner.client.post('/api/automations/triggers/test', { text: 'is the velvet lip tint in stock' });
    expect(test.body.data.wouldFire).toBe(sku.body.data.id);
  });
});

describe('triggers: configuration, Test against history and the log', () => {
  it('ADMIN configures, AGENT reads; bad input is a 400 with fields and changes nothing', async () => {
    const owner = await ownerWithTikTok(fake);
    const admin = await addMember(owner.client, 'ADMIN');
    const agent = await addMember(owner.client, 'AGENT');
    expect((await agent.client.post('/api/automations/triggers', trigger())).status).toBe(403);
    const created = await admin.client.post('/api/automations/triggers', trigger());
    expect(created.status).toBe(201);
    expect((await agent.client.get('/api/automations/triggers')).body.data.triggers).toHaveLength(1);
    expect(
      (await agent.client.patch(`/api/automations/triggers/${created.body.data.id}`, { status: 'DRAFT' })).status,
    ).toBe(403);
    const bad = await admin.client.post('/api/automations/triggers', {
      ...trigger(),
      name: 'x'.repeat(101),
      match: { groups: [[{ type: 'KEYWORD', keywords: [] }]] },
      publicReply: 'Two lines\nhere',
      scope: { kind: 'VIDEOS', postIds: ['not-a-synced-video'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toMatchObject({
      name: ['name is at most 100 characters'],
      'match.groups.0.0.keywords': ['Give at least one keyword'],
      publicReply: ['The public reply is one sentence on one line'],
    });
    const unknownVideo = await admin.client.post(
      '/api/automations/triggers',
      trigger({ scope: { kind: 'VIDEOS', postIds: ['nope'] } }),
    );
    expect(unknownVideo.status).toBe(400);
    expect(unknownVideo.body.error.fields['scope.postIds']).toEqual(['Unknown video: nope']);
    expect(await count('automation_triggers', owner.organizationId)).toBe(1);
  });

  it('reorder, duplicate (a draft right below, with its action, fresh throttle history) and delete', async () => {
    const owner = await ownerWithTikTok(fake);
    const a = (await owner.client.post('/api/automations/triggers', trigger({ name: 'A' }))).body.data;
    const b = (await owner.client.post('/api/automations/triggers', trigger({ name: 'B' }))).body.data;
    const reordered = await owner.client.post('/api/automations/triggers/reorder', { ids: [b.id, a.id] });
    expect(reordered.body.data.triggers.map((t: any) => [t.name, t.priority])).toEqual([
      ['B', 1],
      ['A', 2],
    ]);
    expect((await owner.client.post('/api/automations/triggers/reorder', { ids: [a.id] })).status).toBe(400);
    // A fires for a commenter, so A has throttle history; its duplicate does not.
    await owner.client.patch(`/api/automations/triggers/${b.id}`, { status: 'DRAFT' });
    const userId = tiktokId('u');
    const commentId = tiktokId('c');
    fake.comments.set(commentId, userId);
    await postTikTokWebhook(
      commentBody(owner.openId, { commentId, videoId: owner.videos[0]!.item_id, userId, text: 'price' }),
    );
    await settleComment(owner.organizationId, commentId);
    const copy = await owner.client.post(`/api/automations/triggers/${a.id}/duplicate`);
    expect(copy.status).toBe(201);
    expect(copy.body.data).toMatchObject({
      name: 'A (copy)',
      status: 'DRAFT',
      priority: 3,
      action: a.action,
      duplicatedFromId: a.id,
    });
    const test = await owner.client.post(`/api/automations/triggers/${copy.body.data.id}/test`, {
      text: 'price',
      commenterId: userId,
    });
    expect(test.body.data.results[0]).toMatchObject({ outcome: 'FIRED', draft: true });
    const original = await owner.client.post(`/api/automations/triggers/${a.id}/test`, {
      text: 'price',
      commenterId: userId,
    });
    expect(original.body.data.results[0].outcome).toBe('THROTTLED');
    expect((await owner.client.delete(`/api/automations/triggers/${a.id}`)).status).toBe(200);
    expect((await owner.client.get(`/api/automations/triggers/${a.id}`)).status).toBe(404);
    const list = (await owner.client.get('/api/automations/triggers')).body.data.triggers;
    expect(list.map((t: any) => t.name)).toEqual(['B', 'A (copy)']);
  });

  it('Test against history says which trigger would fire and why the others would not, and writes no rows', async () => {
    const owner = await ownerWithTikTok(fake);
    const agent = await addMember(owner.client, 'AGENT');
    const video = owner.videos[1]!;
    const live = (
      await owner.client.post(
        '/api/automations/triggers',
        trigger({ name: 'Live', match: { groups: [[{ type: 'VIDEO', postIds: [video.item_id] }]] } }),
      )
    ).body.data;
    const price = (await owner.client.post('/api/automations/triggers', trigger({ name: 'Price' }))).body.data;
    const draft = (await owner.client.post('/api/automations/triggers', trigger({ name: 'Draft', status: 'DRAFT' })))
      .body.data;
    const tables = [
      'automation_comments',
      'automation_dms',
      'automation_throttles',
      'automation_evaluations',
      'messages',
      'contacts',
    ];
    const before = await Promise.all(tables.map((t) => count(t, owner.organizationId)));
    const res = await agent.client.post('/api/automations/triggers/test', {
      text: 'PRICE pls',
      postId: video.item_id,
      commenterId: 'someone',
    });
    expect(res.status).toBe(200);
    expect(res.body.data.wouldFire).toBe(live.id);
    expect(res.body.data.results.map((r: any) => [r.triggerId, r.outcome])).toEqual([
      [live.id, 'FIRED'],
      [price.id, 'LOWER_PRIORITY'],
      [draft.id, 'NOT_ACTIVE'],
    ]);
    const plain = await agent.client.post('/api/automations/triggers/test', { text: 'so pretty' });
    expect(plain.body.data.wouldFire).toBeNull();
    expect(plain.body.data.results[0].reason).toBe('not on the chosen video');
    expect(await Promise.all(tables.map((t) => count(t, owner.organizationId)))).toEqual(before);
    expect((await agent.client.post('/api/automations/triggers/test', { text: '' })).body.error.fields.text).toEqual([
      'Paste a comment',
    ]);
  });

  it('the posts list shows videos and Lives with the LIVE flag; ADMIN tags them and "videos tagged" scopes use the tags', async () => {
    const owner = await ownerWithTikTok(fake);
    const posts = (await owner.client.get('/api/automations/posts')).body.data.posts;
    expect(posts.map((p: any) => p.isLive)).toEqual([false, true, false]);
    const tagged = await owner.client.patch(`/api/automations/posts/${posts[0].postId}`, { tags: ['launch-week'] });
    expect(tagged.body.data.tags).toEqual(['launch-week']);
    expect(
      (await owner.client.patch(`/api/automations/posts/${posts[0].postId}`, { tags: ['no spaces'] })).status,
    ).toBe(400);
    await owner.client.post('/api/automations/triggers', trigger({ scope: { kind: 'TAGGED', tags: ['launch-week'] } }));
    const on = await owner.client.post('/api/automations/triggers/test', { text: 'price', postId: posts[0].postId });
    const off = await owner.client.post('/api/automations/triggers/test', { text: 'price', postId: posts[1].postId });
    expect(on.body.data.results[0].outcome).toBe('FIRED');
    expect(off.body.data.results[0].outcome).toBe('OUT_OF_SCOPE');
  });

  it('the evaluation log keeps the last 50 per trigger', async () => {
    const owner = await ownerWithTikTok(fake);
    const t = (await owner.client.post('/api/automations/triggers', trigger({ status: 'DRAFT' }))).body.data;
    for (let i = 0; i < 53; i++) {
      const commentId = tiktokId('c');
      await postTikTokWebhook(
        commentBody(owner.openId, { commentId, videoId: owner.videos[0]!.item_id, userId: 'u', text: `n${i}` }),
      );
      await settleComment(owner.organizationId, commentId);
    }
    const { pruneEvaluations } = await import('../automations/engine');
    await pruneEvaluations(env);
    expect(await count('automation_evaluations', owner.organizationId)).toBe(50);
    const log = (await owner.client.get(`/api/automations/triggers/${t.id}/evaluations`)).body.data.evaluations;
    expect(log).toHaveLength(50);
    expect(log[0]).toMatchObject({ outcome: 'NOT_ACTIVE', reason: 'not active: drafts never fire' });
  });
});

describe('triggers: VIEWERs read (the inbox "By trigger" views), writes stay ADMIN', () => {
  it('a VIEWER lists and opens triggers, posts and the log; creating, editing, deleting and testing are 403', async () => {
    const owner = await ownerWithTikTok(fake);
    const viewer = await addMember(owner.client, 'VIEWER');
    const created = await owner.client.post('/api/automations/triggers', trigger());
    expect(created.status).toBe(201);
    const id = created.body.data.id as string;

    const list = await viewer.client.get('/api/automations/triggers');
    expect(list.status).toBe(200);
    expect(list.body.data.triggers.map((t: { id: string; name: string }) => [t.id, t.name])).toEqual([[id, 'Price']]);
    const one = await viewer.client.get(`/api/automations/triggers/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.data.action).toEqual({ kind: 'MESSAGE', text: 'Here is the price' });
    const log = await viewer.client.get(`/api/automations/triggers/${id}/evaluations`);
    expect(log.status).toBe(200);
    expect(log.body.data.evaluations).toEqual([]);
    const posts = await viewer.client.get('/api/automations/posts');
    expect(posts.status).toBe(200);
    expect(posts.body.data.posts).toHaveLength(owner.videos.length);

    expect((await viewer.client.post('/api/automations/triggers', trigger({ name: 'Other' }))).status).toBe(403);
    expect((await viewer.client.patch(`/api/automations/triggers/${id}`, { status: 'DRAFT' })).status).toBe(403);
    expect((await viewer.client.post(`/api/automations/triggers/${id}/duplicate`)).status).toBe(403);
    expect((await viewer.client.post('/api/automations/triggers/test', { text: 'price?' })).status).toBe(403);
    expect((await viewer.client.post(`/api/automations/triggers/${id}/test`, { text: 'price?' })).status).toBe(403);
    expect((await viewer.client.delete(`/api/automations/triggers/${id}`)).status).toBe(403);
    const after = await owner.client.get(`/api/automations/triggers/${id}`);
    expect([after.body.data.name, after.body.data.status]).toEqual(['Price', 'ACTIVE']);
    expect((await owner.client.get('/api/automations/triggers')).body.data.triggers).toHaveLength(1);
  });
});
