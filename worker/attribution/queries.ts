// Orders as the API shows them (with their attribution), and the team's decision on a soft-attributed one.
import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  type AutomationOrder,
  type AutomationOrderAttribution,
  automationOrderAttributions,
  automationOrders,
  type OrderAttributionStatus,
} from '../db/schema';
import type { Paging } from '../http/paging';
import { ConflictError, NotFoundError } from '../lib/errors';
import { fromMinor } from './money';

/** The order's page in TikTok Shop's seller centre. */
export function sellerCenterUrl(shopOrderId: string): string {
  return `https://seller.tiktokglobalshop.com/order/detail?order_no=${encodeURIComponent(shopOrderId)}`;
}

/** Counted as driven by automations (revenue, orders attributed). */
export const COUNTED_STATUSES: readonly OrderAttributionStatus[] = ['ATTRIBUTED', 'CONFIRMED'];

function present(order: AutomationOrder, a: AutomationOrderAttribution | null) {
  return {
    id: order.id,
    shopOrderId: order.shopOrderId,
    status: order.status,
    buyerUserId: order.buyerUserId,
    total: {
      currency: order.currency,
      amount: fromMinor(order.totalMinor, order.currency),
      amountMinor: order.totalMinor,
    },
    items: order.items,
    orderCreatedAt: order.orderCreatedAt,
    orderUpdatedAt: order.orderUpdatedAt,
    url: sellerCenterUrl(order.shopOrderId),
    attribution: a && {
      status: a.status,
      contactId: a.contactId,
      conversationId: a.conversationId,
      productId: a.productId,
      matchedSku: a.matchedSku,
      postId: a.postId,
      commentId: a.commentId,
      triggerId: a.triggerId,
      flowId: a.flowId,
      flowVersion: a.flowVersion,
      blockId: a.blockId,
      linkSentAt: a.linkSentAt,
      timeToOrderMs: a.timeToOrderMs,
      decidedById: a.decidedById,
      decidedAt: a.decidedAt,
    },
  };
}
export type OrderView = ReturnType<typeof present>;

export async function listOrders(
  db: Db,
  organizationId: string,
  filters: Paging & { status?: OrderAttributionStatus; conversationId?: string },
) {
  const where: SQL[] = [eq(automationOrders.organizationId, organizationId)];
  if (filters.status) where.push(eq(automationOrderAttributions.status, filters.status));
  if (filters.conversationId) where.push(eq(automationOrderAttributions.conversationId, filters.conversationId));
  const condition = and(...where);
  const join = and(
    eq(automationOrderAttributions.orderId, automationOrders.id),
    eq(automationOrderAttributions.organizationId, organizationId),
  );
  const rows = await db
    .select({ order: automationOrders, attribution: automationOrderAttributions })
    .from(automationOrders)
    .leftJoin(automationOrderAttributions, join)
    .where(condition)
    .orderBy(desc(automationOrders.orderCreatedAt), desc(automationOrders.id))
    .limit(filters.pageSize)
    .offset((filters.page - 1) * filters.pageSize);
  const [total] = await db
    .select({ n: count() })
    .from(automationOrders)
    .leftJoin(automationOrderAttributions, join)
    .where(condition);
  return { items: rows.map((r) => present(r.order, r.attribution)), total: total?.n ?? 0 };
}

async function loadOrder(db: Db, organizationId: string, orderId: string) {
  const [row] = await db
    .select({ order: automationOrders, attribution: automationOrderAttributions })
    .from(automationOrders)
    .leftJoin(
      automationOrderAttributions,
      and(
        eq(automationOrderAttributions.orderId, automationOrders.id),
        eq(automationOrderAttributions.organizationId, organizationId),
      ),
    )
    .where(and(eq(automationOrders.organizationId, organizationId), eq(automationOrders.id, orderId)));
  if (!row) throw new NotFoundError('Order');
  return row;
}

/** SOFT → CONFIRMED (counted as attributed) or REJECTED (counted as organic); anything else is a 409. */
export async function decideSoftOrder(
  db: Db,
  organizationId: string,
  orderId: string,
  decision: 'CONFIRMED' | 'REJECTED',
  userId: string,
  now = Date.now(),
): Promise<OrderView> {
  const [changed] = await db
    .update(automationOrderAttributions)
    .set({ status: decision, decidedById: userId, decidedAt: new Date(now) })
    .where(
      and(
        eq(automationOrderAttributions.organizationId, organizationId),
        eq(automationOrderAttributions.orderId, orderId),
        eq(automationOrderAttributions.status, 'SOFT'),
      ),
    )
    .returning({ orderId: automationOrderAttributions.orderId });
  const row = await loadOrder(db, organizationId, orderId);
  if (!changed) {
    const status = row.attribution?.status ?? 'not attributed yet';
    throw new ConflictError(`Only a soft-attributed order can be confirmed or rejected; this one is ${status}`);
  }
  return present(row.order, row.attribution);
}
