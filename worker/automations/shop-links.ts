// TikTok Shop product links in message text: `https://shop.tiktok.com/view/product/<id>` (also on
// www.tiktok.com). Short links (vt.tiktok.com) cannot be resolved offline and are not recognised. A message with
// one renders as a product card in the dashboard; every one sent is recorded for order attribution.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { automationProducts, automationShopLinks } from '../db/schema';

const SHOP_LINK = /https?:\/\/(?:shop|www)\.tiktok\.com\/view\/product\/([A-Za-z0-9_-]{1,128})(?![A-Za-z0-9_-])/g;

/** The product ids of the shop links in a text, in order, each once. */
export function findShopLinks(text: string): string[] {
  return [...new Set([...text.matchAll(SHOP_LINK)].map((m) => m[1]!))];
}

export function shopUrl(productId: string): string {
  return `https://shop.tiktok.com/view/product/${encodeURIComponent(productId)}`;
}

/** The synced catalog, for the composer's product cards and the flow editor's Shop link block. */
export async function listProducts(db: Db, organizationId: string) {
  const rows = await db
    .select()
    .from(automationProducts)
    .where(eq(automationProducts.organizationId, organizationId))
    .orderBy(automationProducts.name);
  return rows.map((p) => ({ productId: p.productId, name: p.name, skus: p.skus, url: shopUrl(p.productId) }));
}

export interface ShopLinkSend {
  organizationId: string;
  conversationId: string;
  contactId: string;
  messageId: string;
  sentAt: number;
  flow?: {
    flowId: string;
    flowVersion: number;
    blockId: string;
    runId: string;
    triggerId: string | null;
    commentId: string | null;
    postId: string | null;
  };
}

/**
 * Records the catalog products linked in a sent message (with their SKUs at send time); links to products the
 * catalog does not know are not recorded (nothing could be attributed to them). Safe to call twice.
 */
export async function recordShopLinks(db: Db, send: ShopLinkSend, productIds: string[]): Promise<number> {
  if (!productIds.length) return 0;
  const products = await db
    .select({ productId: automationProducts.productId, skus: automationProducts.skus })
    .from(automationProducts)
    .where(
      and(
        eq(automationProducts.organizationId, send.organizationId),
        inArray(automationProducts.productId, productIds.slice(0, 20)),
      ),
    );
  if (!products.length) return 0;
  const rows = await db
    .insert(automationShopLinks)
    .values(
      products.map((p) => ({
        organizationId: send.organizationId,
        conversationId: send.conversationId,
        contactId: send.contactId,
        productId: p.productId,
        skus: p.skus,
        messageId: send.messageId,
        flowId: send.flow?.flowId ?? null,
        flowVersion: send.flow?.flowVersion ?? null,
        blockId: send.flow?.blockId ?? null,
        runId: send.flow?.runId ?? null,
        triggerId: send.flow?.triggerId ?? null,
        commentId: send.flow?.commentId ?? null,
        postId: send.flow?.postId ?? null,
        sentAt: new Date(send.sentAt),
      })),
    )
    .onConflictDoNothing()
    .returning({ id: automationShopLinks.id });
  return rows.length;
}
