// TikTok Shop orders into our store: TikTok's order object (API version 202309, as the order detail and order
// search endpoints answer it) read defensively, stored once per shop order id, and attributed once. The webhook
// and the sync both land here, so a replay, a duplicate delivery or a sync that sees the same order again only
// updates its status (when TikTok's update_time is not older than ours) and never attributes a second time.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  type AutomationOrder,
  automationOrderAttributions,
  automationOrders,
  type OrderAttributionStatus,
  type OrderItem,
} from '../db/schema';
import { matchOrder } from './match';
import { toMinor } from './money';

/** The subset of TikTok Shop's order object we read. */
export interface ShopOrder {
  id?: unknown;
  status?: unknown;
  create_time?: unknown;
  update_time?: unknown;
  user_id?: unknown;
  payment?: { currency?: unknown; total_amount?: unknown } | null;
  line_items?:
    | {
        product_id?: unknown;
        product_name?: unknown;
        sku_id?: unknown;
        seller_sku?: unknown;
        sku_name?: unknown;
        sale_price?: unknown;
      }[]
    | null;
}

const MAX_ITEMS = 100;
const text = (v: unknown, max: number) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null);
const idOf = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : text(v, 128));

export type ParsedOrder = Omit<AutomationOrder, 'id' | 'organizationId' | 'source' | 'receivedAt' | 'updatedAt'>;

/** Our row for TikTok's order, or why it cannot be stored. */
export function parseShopOrder(raw: ShopOrder): ParsedOrder | { error: string } {
  const shopOrderId = idOf(raw?.id);
  if (!shopOrderId || shopOrderId.length > 64) return { error: 'The order has no id' };
  const created = Number(raw.create_time);
  if (!(created > 0)) return { error: `Order ${shopOrderId} has no create_time` };
  const updated = Number(raw.update_time);
  const currency = text(raw.payment?.currency, 3)?.toUpperCase() ?? '';
  const total =
    typeof raw.payment?.total_amount === 'number' ? String(raw.payment.total_amount) : raw.payment?.total_amount;
  const totalMinor = typeof total === 'string' ? toMinor(total, currency) : null;
  if (totalMinor === null) return { error: `Order ${shopOrderId} has no total in a known currency` };
  // TikTok lists one line per unit: one item per SKU with its quantity.
  const items = new Map<string, OrderItem>();
  for (const line of (raw.line_items ?? []).slice(0, 1000)) {
    const item: OrderItem = {
      productId: idOf(line?.product_id),
      productName: text(line?.product_name, 300),
      skuId: idOf(line?.sku_id),
      sku: text(line?.seller_sku, 100),
      skuName: text(line?.sku_name, 200),
      quantity: 1,
      unitPrice: text(line?.sale_price, 32),
    };
    const key = `${item.productId}|${item.skuId}|${item.sku}`;
    const seen = items.get(key);
    if (seen) seen.quantity += 1;
    else if (items.size < MAX_ITEMS) items.set(key, item);
  }
  return {
    shopOrderId,
    status: text(raw.status, 40)?.toUpperCase() ?? 'UNKNOWN',
    buyerUserId: idOf(raw.user_id),
    currency,
    totalMinor,
    items: [...items.values()],
    orderCreatedAt: new Date(created * 1000),
    orderUpdatedAt: new Date((updated > 0 ? updated : created) * 1000),
  };
}

export type IngestOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED';

/**
 * Stores (or updates) one order and makes sure it has its attribution. Concurrent deliveries of the same order
 * race on the unique (organization, shop order id) and on the attribution's primary key: one row each.
 */
export async function ingestOrder(
  db: Db,
  organizationId: string,
  order: ParsedOrder,
  source: 'WEBHOOK' | 'SYNC',
  now = Date.now(),
): Promise<{ orderId: string; outcome: IngestOutcome; attribution: OrderAttributionStatus }> {
  const at = new Date(now);
  const [inserted] = await db
    .insert(automationOrders)
    .values({ ...order, organizationId, source, receivedAt: at, updatedAt: at })
    .onConflictDoNothing()
    .returning({ id: automationOrders.id });
  let orderId = inserted?.id;
  let outcome: IngestOutcome = 'CREATED';
  if (!orderId) {
    // Known order: take TikTok's newer state (status, items, total); an older delivery changes nothing.
    const [updated] = await db
      .update(automationOrders)
      .set({
        status: order.status,
        buyerUserId: order.buyerUserId,
        currency: order.currency,
        totalMinor: order.totalMinor,
        items: order.items,
        orderUpdatedAt: order.orderUpdatedAt,
        updatedAt: at,
      })
      .where(
        and(
          eq(automationOrders.organizationId, organizationId),
          eq(automationOrders.shopOrderId, order.shopOrderId),
          sql`${automationOrders.orderUpdatedAt} <= ${order.orderUpdatedAt.getTime()}`,
          sql`(${automationOrders.status} <> ${order.status} OR ${automationOrders.orderUpdatedAt} < ${order.orderUpdatedAt.getTime()})`,
        ),
      )
      .returning({ id: automationOrders.id });
    outcome = updated ? 'UPDATED' : 'UNCHANGED';
    orderId = updated?.id;
    if (!orderId) {
      const [row] = await db
        .select({ id: automationOrders.id })
        .from(automationOrders)
        .where(
          and(eq(automationOrders.organizationId, organizationId), eq(automationOrders.shopOrderId, order.shopOrderId)),
        );
      if (!row) throw new Error(`Order ${order.shopOrderId} vanished while it was stored`);
      orderId = row.id;
    }
  }
  const attribution = await ensureAttribution(db, organizationId, orderId, now);
  return { orderId, outcome, attribution };
}

/** The order's attribution: matched and stored the first time, read afterwards (never matched twice). */
async function ensureAttribution(db: Db, organizationId: string, orderId: string, now: number) {
  const existing = async () =>
    (
      await db
        .select({ status: automationOrderAttributions.status })
        .from(automationOrderAttributions)
        .where(
          and(
            eq(automationOrderAttributions.organizationId, organizationId),
            eq(automationOrderAttributions.orderId, orderId),
          ),
        )
    )[0]?.status;
  const known = await existing();
  if (known) return known;
  const [order] = await db
    .select()
    .from(automationOrders)
    .where(and(eq(automationOrders.organizationId, organizationId), eq(automationOrders.id, orderId)));
  if (!order) throw new Error(`Order ${orderId} not found`);
  const match = await matchOrder(db, order);
  const [row] = await db
    .insert(automationOrderAttributions)
    .values({ ...match, orderId, organizationId, attributedAt: new Date(now) })
    .onConflictDoNothing()
    .returning({ status: automationOrderAttributions.status });
  return row?.status ?? (await existing()) ?? match.status;
}
