// Helpers for order attribution tests: an owner with TikTok and TikTok Shop connected through the fake, the
// TikTok contacts, conversations, comments and shop links an order is matched against (rows written directly,
// as the flow runtime would), orders in TikTok Shop's format and signed order webhooks.
import { env } from 'cloudflare:workers';
import { createDb } from '../worker/db/client';
import { automationComments, automationShopLinks, contacts, conversations } from '../worker/db/schema';
import type { FakeOrder, FakeTikTok } from './fake-tiktok';
import { connectThroughOAuth, ownerWithTikTok, postSignedTikTok, type SignedPostOptions, tiktokId } from './tiktok';

export const DAY_MS = 86_400_000;

export async function ownerWithShop(fake: FakeTikTok, scopes = ['order.read', 'product.read']) {
  const owner = await ownerWithTikTok(fake);
  const shopId = tiktokId('shop');
  fake.shop({ openId: shopId, sellerName: 'Glow Shop', scopes, products: [], orders: [] });
  fake.defaultAccount = shopId;
  const { callback } = await connectThroughOAuth(owner.client, fake, 'tiktok-shop');
  if (callback?.status !== 302) throw new Error(`shop connect failed: ${callback?.status}`);
  const row = await env.DB.prepare(
    "SELECT channel_id FROM integrations WHERE organization_id = ? AND provider = 'TIKTOK'",
  )
    .bind(owner.organizationId)
    .first<{ channel_id: string }>();
  return { ...owner, shopId, channelId: row!.channel_id, shop: fake.shops.get(shopId)! };
}

/** A TikTok buyer (contact) with one conversation on the channel. */
export async function buyer(organizationId: string, channelId: string, userId = tiktokId('buyer')) {
  const db = createDb(env.DB);
  const [contact] = await db
    .insert(contacts)
    .values({ organizationId, channelId, externalId: userId, name: 'Buyer' })
    .returning();
  return { userId, contactId: contact!.id, conversationId: await conversation(organizationId, channelId, contact!.id) };
}

export async function conversation(organizationId: string, channelId: string, contactId: string) {
  const [row] = await createDb(env.DB)
    .insert(conversations)
    .values({ organizationId, channelId, contactId, lastMessageAt: new Date() })
    .returning();
  return row!.id;
}

export async function comment(
  organizationId: string,
  channelId: string,
  c: { commentId?: string; postId: string; commenterId: string; at: number },
) {
  const commentId = c.commentId ?? tiktokId('c');
  await createDb(env.DB)
    .insert(automationComments)
    .values({
      organizationId,
      commentId,
      channelId,
      postId: c.postId,
      commenterId: c.commenterId,
      text: 'price?',
      commentedAt: new Date(c.at),
      receivedAt: new Date(c.at),
      status: 'EVALUATED',
    });
  return commentId;
}

export async function shopLink(
  organizationId: string,
  link: {
    conversationId: string;
    contactId: string;
    productId: string;
    skus: string[];
    sentAt: number;
    flowId?: string | null;
    blockId?: string | null;
    triggerId?: string | null;
    commentId?: string | null;
    postId?: string | null;
    runId?: string | null;
  },
) {
  const [row] = await createDb(env.DB)
    .insert(automationShopLinks)
    .values({
      organizationId,
      messageId: tiktokId('m'),
      ...link,
      flowVersion: link.flowId ? 1 : null,
      sentAt: new Date(link.sentAt),
    })
    .returning();
  return row!.id;
}

let orderCounter = 0;
export function order(
  userId: string,
  createdAt: number,
  lines: { productId: string; sku: string; price: string; quantity?: number }[],
  extra: Partial<FakeOrder> = {},
): FakeOrder {
  const currency = extra.payment?.currency ?? 'USD';
  const total = lines.reduce((sum, l) => sum + Number(l.price) * (l.quantity ?? 1), 0).toFixed(2);
  return {
    id: `57${Date.now()}${++orderCounter}`,
    status: 'AWAITING_SHIPMENT',
    create_time: Math.floor(createdAt / 1000),
    update_time: Math.floor(createdAt / 1000),
    user_id: userId,
    payment: { currency, total_amount: total },
    line_items: lines.flatMap((l, i) =>
      Array.from({ length: l.quantity ?? 1 }, (_, n) => ({
        id: `li-${i}-${n}`,
        product_id: l.productId,
        product_name: `Product ${l.productId}`,
        sku_id: `sku-id-${l.sku}`,
        seller_sku: l.sku,
        sku_name: `Variant ${l.sku}`,
        sale_price: l.price,
      })),
    ),
    ...extra,
  };
}

export function orderEvent(shopId: string, o: Pick<FakeOrder, 'id' | 'status' | 'update_time'>) {
  return JSON.stringify({
    type: 1,
    tts_notification_id: tiktokId('n'),
    shop_id: shopId,
    timestamp: Math.floor(Date.now() / 1000),
    data: { order_id: o.id, order_status: o.status, update_time: o.update_time },
  });
}

export function postShopWebhook(raw: string, options: SignedPostOptions & { ip?: string } = {}) {
  return postSignedTikTok('/api/webhooks/tiktok-shop', raw, env.TIKTOK_SHOP_APP_SECRET!, options, {
    'cf-connecting-ip': options.ip ?? `2001:db8:5::${Math.floor(Math.random() * 0xffff).toString(16)}`,
  });
}
