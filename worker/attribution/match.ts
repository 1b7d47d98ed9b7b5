// The matching of one TikTok Shop order to the conversation that led to it (run once, when the order is first
// stored). The rules, in order:
//  1. The buyer's TikTok user id is a contact of the organisation on a TikTok channel (contacts.external_id).
//  2. A shop link was sent in one of that contact's conversations within the 14 days before the order was
//     created: link.sent_at in [created − 14 days, created], both ends included (a link sent exactly 14 × 24 h
//     before the order counts; a link sent after the order never does). TikTok states the order time in whole
//     seconds, so "created" is the end of that second: a link sent during the order's second counts.
//  3. An ordered SKU is among the linked product's SKUs at send time (or the ordered product is the linked
//     product, which covers a SKU added to the product after the link went out). One matching line of a
//     multi-item order is enough.
// 1 + 2 + 3 → ATTRIBUTED; 1 + 2 without 3 → SOFT (the team confirms or rejects); otherwise ORGANIC.
// Tie-break (several links or conversations qualify): last touch. Among the links that satisfy 3, the most
// recently sent one wins; with none satisfying 3, the most recently sent qualifying link makes the SOFT match.
// Equal send times fall back to the link id, so the choice is stable.
import { and, desc, eq, gte, inArray, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  type AutomationOrder,
  automationComments,
  automationShopLinks,
  channels,
  contacts,
  type OrderAttributionStatus,
} from '../db/schema';

export const ATTRIBUTION_WINDOW_MS = 14 * 24 * 60 * 60 * 1000;
/** TikTok Shop order times are whole seconds. */
const ORDER_TIME_PRECISION_MS = 1000;
/** Enough recent links to find the last touch; a buyer with more in 14 days is matched on the newest ones. */
const MAX_LINKS = 500;

export interface Match {
  status: OrderAttributionStatus;
  contactId: string | null;
  conversationId: string | null;
  shopLinkId: string | null;
  productId: string | null;
  matchedSku: string | null;
  postId: string | null;
  commentId: string | null;
  triggerId: string | null;
  flowId: string | null;
  flowVersion: number | null;
  blockId: string | null;
  runId: string | null;
  linkSentAt: Date | null;
  timeToOrderMs: number | null;
}

const organic = (contactId: string | null): Match => ({
  status: 'ORGANIC',
  contactId,
  conversationId: null,
  shopLinkId: null,
  productId: null,
  matchedSku: null,
  postId: null,
  commentId: null,
  triggerId: null,
  flowId: null,
  flowVersion: null,
  blockId: null,
  runId: null,
  linkSentAt: null,
  timeToOrderMs: null,
});

type Order = Pick<AutomationOrder, 'organizationId' | 'buyerUserId' | 'orderCreatedAt' | 'items'>;

export async function matchOrder(db: Db, order: Order): Promise<Match> {
  if (!order.buyerUserId) return organic(null);
  const buyers = await db
    .select({ id: contacts.id })
    .from(contacts)
    .innerJoin(channels, eq(channels.id, contacts.channelId))
    .where(
      and(
        eq(contacts.organizationId, order.organizationId),
        eq(channels.organizationId, order.organizationId),
        eq(channels.type, 'TIKTOK'),
        eq(contacts.externalId, order.buyerUserId),
      ),
    )
    .limit(20);
  if (!buyers.length) return organic(null);
  const created = order.orderCreatedAt.getTime();
  const links = await db
    .select()
    .from(automationShopLinks)
    .where(
      and(
        eq(automationShopLinks.organizationId, order.organizationId),
        inArray(
          automationShopLinks.contactId,
          buyers.map((b) => b.id),
        ),
        gte(automationShopLinks.sentAt, new Date(created - ATTRIBUTION_WINDOW_MS)),
        lte(automationShopLinks.sentAt, new Date(created + ORDER_TIME_PRECISION_MS - 1)),
      ),
    )
    .orderBy(desc(automationShopLinks.sentAt), desc(automationShopLinks.id))
    .limit(MAX_LINKS);
  if (!links.length) return organic(buyers[0]!.id);

  const orderedSkus = order.items.map((i) => i.sku).filter((s): s is string => !!s);
  const orderedProducts = new Set(order.items.map((i) => i.productId).filter((p): p is string => !!p));
  let chosen = links[0]!;
  let attributed = false;
  let matchedSku: string | null = null;
  for (const link of links) {
    const linked = new Set(link.skus ?? []);
    const bySku = orderedSkus.find((sku) => linked.has(sku));
    if (bySku || orderedProducts.has(link.productId)) {
      chosen = link;
      attributed = true;
      matchedSku = bySku ?? order.items.find((i) => i.productId === link.productId)?.sku ?? null;
      break;
    }
  }

  let postId = chosen.postId;
  let timeToOrderMs: number | null = null;
  if (chosen.commentId) {
    const [comment] = await db
      .select({ commentedAt: automationComments.commentedAt, postId: automationComments.postId })
      .from(automationComments)
      .where(
        and(
          eq(automationComments.organizationId, order.organizationId),
          eq(automationComments.commentId, chosen.commentId),
        ),
      )
      .limit(1);
    if (comment) {
      postId ??= comment.postId;
      timeToOrderMs = Math.max(0, created - comment.commentedAt.getTime());
    }
  }
  return {
    status: attributed ? 'ATTRIBUTED' : 'SOFT',
    contactId: chosen.contactId,
    conversationId: chosen.conversationId,
    shopLinkId: chosen.id,
    productId: chosen.productId,
    matchedSku,
    postId,
    commentId: chosen.commentId,
    triggerId: chosen.triggerId,
    flowId: chosen.flowId,
    flowVersion: chosen.flowVersion,
    blockId: chosen.blockId,
    runId: chosen.runId,
    linkSentAt: chosen.sentAt,
    timeToOrderMs,
  };
}
