// Order attribution end to end: the owner connects TikTok and TikTok Shop (the fake approves both; the catalog
// sync brings the shop's product), builds a flow whose Shop link block sends that product and attaches it to a
// keyword trigger; a signed comment gets the DM with the shop link; the buyer orders the product (a signed TikTok
// Shop order webhook), and the owner sees the order attributed: in the conversation's TikTok Shop orders and in
// Analytics → Flows and → Posts. Run with the fake:
//   E2E_FAKE_TIKTOK_PORT=12140 node e2e/run.mjs e2e/attribution.spec.ts
import { randomUUID } from 'node:crypto';
import { type APIRequestContext, expect, test } from '@playwright/test';
import type { FakeOrder } from '../test/fake-tiktok';
import { postComment, postSignedTikTok, useFakeTikTok } from './fakes';
import { createFlowTrigger, DEMO_OWNER, expectNoAxeViolations, logIn } from './support';

const FAKE_PORT = process.env.E2E_FAKE_TIKTOK_PORT;
test.skip(!FAKE_PORT, 'start the stack with E2E_FAKE_TIKTOK_PORT set (see the top of this file)');

const tiktok = useFakeTikTok(FAKE_PORT ?? '');

/** Posts a TikTok Shop order event signed as TikTok Shop signs it (the TikTok scheme, keyed with the Shop secret). */
async function shopWebhook(request: APIRequestContext, body: object) {
  const res = await postSignedTikTok(
    request,
    '/api/webhooks/tiktok-shop',
    'TIKTOK_SHOP_APP_SECRET',
    JSON.stringify(body),
  );
  return (await res.json()).data;
}

test('a comment gets a DM with a shop link, the buyer orders that product, and the owner sees the order attributed', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  const run = randomUUID().slice(0, 8);
  const openId = `e2e-biz-${randomUUID()}`;
  const shopId = `e2e-shop-${randomUUID()}`;
  const videoId = `e2e-video-${Date.now()}`;
  const caption = `Glow serum drop ${run}`;
  const productId = `e2e-product-${run}`;
  const productName = `Glow serum ${run}`;
  tiktok().account({
    openId,
    displayName: '@glowshop',
    scopes: ['comment.list.manage', 'message.list.send', 'video.list'],
    videos: [{ item_id: videoId, create_time: Math.floor(Date.now() / 1000) - 3600, caption, is_live: false }],
  });
  tiktok().shop({
    openId: shopId,
    sellerName: 'Glow Shop',
    scopes: ['order.read', 'product.read'],
    products: [{ id: productId, title: productName, skus: [{ seller_sku: `GS-${run}-30` }] }],
    orders: [],
  });

  await test.step('connect TikTok and TikTok Shop', async () => {
    await logIn(page, DEMO_OWNER);
    await page.goto('/settings/integrations');
    tiktok().defaultAccount = openId;
    await page
      .getByRole('article', { name: 'TikTok', exact: true })
      .getByRole('button', { name: /Connect TikTok|Reconnect/ })
      .click();
    await expect(page.getByRole('status').filter({ hasText: 'TikTok is connected.' })).toBeVisible();
    tiktok().defaultAccount = shopId;
    const shop = page.getByRole('article', { name: 'TikTok Shop' });
    await shop.getByRole('button', { name: /Connect TikTok Shop|Reconnect/ }).click();
    await expect(page.getByRole('status').filter({ hasText: 'TikTok Shop is connected.' })).toBeVisible();
    await expect(shop).toContainText('Connected as Glow Shop');
  });

  const flowName = `Serum link ${run}`;
  await test.step('a flow sends the product as a shop link; a keyword trigger runs it', async () => {
    await page.getByRole('link', { name: 'Automations' }).click();
    await page.getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('link', { name: 'New flow' }).click();
    await page.getByLabel('Flow name').fill(flowName);
    await page
      .getByRole('group', { name: /^Block 1: Message/ })
      .getByLabel('Message')
      .fill('Hi! Here is the serum 💧');
    await page.getByLabel('New block').selectOption({ label: 'Shop link' });
    await page.getByRole('button', { name: 'Add block' }).click();
    const link = page.getByRole('group', { name: /^Block 2: Shop link/ });
    await link.getByLabel('Product').selectOption({ label: productName });
    await page.getByRole('button', { name: 'Save flow' }).click();
    await expect(page.getByRole('heading', { name: flowName })).toBeVisible();

    await createFlowTrigger(page, { name: `Serum ${run}`, keyword: `SERUM${run}`, flowName });
  });

  const commentId = `e2e-comment-${randomUUID()}`;
  const buyer = `e2e-buyer-${randomUUID()}`;
  const buyerName = `Mai ${run}`;
  await test.step('a comment gets the DM with the shop link', async () => {
    await postComment(request, tiktok(), {
      openId,
      videoId,
      commentId,
      text: `serum${run} price?`,
      commenter: { openId: buyer, name: buyerName },
    });
    const dm = () => tiktok().dms.find((d) => d.recipient === commentId);
    await expect
      .poll(() => dm()?.text, { timeout: 30_000 })
      .toBe(`Hi! Here is the serum 💧\n\nhttps://shop.tiktok.com/view/product/${productId}`);
    // The owner finds the DM in the conversation, shown as the product's card.
    await page.goto(`/conversations?search=${run}`);
    const card = page.getByRole('listitem').filter({ hasText: buyerName });
    await expect(async () => {
      await page.reload();
      await expect(card).toBeVisible({ timeout: 5_000 });
    }).toPass({ timeout: 30_000 });
    await card.getByRole('link').first().click();
    await expect(page.getByRole('list', { name: 'Messages' }).getByText(productName)).toBeVisible({
      timeout: 15_000,
    });
  });

  const orderId = `57${Date.now()}`;
  await test.step('the buyer orders the product: TikTok Shop tells us, signed', async () => {
    const at = Math.floor(Date.now() / 1000);
    const order: FakeOrder = {
      id: orderId,
      status: 'AWAITING_SHIPMENT',
      create_time: at,
      update_time: at,
      user_id: buyer,
      payment: { currency: 'USD', total_amount: '24.00' },
      line_items: [
        {
          id: 'li-1',
          product_id: productId,
          product_name: productName,
          sku_id: `sku-${run}-30`,
          seller_sku: `GS-${run}-30`,
          sku_name: '30 ml',
          sale_price: '24.00',
        },
      ],
    };
    tiktok().shops.get(shopId)!.orders!.push(order);
    const outcome = await shopWebhook(request, {
      type: 1,
      shop_id: shopId,
      tts_notification_id: `e2e-${randomUUID()}`,
      timestamp: at,
      data: { order_id: orderId, order_status: 'AWAITING_SHIPMENT', update_time: at },
    });
    // The minute's order sync may have stored it first: either way it is attributed.
    expect(outcome).toMatchObject({ attribution: 'ATTRIBUTED' });
  });

  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(24);
  await test.step('the conversation shows the order, attributed', async () => {
    await page.reload();
    const orders = page.getByRole('region', { name: 'TikTok Shop orders' });
    await expect(orders).toContainText(`Order ${orderId}`, { timeout: 15_000 });
    await expect(orders).toContainText('Attributed');
    await expect(orders).toContainText(`Total ${money}`);
  });

  await test.step('Analytics → Flows and → Posts count the order and its revenue', async () => {
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('navigation', { name: 'Analytics reports' }).getByRole('link', { name: 'Flows' }).click();
    const flows = page.getByRole('table', { name: 'Per flow' });
    // Columns: runs, DMs sent, orders attributed, attributed revenue, soft-attributed orders, soft revenue.
    await expect(flows.getByRole('row', { name: new RegExp(flowName) }).getByRole('cell')).toHaveText([
      '1',
      '1',
      '1',
      money,
      '0',
      '—',
    ]);
    await expectNoAxeViolations(page);

    await page.getByRole('navigation', { name: 'Analytics reports' }).getByRole('link', { name: 'Posts' }).click();
    const posts = page.getByRole('table', { name: 'Per video' });
    // Columns: comments, DMs triggered, then the order columns.
    await expect(posts.getByRole('row', { name: new RegExp(caption) }).getByRole('cell')).toHaveText([
      '1',
      '1',
      '1',
      money,
      '0',
      '—',
    ]);
    await expectNoAxeViolations(page);
  });
});
