// TikTok Shop's order webhook, after the route checked its signature: the order status change (type 1) names the
// shop, the order and its new status. We read the order's detail from the Shop API, store it and attribute it
// (once). When the detail cannot be read, an order we already have still takes the new status; a new one is
// refused with 502 so TikTok delivers it again (and the periodic sync finds it regardless).
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { automationOrders, integrations } from '../db/schema';
import type { AppBindings } from '../env';
import { UpstreamError } from '../lib/errors';
import { ingestOrder, parseShopOrder } from './orders';
import { fetchShopOrder } from './shop';

/** TikTok Shop's webhook type for an order status change. */
export const ORDER_STATUS_CHANGE = 1;

const shopId = z.union([z.string().trim().min(1).max(128), z.number().int().nonnegative()]).transform(String);

/** The event body (validated by the route: a malformed one is a 400 with `fields`). */
export const shopWebhookSchema = z.object({
  type: z.number({ error: 'type must be a number' }).int(),
  shop_id: shopId,
  tts_notification_id: z.string().max(128).optional(),
  timestamp: z.number().optional(),
  data: z
    .object({
      order_id: z
        .union([z.string().trim().min(1).max(64), z.number().int().nonnegative()], {
          error: 'data.order_id is required',
        })
        .transform(String),
      order_status: z.string().trim().min(1).max(40).optional(),
      update_time: z.number().int().nonnegative().optional(),
    })
    .passthrough()
    .optional(),
});

export type ShopWebhookOutcome =
  | { outcome: 'IGNORED'; reason: string }
  | { outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED'; orderId: string; attribution: string };

export type ShopWebhookPayload = z.output<typeof shopWebhookSchema>;

export async function processShopWebhook(
  env: AppBindings,
  db: Db,
  payload: ShopWebhookPayload,
  now = Date.now(),
): Promise<ShopWebhookOutcome> {
  if (payload.type !== ORDER_STATUS_CHANGE) return { outcome: 'IGNORED', reason: `event type ${payload.type}` };
  if (!payload.data) return { outcome: 'IGNORED', reason: 'no order in the event' };
  const [shop] = await db
    .select({ organizationId: integrations.organizationId })
    .from(integrations)
    .where(and(eq(integrations.provider, 'TIKTOK_SHOP'), eq(integrations.accountId, payload.shop_id)))
    .limit(1);
  if (!shop) return { outcome: 'IGNORED', reason: 'no workspace has this shop connected' };
  const { organizationId } = shop;
  await db
    .update(integrations)
    .set({ lastEventAt: new Date(now) })
    .where(and(eq(integrations.organizationId, organizationId), eq(integrations.provider, 'TIKTOK_SHOP')));

  const detail = await fetchShopOrder(env, db, organizationId, payload.data.order_id, now);
  if ('error' in detail) {
    const { order_status: status, update_time: updated } = payload.data;
    if (status && updated) {
      const [row] = await db
        .update(automationOrders)
        .set({ status: status.toUpperCase(), orderUpdatedAt: new Date(updated * 1000), updatedAt: new Date(now) })
        .where(
          and(
            eq(automationOrders.organizationId, organizationId),
            eq(automationOrders.shopOrderId, payload.data.order_id),
            sql`${automationOrders.orderUpdatedAt} <= ${updated * 1000}`,
          ),
        )
        .returning({ id: automationOrders.id });
      if (row) return { outcome: 'UPDATED', orderId: row.id, attribution: 'UNCHANGED' };
    }
    throw new UpstreamError(`The order could not be read from TikTok Shop: ${detail.error}`);
  }
  const order = parseShopOrder(detail.order);
  if ('error' in order) throw new UpstreamError(`TikTok Shop answered an unusable order: ${order.error}`);
  const stored = await ingestOrder(db, organizationId, order, 'WEBHOOK', now);
  return { outcome: stored.outcome, orderId: stored.orderId, attribution: stored.attribution };
}
