import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { addMember } from '../../test/client';
import { rows } from '../../test/d1';
import { connectThroughOAuth, tiktokId, useFakeTikTok } from '../../test/tiktok';
import {
  buyer,
  comment,
  conversation,
  DAY_MS,
  order,
  orderEvent,
  ownerWithShop,
  postShopWebhook,
  shopLink,
} from '../../test/tiktok-shop';
import { signTikTokBody } from '../channels/tiktok/signature';
import { createDb } from '../db/client';
import { ATTRIBUTION_WINDOW_MS } from './match';
import { fromMinor, toMinor } from './money';
import { FIRST_SYNC_LOOKBACK_MS, ORDER_SYNC_EVERY_MS, syncDueOrders, syncOrders } from './shop';

const fake = useFakeTikTok();

/** A shop, a buyer who commented on a video and got a flow's shop link for product P1 (SKUs ). */
async function scenario(linkAgeMs: number) {
  const shop = await ownerWithShop(fake);
  const org = shop.organizationId;
  const b = await buyer(org, shop.channelId);
  const now = Date.now();
  // Whole seconds: TikTok states order times in seconds.
  const orderAt = Math.floor((now - 60_000) / 1000) * 1000;
  const postId = shop.videos[0]!.item_id;
  const commentId = await comment(org, shop.channelId, {
    postId,
    commenterId: b.userId,
    at: orderAt - linkAgeMs - 30_000,
  });
  const linkId = await shopLink(org, {
    conversationId: b.conversationId,
    contactId: b.contactId,
    productId: 'P1',
    skus: ['A-1', 'A-2'],
    sentAt: orderAt - linkAgeMs,
    flowId: 'flow-1',
    blockId: 'shop',
    triggerId: 'trigger-1',
    commentId,
    postId,
    runId: 'run-1',
  });
  return { ...shop, org, b, orderAt, postId, commentId, linkId };
}

async function deliver(s: Awaited<ReturnType<typeof scenario>>, o: ReturnType<typeof order>) {
  s.shop.orders!.push(o);
  return postShopWebhook(orderEvent(s.shopId, o));
}

describe('attribution by webhook', () => {
  it('13 days, same SKU → ATTRIBUTED with post, comment, trigger, flow, step and time to order', async () => {
    const s = await scenario(13 * DAY_MS);
    const o = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-2', price: '19.95', quantity: 2 }]);
    const res = await deliver(s, o);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ outcome: 'CREATED', attribution: 'ATTRIBUTED' });
    const list = await s.client.get('/api/automations/orders');
    expect(list.status).toBe(200);
    expect(list.body.data).toMatchObject({ page: 1, total: 1, totalPages: 1 });
    const item = list.body.data.items[0];
    expect(item).toMatchObject({
      shopOrderId: o.id,
      status: 'AWAITING_SHIPMENT',
      buyerUserId: s.b.userId,
      total: { currency: 'USD', amount: '39.90', amountMinor: 3990 },
      items: [{ productId: 'P1', sku: 'A-2', quantity: 2, unitPrice: '19.95' }],
      url: `https://seller.tiktokglobalshop.com/order/detail?order_no=${o.id}`,
    });
    expect(item.attribution).toMatchObject({
      status: 'ATTRIBUTED',
      contactId: s.b.contactId,
      conversationId: s.b.conversationId,
      productId: 'P1',
      matchedSku: 'A-2',
      postId: s.postId,
      commentId: s.commentId,
      triggerId: 'trigger-1',
      flowId: 'flow-1',
      flowVersion: 1,
      blockId: 'shop',
      timeToOrderMs: 13 * DAY_MS + 30_000,
    });
  });

  it('a duplicated webhook stores one order and attributes it once; a status update changes the status only', async () => {
    const s = await scenario(2 * DAY_MS);
    const o = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '10.00' }]);
    const [first, second] = await Promise.all([deliver(s, o), postShopWebhook(orderEvent(s.shopId, o))]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.body.data.outcome, second.body.data.outcome].sort()).toEqual(['CREATED', 'UNCHANGED']);
    const again = await postShopWebhook(orderEvent(s.shopId, o));
    expect(again.body.data).toMatchObject({ outcome: 'UNCHANGED', attribution: 'ATTRIBUTED' });
    expect(await rows('SELECT id FROM automation_orders WHERE organization_id = ?', s.org)).toHaveLength(1);
    const attributions = await rows<{ attributed_at: number }>(
      'SELECT attributed_at FROM automation_order_attributions WHERE organization_id = ?',
      s.org,
    );
    expect(attributions).toHaveLength(1);
    // TikTok reports the order shipped: the stored order follows; the attribution stays as it was.
    o.status = 'IN_TRANSIT';
    o.update_time += 3600;
    const update = await postShopWebhook(orderEvent(s.shopId, o));
    expect(update.body.data).toMatchObject({ outcome: 'UPDATED', attribution: 'ATTRIBUTED' });
    const [stored] = await rows<{ status: string; order_updated_at: number }>(
      'SELECT status, order_updated_at FROM automation_orders WHERE organization_id = ?',
      s.org,
    );
    expect(stored).toEqual({ status: 'IN_TRANSIT', order_updated_at: o.update_time * 1000 });
    expect(
      await rows('SELECT attributed_at FROM automation_order_attributions WHERE organization_id = ?', s.org),
    ).toEqual(attributions);
    // An older delivery arriving late does not roll the status back.
    const stale = await postShopWebhook(orderEvent(s.shopId, { ...o, status: 'AWAITING_SHIPMENT' }));
    expect(stale.body.data.outcome).toBe('UNCHANGED');
    const [after] = await rows<{ status: string }>(
      'SELECT status FROM automation_orders WHERE organization_id = ?',
      s.org,
    );
    expect(after!.status).toBe('IN_TRANSIT');
  });

  it('13 days, another SKU → SOFT; confirm → CONFIRMED, then 409; VIEWER 403; reject only a soft one', async () => {
    const s = await scenario(13 * DAY_MS);
    const soft = order(s.b.userId, s.orderAt, [{ productId: 'P9', sku: 'Z-9', price: '5.00' }]);
    expect((await deliver(s, soft)).body.data.attribution).toBe('SOFT');
    const listed = await s.client.get('/api/automations/orders?status=SOFT');
    expect(listed.body.data.total).toBe(1);
    const id = listed.body.data.items[0].id;
    expect(listed.body.data.items[0].attribution).toMatchObject({
      status: 'SOFT',
      conversationId: s.b.conversationId,
      productId: 'P1',
      matchedSku: null,
      flowId: 'flow-1',
    });

    const viewer = await addMember(s.client, 'VIEWER');
    expect((await viewer.client.get('/api/automations/orders')).body.data.total).toBe(1);
    const refused = await viewer.client.post(`/api/automations/orders/${id}/confirm`);
    expect(refused.status).toBe(403);

    const agent = await addMember(s.client, 'AGENT');
    const confirmed = await agent.client.post(`/api/automations/orders/${id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.data.attribution).toMatchObject({ status: 'CONFIRMED', decidedById: agent.member.userId });
    const twice = await s.client.post(`/api/automations/orders/${id}/confirm`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('CONFLICT');
    expect(twice.body.error.message).toContain('CONFIRMED');
    expect((await s.client.post(`/api/automations/orders/${id}/reject`)).status).toBe(409);

    const second = order(s.b.userId, s.orderAt + 1000, [{ productId: 'P8', sku: 'Y-8', price: '7.00' }]);
    await deliver(s, second);
    const secondId = (await s.client.get('/api/automations/orders?status=SOFT')).body.data.items[0].id;
    const rejected = await s.client.post(`/api/automations/orders/${secondId}/reject`);
    expect(rejected.status).toBe(200);
    expect(rejected.body.data.attribution.status).toBe('REJECTED');

    // Attributed outright: neither confirm nor reject applies.
    const direct = order(s.b.userId, s.orderAt + 2000, [{ productId: 'P1', sku: 'A-1', price: '3.00' }]);
    await deliver(s, direct);
    const directId = (await s.client.get('/api/automations/orders?status=ATTRIBUTED')).body.data.items[0].id;
    expect((await s.client.post(`/api/automations/orders/${directId}/reject`)).status).toBe(409);
    expect((await s.client.post('/api/automations/orders/no-such-order/confirm')).status).toBe(404);
    // Another workspace cannot see or decide this one.
    const other = await ownerWithShop(fake);
    expect((await other.client.get('/api/automations/orders')).body.data.total).toBe(0);
    expect((await other.client.post(`/api/automations/orders/${id}/reject`)).status).toBe(404);
  });

  it('15 days → ORGANIC; an unknown buyer → ORGANIC; a link sent after the order (its whole second) does not count', async () => {
    const s = await scenario(15 * DAY_MS);
    const late = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '10.00' }]);
    expect((await deliver(s, late)).body.data.attribution).toBe('ORGANIC');
    const stranger = order(tiktokId('nobody'), s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '10.00' }]);
    expect((await deliver(s, stranger)).body.data.attribution).toBe('ORGANIC');
    const organic = await s.client.get('/api/automations/orders?status=ORGANIC');
    expect(organic.body.data.total).toBe(2);
    const mine = organic.body.data.items.find((i: any) => i.shopOrderId === late.id);
    // The buyer is known (contact recorded); no conversation is credited.
    expect(mine.attribution).toMatchObject({ contactId: s.b.contactId, conversationId: null, postId: null });

    const b2 = await buyer(s.org, s.channelId);
    await shopLink(s.org, {
      conversationId: b2.conversationId,
      contactId: b2.contactId,
      productId: 'P1',
      skus: ['A-1'],
      sentAt: s.orderAt + 1000,
    });
    const before = order(b2.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '1.00' }]);
    expect((await deliver(s, before)).body.data.attribution).toBe('ORGANIC');
    // TikTok's order time is a whole second: a link sent later in that same second still counts.
    const sameSecond = await buyer(s.org, s.channelId);
    await shopLink(s.org, {
      conversationId: sameSecond.conversationId,
      contactId: sameSecond.contactId,
      productId: 'P1',
      skus: ['A-1'],
      sentAt: s.orderAt + 999,
    });
    const o3 = order(sameSecond.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '1.00' }]);
    expect((await deliver(s, o3)).body.data.attribution).toBe('ATTRIBUTED');
  });

  it('exactly 14 days before the order counts (both ends of the window are included)', async () => {
    const s = await scenario(ATTRIBUTION_WINDOW_MS);
    const o = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '1.00' }]);
    // Whole seconds: TikTok states order times in seconds.
    o.create_time = Math.floor(s.orderAt / 1000);
    await env.DB.prepare('UPDATE automation_shop_links SET sent_at = ? WHERE id = ?')
      .bind(o.create_time * 1000 - ATTRIBUTION_WINDOW_MS, s.linkId)
      .run();
    expect((await deliver(s, o)).body.data.attribution).toBe('ATTRIBUTED');
    const o2 = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '1.00' }]);
    o2.create_time = Math.floor(s.orderAt / 1000) + 1;
    expect((await deliver(s, o2)).body.data.attribution).toBe('ORGANIC');
  });

  it('tie-break: the most recent link carrying the ordered SKU wins, across conversations; else the most recent link', async () => {
    const s = await scenario(10 * DAY_MS);
    // A second conversation of the same buyer: a newer link for another product, and a newer link for P1.
    const second = await conversation(s.org, s.channelId, s.b.contactId);
    await shopLink(s.org, {
      conversationId: second,
      contactId: s.b.contactId,
      productId: 'P2',
      skus: ['B-1'],
      sentAt: s.orderAt - DAY_MS,
      flowId: 'flow-2',
    });
    const o = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '4.00' }]);
    await deliver(s, o);
    let [a] = await rows<any>(
      'SELECT status, conversation_id, flow_id FROM automation_order_attributions WHERE organization_id = ?',
      s.org,
    );
    // The newer P2 link does not carry A-1: the older P1 link in the first conversation is credited.
    expect(a).toEqual({ status: 'ATTRIBUTED', conversation_id: s.b.conversationId, flow_id: 'flow-1' });

    await shopLink(s.org, {
      conversationId: second,
      contactId: s.b.contactId,
      productId: 'P1',
      skus: ['A-1'],
      sentAt: s.orderAt - 2 * DAY_MS,
      flowId: 'flow-3',
    });
    const o2 = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '4.00' }]);
    await deliver(s, o2);
    [a] = await rows<any>(
      'SELECT a.status, a.conversation_id, a.flow_id FROM automation_order_attributions a JOIN automation_orders o ON o.id = a.order_id WHERE o.shop_order_id = ?',
      o2.id,
    );
    expect(a).toEqual({ status: 'ATTRIBUTED', conversation_id: second, flow_id: 'flow-3' });

    const o3 = order(s.b.userId, s.orderAt, [{ productId: 'P7', sku: 'Q-7', price: '4.00' }]);
    await deliver(s, o3);
    [a] = await rows<any>(
      'SELECT a.status, a.flow_id FROM automation_order_attributions a JOIN automation_orders o ON o.id = a.order_id WHERE o.shop_order_id = ?',
      o3.id,
    );
    expect(a).toEqual({ status: 'SOFT', flow_id: 'flow-2' });
    const byConversation = await s.client.get(`/api/automations/orders?conversationId=${second}`);
    expect(byConversation.body.data.items.map((i: any) => i.shopOrderId).sort()).toEqual([o2.id, o3.id].sort());
  });

  it('refuses unsigned, forged, stale and oversized deliveries; ignores other shops and other events', async () => {
    const s = await scenario(DAY_MS);
    const o = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '1.00' }]);
    s.shop.orders!.push(o);
    const raw = orderEvent(s.shopId, o);
    expect((await postShopWebhook(raw, { signature: null })).status).toBe(401);
    expect((await postShopWebhook(raw, { secret: env.TIKTOK_CLIENT_SECRET! })).status).toBe(401);
    const stale = await postShopWebhook(raw, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toContain('5 minutes');
    const big = JSON.stringify({ type: 1, pad: 'x'.repeat(70 * 1024) });
    expect((await postShopWebhook(big)).status).toBe(413);
    expect((await postShopWebhook('{not json')).status).toBe(400);
    const noOrder = await postShopWebhook(JSON.stringify({ type: 1, shop_id: s.shopId, data: {} }));
    expect(noOrder.status).toBe(400);
    expect(Object.keys(noOrder.body.error.fields)).toEqual(['data.order_id']);
    const otherShop = await postShopWebhook(orderEvent('shop-nobody-has', o));
    expect(otherShop.body.data).toEqual({ outcome: 'IGNORED', reason: 'no workspace has this shop connected' });
    const otherType = await postShopWebhook(JSON.stringify({ type: 6, shop_id: s.shopId }));
    expect(otherType.body.data.outcome).toBe('IGNORED');
    expect(await rows('SELECT id FROM automation_orders WHERE organization_id = ?', s.org)).toHaveLength(0);
    // An order TikTok Shop does not know: 502, so TikTok delivers it again.
    const unknown = await postShopWebhook(orderEvent(s.shopId, { ...o, id: '999' }));
    expect(unknown.status).toBe(502);
    expect(
      (await postShopWebhook(raw, { signature: await signTikTokBody(env.TIKTOK_SHOP_APP_SECRET!, raw) })).status,
    ).toBe(200);
  });
});

describe('webhook rate limit', () => {
  it('each IP gets 300 deliveries a minute, then 429 before the signature is even read', async () => {
    const ip = `2001:db8:7::${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const statuses: number[] = [];
    // The limiter counts per minute window: a run crossing a window boundary gets up to 300 more.
    while (statuses.length < 601 && statuses.at(-1) !== 429) {
      statuses.push((await postShopWebhook('{}', { signature: null, ip })).status);
    }
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThanOrEqual(300);
    expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
    // Another address is not held back.
    expect((await postShopWebhook('{}', { signature: null })).status).toBe(401);
  });
});

describe('order sync', () => {
  it('reads new and updated orders through the signed order search; a second run adds nothing', async () => {
    const s = await scenario(3 * DAY_MS);
    const a = order(s.b.userId, s.orderAt, [{ productId: 'P1', sku: 'A-1', price: '12.50' }]);
    const b = order(tiktokId('x'), s.orderAt - DAY_MS, [{ productId: 'P5', sku: 'E-5', price: '2.00' }], {
      payment: { currency: 'JPY', total_amount: '1500' },
    });
    s.shop.orders!.push(a, b);
    const db = createDb(env.DB);
    const first = await syncOrders(env, db, s.org);
    expect(first).toEqual({ synced: 2, attributed: 1 });
    const search = fake.orderRequests.filter((r) => r.path.endsWith('/orders/search')).at(-1)!;
    expect(search.body.update_time_ge).toBeLessThanOrEqual(Math.floor((Date.now() - 14 * DAY_MS) / 1000) + 5);
    const list = await s.client.get('/api/automations/orders');
    expect(list.body.data.items.map((i: any) => [i.shopOrderId, i.total.amount, i.attribution.status])).toEqual([
      [a.id, '12.50', 'ATTRIBUTED'],
      [b.id, '1500', 'ORGANIC'],
    ]);
    // The next run starts from where the last one stopped (with a minute's overlap): nothing new is stored.
    const second = await syncOrders(env, db, s.org);
    expect(second).toEqual({ synced: 0, attributed: 0 });
    const resumed = fake.orderRequests.filter((r) => r.path.endsWith('/orders/search')).at(-1)!;
    expect(Number(resumed.body.update_time_ge)).toBeGreaterThan(Math.floor((Date.now() - 5 * 60_000) / 1000));
    // An order cancelled later: the sync takes the new status.
    a.status = 'CANCELLED';
    a.update_time = Math.floor(Date.now() / 1000);
    expect(await syncOrders(env, db, s.org, Date.now() + 1000)).toEqual({ synced: 1, attributed: 0 });
    expect((await s.client.get('/api/automations/orders?status=ATTRIBUTED')).body.data.items[0].status).toBe(
      'CANCELLED',
    );
    expect(await rows('SELECT id FROM automation_orders WHERE organization_id = ?', s.org)).toHaveLength(2);
  });

  it('follows the search pages: 105 orders updated in the same second are all stored in one run', async () => {
    const s = await ownerWithShop(fake);
    const at = Math.floor((Date.now() - 60_000) / 1000) * 1000;
    for (let i = 0; i < 105; i++)
      s.shop.orders!.push(order(tiktokId('b'), at, [{ productId: 'P', sku: 'S', price: '1.00' }]));
    const before = fake.orderRequests.length;
    expect(await syncOrders(env, createDb(env.DB), s.organizationId)).toEqual({ synced: 105, attributed: 0 });
    const pages = fake.orderRequests.slice(before).map((r) => r.query.page_token ?? '');
    expect(pages).toEqual(['', '100']);
    expect(await rows('SELECT id FROM automation_orders WHERE organization_id = ?', s.organizationId)).toHaveLength(
      105,
    );
  });

  it('the cron syncs connected shops when due; a shop without order.read records why', async () => {
    const s = await ownerWithShop(fake, ['product.read']);
    const db = createDb(env.DB);
    await syncDueOrders(env, db);
    const [state] = await rows<{ last_error: string }>(
      'SELECT last_error FROM automation_order_syncs WHERE organization_id = ?',
      s.organizationId,
    );
    expect(state!.last_error).toBe('TikTok Shop has not granted the Read orders permission (order.read)');
  });

  it('the TikTok Shop card shows the last order sync: a failure with its reason and fix, cleared once one succeeds', async () => {
    const s = await ownerWithShop(fake);
    const db = createDb(env.DB);
    const cards = async () => (await s.client.get('/api/integrations')).body.data.integrations;
    const shopCard = async () => (await cards()).find((c: any) => c.provider === 'TIKTOK_SHOP');
    const iso = (ms: number) => new Date(ms).toISOString();
    expect((await shopCard()).orderSync).toBeNull();

    // The seller withdrew the orders permission in TikTok Shop: the order search is refused.
    s.shop.scopes = ['product.read'];
    const failedAt = Date.now();
    const reason =
      'TikTok Shop has not granted the Read orders permission (order.read): TikTok API error 105005: Scope order.read not authorized';
    expect(await syncOrders(env, db, s.organizationId, failedAt)).toEqual({ error: reason });
    expect((await shopCard()).orderSync).toEqual({
      lastRunAt: iso(failedAt),
      syncedThrough: iso(failedAt - FIRST_SYNC_LOOKBACK_MS),
      lastError: reason,
      fix: 'Reconnect TikTok Shop and approve “Read orders”.',
      retryEveryMinutes: 5,
    });
    expect((await cards()).find((c: any) => c.provider === 'TIKTOK').orderSync).toBeNull();

    // Granted again: the next run succeeds and the error is gone.
    s.shop.scopes = ['order.read', 'product.read'];
    const okAt = failedAt + ORDER_SYNC_EVERY_MS;
    expect(await syncOrders(env, db, s.organizationId, okAt)).toEqual({ synced: 0, attributed: 0 });
    expect((await shopCard()).orderSync).toEqual({
      lastRunAt: iso(okAt),
      syncedThrough: iso(okAt),
      lastError: null,
      fix: null,
      retryEveryMinutes: 5,
    });
  });

  it('a shop connected without order.read: the card says to reconnect; after reconnecting, the next cron syncs', async () => {
    const s = await ownerWithShop(fake, ['product.read']);
    const db = createDb(env.DB);
    const shopCard = async () =>
      (await s.client.get('/api/integrations')).body.data.integrations.find((c: any) => c.provider === 'TIKTOK_SHOP');
    await syncDueOrders(env, db);
    expect((await shopCard()).orderSync).toMatchObject({
      lastError: 'TikTok Shop has not granted the Read orders permission (order.read)',
      fix: 'Reconnect TikTok Shop and approve “Read orders”.',
    });
    s.shop.scopes = ['order.read', 'product.read'];
    fake.defaultAccount = s.shopId;
    expect((await connectThroughOAuth(s.client, fake, 'tiktok-shop')).callback?.status).toBe(302);
    // The failure predates the new connection: no fix to offer, and the cron does not wait 5 minutes.
    expect((await shopCard()).orderSync).toMatchObject({ fix: null });
    await syncDueOrders(env, db);
    expect((await shopCard()).orderSync).toMatchObject({ lastError: null, fix: null });
  });
});

describe('money', () => {
  it('converts decimal amounts to minor units and back per currency', () => {
    expect(toMinor('19.95', 'USD')).toBe(1995);
    expect(toMinor('19.955', 'USD')).toBe(1996);
    expect(toMinor('1500', 'JPY')).toBe(1500);
    expect(toMinor('1.5', 'KWD')).toBe(1500);
    expect(toMinor('-1', 'USD')).toBeNull();
    expect(toMinor('1', 'XX')).toBeNull();
    expect(fromMinor(5, 'USD')).toBe('0.05');
    expect(fromMinor(1500, 'JPY')).toBe('1500');
  });
});
