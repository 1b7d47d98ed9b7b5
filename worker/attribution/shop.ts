// Orders from TikTok Shop: the order detail of one order (the webhook names an order and its new status; the
// detail gives the buyer, the lines and the total) and the periodic order search (every ORDER_SYNC_EVERY_MS from
// the minute cron, for each organisation with a connected TikTok Shop), both through the Shop API client of
// channels/tiktok/api.ts (signed requests, public-host check on every URL, retries). Idempotent: orders land in
// ingestOrder, keyed by the shop order id.
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { tiktokRequest } from '../channels/tiktok/api';
import type { Db } from '../db/client';
import { automationOrderSyncs, type Integration, integrations } from '../db/schema';
import type { AppBindings } from '../env';
import { integrationAccess } from '../integrations/tokens';
import { ingestOrder, parseShopOrder, type ShopOrder } from './orders';

export const ORDER_SYNC_EVERY_MS = 5 * 60_000;
/** A first sync looks back over the attribution window, so recent orders are matched from day one. */
export const FIRST_SYNC_LOOKBACK_MS = 14 * 24 * 60 * 60 * 1000;
/** Each sync re-reads a little before its high-water mark: an order updated in the same second is not missed. */
const OVERLAP_MS = 60_000;
const MAX_PAGES = 5;
/** A run reads on past MAX_PAGES while its high-water mark has not moved past the overlap (a burst of orders
 * updated within one minute), so the next run never starts from the same place; this bounds that. */
const HARD_MAX_PAGES = 50;
const ORDER_SCOPE = 'order.read';

// Why a sync or an order read failed, in words the Shop card shows as they are; the first two name a cause the
// team can fix (orderSyncStatus turns them into the fix), anything else is TikTok's own reason, retried.
const NO_ORDER_PERMISSION = `TikTok Shop has not granted the Read orders permission (${ORDER_SCOPE})`;
const ACCESS_REFUSED = 'TikTok Shop refused our access';
/** The fixes of the troubleshooting guide ("Orders aren't being attributed": TikTok Shop must be connected). */
export const RECONNECT_FOR_ORDERS = 'Reconnect TikTok Shop and approve “Read orders”.';
export const RECONNECT = 'Reconnect TikTok Shop.';

interface OrderSearchData {
  orders?: ShopOrder[];
  next_page_token?: unknown;
}

type Access = Awaited<ReturnType<typeof integrationAccess>>;

function scopeProblem(access: Exclude<Access, { error: string }>) {
  return access.integration.grantedScopes.includes(ORDER_SCOPE) ? null : NO_ORDER_PERMISSION;
}

/** A refused Shop API request: a missing permission or a dead token say so (code 105005 / 105002, 403 / 401). */
function requestProblem(result: { status: number; code?: number; reason: string }) {
  if (result.code === 105005 || result.status === 403) return `${NO_ORDER_PERMISSION}: ${result.reason}`;
  if (result.code === 105002 || result.status === 401) return `${ACCESS_REFUSED}: ${result.reason}`;
  return result.reason;
}

/** One order's detail from the Shop API; `{error}` when it cannot be read. */
export async function fetchShopOrder(
  env: AppBindings,
  db: Db,
  organizationId: string,
  shopOrderId: string,
  now = Date.now(),
): Promise<{ order: ShopOrder } | { error: string }> {
  const access = await integrationAccess(env, db, organizationId, 'TIKTOK_SHOP', now);
  if ('error' in access) return access;
  const problem = scopeProblem(access);
  if (problem) return { error: problem };
  const result = await tiktokRequest<OrderSearchData>(env, {
    method: 'GET',
    base: 'shop-api',
    path: 'order/202309/orders',
    token: access.accessToken,
    query: { ids: shopOrderId },
  });
  if (!result.ok) return { error: requestProblem(result) };
  const order = (result.data.orders ?? []).find((o) => String(o?.id) === shopOrderId);
  return order ? { order } : { error: `TikTok Shop does not know order ${shopOrderId}` };
}

/** Orders created or updated since the last sync (a few pages a run; the next run continues). */
export async function syncOrders(
  env: AppBindings,
  db: Db,
  organizationId: string,
  now = Date.now(),
): Promise<{ synced: number; attributed: number } | { error: string }> {
  // synced: orders stored or changed by this run; attributed: new ones credited to a conversation (soft included).
  const [state] = await db
    .select()
    .from(automationOrderSyncs)
    .where(eq(automationOrderSyncs.organizationId, organizationId));
  const record = async (values: { syncedThrough?: Date; lastError: string | null }) => {
    const syncedThrough = values.syncedThrough ?? state?.syncedThrough ?? new Date(now - FIRST_SYNC_LOOKBACK_MS);
    await db
      .insert(automationOrderSyncs)
      .values({ organizationId, syncedThrough, lastRunAt: new Date(now), lastError: values.lastError })
      .onConflictDoUpdate({
        target: automationOrderSyncs.organizationId,
        set: { syncedThrough, lastRunAt: new Date(now), lastError: values.lastError },
      });
  };
  const access = await integrationAccess(env, db, organizationId, 'TIKTOK_SHOP', now);
  const problem = 'error' in access ? access.error : scopeProblem(access);
  if (problem || 'error' in access) {
    await record({ lastError: problem });
    return { error: problem ?? 'TikTok Shop is not connected' };
  }
  const since = state ? state.syncedThrough.getTime() - OVERLAP_MS : now - FIRST_SYNC_LOOKBACK_MS;
  let highWater = state?.syncedThrough.getTime() ?? since;
  let pageToken: string | null = null;
  let synced = 0;
  let attributed = 0;
  for (let page = 0; page < HARD_MAX_PAGES; page++) {
    if (page >= MAX_PAGES && highWater > since + OVERLAP_MS) break;
    const query: Record<string, string> = { page_size: '100', sort_field: 'update_time', sort_order: 'ASC' };
    if (pageToken) query.page_token = pageToken;
    const result = await tiktokRequest<OrderSearchData>(env, {
      method: 'POST',
      base: 'shop-api',
      path: 'order/202309/orders/search',
      token: access.accessToken,
      query,
      body: { update_time_ge: Math.floor(since / 1000), update_time_lt: Math.floor(now / 1000) + 1 },
    });
    if (!result.ok) {
      const problem = requestProblem(result);
      await record({ syncedThrough: new Date(highWater), lastError: problem });
      return { error: problem };
    }
    for (const raw of result.data.orders ?? []) {
      const order = parseShopOrder(raw);
      if ('error' in order) {
        console.warn(`Order sync for ${organizationId}: ${order.error}`);
        continue;
      }
      const stored = await ingestOrder(db, organizationId, order, 'SYNC', now);
      if (stored.outcome !== 'UNCHANGED') synced += 1;
      if (stored.outcome === 'CREATED' && stored.attribution !== 'ORGANIC') attributed += 1;
      highWater = Math.max(highWater, order.orderUpdatedAt.getTime());
    }
    pageToken =
      typeof result.data.next_page_token === 'string' && result.data.next_page_token
        ? result.data.next_page_token
        : null;
    if (!pageToken) break;
  }
  // With pages left over, the next run continues from the newest order stored; otherwise we are current.
  await record({ syncedThrough: new Date(pageToken ? highWater : now), lastError: null });
  return { synced, attributed };
}

/**
 * The order sync as the TikTok Shop card shows it: when it last ran, how far orders are read, the last run's
 * error (null once a run succeeds) and the fix when the team can do something about it. A failure from before
 * the shop was (re)connected gets no fix: the next minute's cron syncs again (syncDueOrders).
 */
export async function orderSyncStatus(
  db: Db,
  integration: Pick<Integration, 'organizationId' | 'status' | 'grantedScopes' | 'connectedAt'>,
) {
  const [state] = await db
    .select()
    .from(automationOrderSyncs)
    .where(eq(automationOrderSyncs.organizationId, integration.organizationId));
  if (!state) return null;
  const current = state.lastRunAt.getTime() >= integration.connectedAt.getTime();
  return {
    lastRunAt: state.lastRunAt,
    syncedThrough: state.syncedThrough,
    lastError: state.lastError,
    fix: state.lastError && current ? fixFor(state.lastError, integration) : null,
    retryEveryMinutes: ORDER_SYNC_EVERY_MS / 60_000,
  };
}

function fixFor(error: string, integration: Pick<Integration, 'status' | 'grantedScopes'>) {
  if (error.startsWith(NO_ORDER_PERMISSION) || !integration.grantedScopes.includes(ORDER_SCOPE)) {
    return RECONNECT_FOR_ORDERS;
  }
  const reconnect =
    error.startsWith(ACCESS_REFUSED) ||
    error.startsWith('TikTok Shop needs to be reconnected') ||
    integration.status === 'ERROR';
  return reconnect ? RECONNECT : null;
}

/**
 * Cron: the order sync of organisations with a connected TikTok Shop whose last sync is due (a few per run): every
 * ORDER_SYNC_EVERY_MS, and at once after a reconnect (a fixed permission shows at the next minute).
 */
export async function syncDueOrders(env: AppBindings, db: Db, now = Date.now()): Promise<void> {
  const due = await db
    .select({ organizationId: integrations.organizationId })
    .from(integrations)
    .leftJoin(automationOrderSyncs, eq(automationOrderSyncs.organizationId, integrations.organizationId))
    .where(
      and(
        eq(integrations.provider, 'TIKTOK_SHOP'),
        eq(integrations.status, 'CONNECTED'),
        or(
          isNull(automationOrderSyncs.lastRunAt),
          lt(automationOrderSyncs.lastRunAt, new Date(now - ORDER_SYNC_EVERY_MS)),
          lt(automationOrderSyncs.lastRunAt, integrations.connectedAt),
        ),
      ),
    )
    .limit(10);
  for (const row of due) {
    try {
      const result = await syncOrders(env, db, row.organizationId, now);
      if ('error' in result) console.warn(`Order sync for ${row.organizationId}: ${result.error}`);
    } catch (error) {
      console.error(`Order sync for ${row.organizationId} failed:`, error);
    }
  }
}
