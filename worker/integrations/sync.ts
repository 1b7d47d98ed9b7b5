// Keeps our copy of the connected accounts' data fresh: the creator's videos and Lives (with the LIVE flag;
// the tags are ours and survive a sync) and the Shop's product catalog (names and seller SKUs for "Mentions a
// SKU"). Run after connecting, from the minute cron every SYNC_EVERY_MS, and for a post a comment names that we
// do not know yet.
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { tiktokRequest } from '../channels/tiktok/api';
import type { Db } from '../db/client';
import { automationPosts, automationProducts, integrations } from '../db/schema';
import type { AppBindings } from '../env';
import { POSTS_SCOPE } from './providers';
import { integrationAccess } from './tokens';

export const SYNC_EVERY_MS = 5 * 60_000;
const MAX_PAGES = 5;

interface VideoData {
  videos?: { item_id?: unknown; create_time?: unknown; caption?: unknown; is_live?: unknown }[];
  cursor?: unknown;
  has_more?: unknown;
}

interface ProductData {
  products?: { id?: unknown; title?: unknown; skus?: { seller_sku?: unknown }[] }[];
  next_page_token?: unknown;
}

const text = (v: unknown, max: number) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null);
const idOf = (v: unknown) => (typeof v === 'number' ? String(v) : text(v, 128));

async function upsertPosts(db: Db, organizationId: string, videos: NonNullable<VideoData['videos']>, now: Date) {
  const rows = videos.flatMap((v) => {
    const postId = idOf(v.item_id);
    const created = Number(v.create_time);
    if (!postId || !(created > 0)) return [];
    return [
      {
        organizationId,
        postId,
        caption: text(v.caption, 500),
        isLive: v.is_live === true,
        publishedAt: new Date(created * 1000),
        tags: [] as string[],
        syncedAt: now,
      },
    ];
  });
  // Seven bound parameters a row: 12 rows stay under D1's 100-parameter limit.
  for (let i = 0; i < rows.length; i += 12) {
    await db
      .insert(automationPosts)
      .values(rows.slice(i, i + 12))
      .onConflictDoUpdate({
        target: [automationPosts.organizationId, automationPosts.postId],
        set: {
          caption: sql`excluded.caption`,
          isLive: sql`excluded.is_live`,
          publishedAt: sql`excluded.published_at`,
          syncedAt: sql`excluded.synced_at`,
        },
      });
  }
  return rows.length;
}

/** The creator's video list (or just the named videos); null when it cannot be read, with the reason noted. */
export async function syncPosts(
  env: AppBindings,
  db: Db,
  organizationId: string,
  options: { videoIds?: string[]; now?: number } = {},
): Promise<{ synced: number } | { error: string }> {
  const now = options.now ?? Date.now();
  const access = await integrationAccess(env, db, organizationId, 'TIKTOK', now);
  if ('error' in access) return access;
  if (!access.integration.grantedScopes.includes(POSTS_SCOPE)) {
    return { error: `The post list needs the ${POSTS_SCOPE} scope: reconnect TikTok and approve it` };
  }
  let cursor: string | null = null;
  let synced = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: Record<string, string> = {
      business_id: access.integration.accountId,
      fields: JSON.stringify(['item_id', 'create_time', 'caption', 'is_live']),
      max_count: '20',
    };
    if (cursor) query.cursor = cursor;
    if (options.videoIds?.length) query.filters = JSON.stringify({ video_ids: options.videoIds });
    const result = await tiktokRequest<VideoData>(env, {
      method: 'GET',
      path: 'business/video/list/',
      token: access.accessToken,
      query,
    });
    if (!result.ok) {
      await db
        .update(integrations)
        .set({ lastError: `Post sync: ${result.reason}` })
        .where(eq(integrations.id, access.integration.id));
      return { error: result.reason };
    }
    synced += await upsertPosts(db, organizationId, result.data.videos ?? [], new Date(now));
    cursor = result.data.has_more === true && result.data.cursor != null ? String(result.data.cursor) : null;
    if (!cursor || options.videoIds?.length) break;
  }
  if (!options.videoIds?.length) {
    await db
      .update(integrations)
      .set({ lastSyncAt: new Date(now), lastError: null })
      .where(eq(integrations.id, access.integration.id));
  }
  return { synced };
}

/** The Shop's product catalog (names and seller SKUs). */
export async function syncProducts(
  env: AppBindings,
  db: Db,
  organizationId: string,
  now = Date.now(),
): Promise<{ synced: number } | { error: string }> {
  const access = await integrationAccess(env, db, organizationId, 'TIKTOK_SHOP', now);
  if ('error' in access) return access;
  if (!access.integration.grantedScopes.includes('product.read')) {
    return { error: 'The catalog needs the product.read scope: reconnect TikTok Shop and approve it' };
  }
  let pageToken: string | null = null;
  let synced = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query: Record<string, string> = { page_size: '100' };
    if (pageToken) query.page_token = pageToken;
    const result = await tiktokRequest<ProductData>(env, {
      method: 'POST',
      base: 'shop-api',
      path: 'product/202309/products/search',
      token: access.accessToken,
      query,
      body: { status: 'ACTIVATE' },
    });
    if (!result.ok) {
      await db
        .update(integrations)
        .set({ lastError: `Catalog sync: ${result.reason}` })
        .where(eq(integrations.id, access.integration.id));
      return { error: result.reason };
    }
    const rows = (result.data.products ?? []).flatMap((p) => {
      const productId = idOf(p.id);
      const name = text(p.title, 300);
      if (!productId || !name) return [];
      const skus = (p.skus ?? []).map((s) => text(s.seller_sku, 100)).filter((s): s is string => !!s);
      return [{ organizationId, productId, name, skus, syncedAt: new Date(now) }];
    });
    for (let i = 0; i < rows.length; i += 15) {
      await db
        .insert(automationProducts)
        .values(rows.slice(i, i + 15))
        .onConflictDoUpdate({
          target: [automationProducts.organizationId, automationProducts.productId],
          set: { name: sql`excluded.name`, skus: sql`excluded.skus`, syncedAt: sql`excluded.synced_at` },
        });
    }
    synced += rows.length;
    pageToken =
      typeof result.data.next_page_token === 'string' && result.data.next_page_token
        ? result.data.next_page_token
        : null;
    if (!pageToken) break;
  }
  await db
    .update(integrations)
    .set({ lastSyncAt: new Date(now), lastError: null })
    .where(eq(integrations.id, access.integration.id));
  return { synced };
}

/** Cron: syncs the integrations whose last sync is older than SYNC_EVERY_MS (a few per run). */
export async function syncDueIntegrations(env: AppBindings, db: Db, now = Date.now()): Promise<void> {
  const due = await db
    .select({ organizationId: integrations.organizationId, provider: integrations.provider })
    .from(integrations)
    .where(
      and(
        eq(integrations.status, 'CONNECTED'),
        or(isNull(integrations.lastSyncAt), lt(integrations.lastSyncAt, new Date(now - SYNC_EVERY_MS))),
      ),
    )
    .limit(10);
  for (const row of due) {
    const result =
      row.provider === 'TIKTOK'
        ? await syncPosts(env, db, row.organizationId, { now })
        : await syncProducts(env, db, row.organizationId, now);
    if ('error' in result) console.warn(`Sync of ${row.provider} for ${row.organizationId}: ${result.error}`);
  }
}
