// The whole road in one workspace: a comment fires a trigger whose flow sends a shop link (recorded by the flow
// runtime), the buyer orders through TikTok Shop, the order webhook attributes the order to that comment, post,
// flow and step, and the conversation and the analytics show it.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { commentBody, postTikTokWebhook, settleComment, tiktokId, useFakeTikTok } from '../../test/tiktok';
import { order, orderEvent, ownerWithShop, postShopWebhook } from '../../test/tiktok-shop';
import { createDb } from '../db/client';
import { automationProducts } from '../db/schema';

const fake = useFakeTikTok();

async function until<T>(check: () => Promise<T | null | undefined>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe('comment → flow shop link → order', () => {
  it('attributes the order to the comment, post, trigger, flow and step that sent the link', async () => {
    const s = await ownerWithShop(fake);
    const org = s.organizationId;
    await createDb(env.DB)
      .insert(automationProducts)
      .values({
        organizationId: org,
        productId: 'p-light',
        name: 'Glow serum Light',
        skus: ['GS-L-30', 'GS-L-50'],
        syncedAt: new Date(),
      });
    const flow = await s.client.post('/api/automations/flows', {
      name: 'Serum',
      blocks: [{ id: 'link', type: 'SHOP_LINK', productId: 'p-light', text: 'Here you go:' }],
    });
    expect(flow.status).toBe(201);
    const trigger = await s.client.post('/api/automations/triggers', {
      name: 'Price',
      status: 'ACTIVE',
      match: { groups: [[{ type: 'KEYWORD', keywords: ['price'] }]] },
      action: { kind: 'FLOW', flowId: flow.body.data.id },
    });
    expect(trigger.status).toBe(201);

    const buyerId = tiktokId('buyer');
    const commentId = tiktokId('c');
    const postId = s.videos[0]!.item_id;
    fake.comments.set(commentId, buyerId);
    expect(
      (await postTikTokWebhook(commentBody(s.openId, { commentId, videoId: postId, userId: buyerId, text: 'price?' })))
        .status,
    ).toBe(200);
    await settleComment(org, commentId);
    const link = await until(
      async () =>
        (await env.DB.prepare(
          'SELECT conversation_id, flow_id, block_id, comment_id FROM automation_shop_links WHERE organization_id = ?',
        )
          .bind(org)
          .first<{ conversation_id: string; flow_id: string; block_id: string; comment_id: string }>()) ?? undefined,
      'the shop link to be recorded',
    );
    expect(link).toMatchObject({ flow_id: flow.body.data.id, block_id: 'link', comment_id: commentId });

    const o = order(buyerId, Math.floor(Date.now() / 1000) * 1000, [
      { productId: 'p-light', sku: 'GS-L-50', price: '24.00' },
    ]);
    s.shop.orders!.push(o);
    const res = await postShopWebhook(orderEvent(s.shopId, o));
    expect(res.body.data).toMatchObject({ outcome: 'CREATED', attribution: 'ATTRIBUTED' });

    const panel = await s.client.get(`/api/automations/orders?conversationId=${link.conversation_id}`);
    expect(panel.body.data.items).toHaveLength(1);
    expect(panel.body.data.items[0].attribution).toMatchObject({
      status: 'ATTRIBUTED',
      conversationId: link.conversation_id,
      postId,
      commentId,
      triggerId: trigger.body.data.id,
      flowId: flow.body.data.id,
      blockId: 'link',
      matchedSku: 'GS-L-50',
    });
    expect(panel.body.data.items[0].attribution.timeToOrderMs).toBeGreaterThanOrEqual(0);

    const posts = (await s.client.get('/api/analytics/posts')).body.data.posts;
    expect(posts).toEqual([
      expect.objectContaining({
        postId,
        comments: 1,
        dmsTriggered: 1,
        ordersAttributed: 1,
        attributedRevenue: [{ currency: 'USD', amount: '24.00', amountMinor: 2400 }],
      }),
    ]);
    const flows = (await s.client.get('/api/analytics/flows')).body.data.flows;
    expect(flows[0]).toMatchObject({
      flowId: flow.body.data.id,
      runs: 1,
      ordersAttributed: 1,
      steps: [{ blockId: 'link', type: 'SHOP_LINK', reached: 1, dropOff: 0 }],
    });
  });
});
