// Connecting and disconnecting the TikTok integrations (OWNER only, enforced by the routes), OAuth with a
// single-use state bound to the organisation and the member who started it, and the integration cards of
// Settings → Integrations: connected or red, granted vs required scopes, last sync and the webhook state.
import { and, eq, ne } from 'drizzle-orm';
import { orderSyncStatus } from '../attribution/shop';
import { DEFAULT_TIKTOK_AUTH_URL, DEFAULT_TIKTOK_SHOP_AUTH_URL } from '../channels/tiktok/api';
import type { Db } from '../db/client';
import {
  channels,
  type Integration,
  type IntegrationProvider,
  integrationOauthStates,
  integrations,
} from '../db/schema';
import type { AppBindings } from '../env';
import { ConflictError, NotFoundError, UpstreamError, ValidationError } from '../lib/errors';
import { encryptJson } from '../lib/secrets';
import { missingScopes, REQUIRED_SCOPES } from './providers';
import { syncPosts, syncProducts } from './sync';
import { exchangeTokens, sealTokens } from './tokens';

const STATE_TTL_MS = 10 * 60_000;
/** The docs' thresholds for a webhook still `Waiting…` after connecting. */
export const WEBHOOK_TROUBLESHOOT_MINUTES = 10;
export const WEBHOOK_SUPPORT_MINUTES = 15;
export const TIKTOK_STATUS_PAGE = 'https://developers.tiktok.com/status';

const NAMES: Record<IntegrationProvider, string> = { TIKTOK: 'TikTok', TIKTOK_SHOP: 'TikTok Shop' };

async function sha256(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function callbackUrl(origin: string): string {
  return `${origin}/api/integrations/tiktok/callback`;
}

/** Starts the OAuth dance: the URL of the platform's authorisation page, with a fresh single-use state. */
export async function startConnect(
  env: AppBindings,
  db: Db,
  input: { organizationId: string; userId: string; provider: IntegrationProvider; origin: string },
  now = Date.now(),
): Promise<{ authorizeUrl: string }> {
  const key = input.provider === 'TIKTOK' ? env.TIKTOK_CLIENT_KEY : env.TIKTOK_SHOP_APP_KEY;
  if (!key) {
    throw new UpstreamError(
      `${NAMES[input.provider]} is not configured on this installation (${input.provider === 'TIKTOK' ? 'TIKTOK_CLIENT_KEY' : 'TIKTOK_SHOP_APP_KEY'})`,
    );
  }
  const state = crypto.randomUUID().replaceAll('-', '') + crypto.randomUUID().replaceAll('-', '');
  await db.insert(integrationOauthStates).values({
    stateHash: await sha256(state),
    organizationId: input.organizationId,
    provider: input.provider,
    userId: input.userId,
    expiresAt: new Date(now + STATE_TTL_MS),
  });
  const scopes = REQUIRED_SCOPES[input.provider].map((s) => s.scope).join(',');
  const url = new URL(
    input.provider === 'TIKTOK'
      ? env.TIKTOK_AUTH_URL?.trim() || DEFAULT_TIKTOK_AUTH_URL
      : env.TIKTOK_SHOP_AUTH_URL?.trim() || DEFAULT_TIKTOK_SHOP_AUTH_URL,
  );
  url.searchParams.set(input.provider === 'TIKTOK' ? 'client_key' : 'app_key', key);
  url.searchParams.set('scope', scopes);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', callbackUrl(input.origin));
  url.searchParams.set('state', state);
  return { authorizeUrl: url.toString() };
}

/** The TikTok channel DMs of the creator account flow through (created on first connect, kept afterwards). */
async function ensureTikTokChannel(env: AppBindings, db: Db, integration: Integration): Promise<string> {
  if (integration.channelId) {
    const [known] = await db.select({ id: channels.id }).from(channels).where(eq(channels.id, integration.channelId));
    if (known) return known.id;
  }
  const [existing] = await db
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.organizationId, integration.organizationId), eq(channels.type, 'TIKTOK')))
    .limit(1);
  const channelId =
    existing?.id ??
    (
      await db
        .insert(channels)
        .values({
          organizationId: integration.organizationId,
          type: 'TIKTOK',
          name: integration.accountName ? `TikTok ${integration.accountName}` : 'TikTok',
          autoTranslate: false,
          // The tokens live on the integration (one place to refresh them); the channel holds nothing secret.
          credentialsEncrypted: await encryptJson(env.ENCRYPTION_KEY, {}),
        })
        .returning({ id: channels.id })
    )[0]!.id;
  await db.update(integrations).set({ channelId }).where(eq(integrations.id, integration.id));
  return channelId;
}

/**
 * Finishes the OAuth dance: the state must be live, single use, and belong to this organisation and member;
 * the code is exchanged for tokens, stored encrypted, and the first sync runs.
 */
export async function completeConnect(
  env: AppBindings,
  db: Db,
  input: { organizationId: string; userId: string; state: string; code: string; origin: string },
  now = Date.now(),
): Promise<Integration> {
  const [claimed] = await db
    .delete(integrationOauthStates)
    .where(eq(integrationOauthStates.stateHash, await sha256(input.state)))
    .returning();
  if (!claimed || claimed.expiresAt.getTime() < now) {
    throw ValidationError.field(
      'state',
      'This connection attempt has expired: start again from Settings → Integrations',
    );
  }
  if (claimed.organizationId !== input.organizationId || claimed.userId !== input.userId) {
    throw ValidationError.field('state', 'This connection attempt was started by someone else');
  }
  const tokens = await exchangeTokens(
    env,
    claimed.provider,
    { kind: 'code', code: input.code, redirectUri: callbackUrl(input.origin) },
    now,
  );
  if ('error' in tokens) throw new UpstreamError(`${NAMES[claimed.provider]} refused the connection: ${tokens.error}`);
  const [taken] = await db
    .select({ id: integrations.id })
    .from(integrations)
    .where(
      and(
        eq(integrations.provider, claimed.provider),
        eq(integrations.accountId, tokens.accountId),
        ne(integrations.organizationId, input.organizationId),
      ),
    )
    .limit(1);
  if (taken)
    throw new ConflictError(`This ${NAMES[claimed.provider]} account is already connected to another workspace`);
  const fields = {
    status: 'CONNECTED' as const,
    accountId: tokens.accountId,
    accountName: tokens.accountName,
    grantedScopes: tokens.scopes,
    tokensEncrypted: await sealTokens(env, tokens),
    accessExpiresAt: tokens.accessExpiresAt,
    refreshExpiresAt: tokens.refreshExpiresAt,
    lastError: null,
    connectedById: input.userId,
    connectedAt: new Date(now),
  };
  const [integration] = await db
    .insert(integrations)
    .values({ organizationId: input.organizationId, provider: claimed.provider, ...fields })
    .onConflictDoUpdate({
      target: [integrations.organizationId, integrations.provider],
      set: { ...fields, lastEventAt: null },
    })
    .returning();
  if (claimed.provider === 'TIKTOK') {
    await ensureTikTokChannel(env, db, integration!);
    const synced = await syncPosts(env, db, input.organizationId, { now });
    if ('error' in synced) console.warn(`First post sync failed: ${synced.error}`);
  } else {
    const synced = await syncProducts(env, db, input.organizationId, now);
    if ('error' in synced) console.warn(`First catalog sync failed: ${synced.error}`);
  }
  const [fresh] = await db.select().from(integrations).where(eq(integrations.id, integration!.id));
  return fresh!;
}

export async function disconnect(db: Db, organizationId: string, integrationId: string): Promise<void> {
  const removed = await db
    .delete(integrations)
    .where(and(eq(integrations.organizationId, organizationId), eq(integrations.id, integrationId)))
    .returning({ id: integrations.id });
  if (!removed.length) throw new NotFoundError('Integration');
}

export function webhookState(integration: Pick<Integration, 'lastEventAt' | 'connectedAt'>, now = Date.now()) {
  if (integration.lastEventAt) {
    return {
      state: 'RECEIVING' as const,
      label: 'Receiving events',
      lastEventAt: integration.lastEventAt,
      guidance: null,
    };
  }
  const minutes = (now - integration.connectedAt.getTime()) / 60_000;
  const guidance =
    minutes > WEBHOOK_SUPPORT_MINUTES
      ? `Still waiting after ${WEBHOOK_SUPPORT_MINUTES} minutes: contact support with your workspace ID.`
      : minutes > WEBHOOK_TROUBLESHOOT_MINUTES
        ? `No events ${WEBHOOK_TROUBLESHOOT_MINUTES} minutes after connecting: see Troubleshooting → Webhook not receiving.`
        : null;
  return { state: 'WAITING' as const, label: 'Waiting…', lastEventAt: null, guidance };
}

/** Both cards, connected or not, as Settings → Integrations shows them (the Shop's with its order sync). */
export async function integrationCards(db: Db, organizationId: string, now = Date.now()) {
  const rows = await db.select().from(integrations).where(eq(integrations.organizationId, organizationId));
  const shop = rows.find((r) => r.provider === 'TIKTOK_SHOP');
  const orderSync = shop ? await orderSyncStatus(db, shop) : null;
  return (['TIKTOK', 'TIKTOK_SHOP'] as const).map((provider) => {
    const row = rows.find((r) => r.provider === provider);
    const granted = row?.grantedScopes ?? [];
    return {
      provider,
      slug: provider === 'TIKTOK' ? 'tiktok' : 'tiktok-shop',
      name: NAMES[provider],
      id: row?.id ?? null,
      status: row ? row.status : ('NOT_CONNECTED' as const),
      accountId: row?.accountId ?? null,
      accountName: row?.accountName ?? null,
      scopes: REQUIRED_SCOPES[provider].map((s) => ({ ...s, granted: granted.includes(s.scope) })),
      missingScopes: row ? missingScopes(provider, granted) : [],
      lastSyncAt: row?.lastSyncAt ?? null,
      lastError: row?.lastError ?? null,
      connectedAt: row?.connectedAt ?? null,
      webhook: row && provider === 'TIKTOK' ? webhookState(row, now) : null,
      orderSync: provider === 'TIKTOK_SHOP' ? orderSync : null,
      statusPageUrl: TIKTOK_STATUS_PAGE,
    };
  });
}
