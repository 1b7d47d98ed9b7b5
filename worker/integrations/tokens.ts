// OAuth tokens of the TikTok integrations: the code exchange, the refresh (before expiry: on use when less than
// REFRESH_MARGIN_MS is left, and from the minute cron), and the decrypted access token for callers. Tokens are
// stored encrypted (lib/secrets.ts) and never leave the API.
import { and, eq, lt } from 'drizzle-orm';
import { type TikTokEnv, tiktokRequest } from '../channels/tiktok/api';
import type { Db } from '../db/client';
import { type Integration, type IntegrationProvider, integrations } from '../db/schema';
import type { AppBindings } from '../env';
import { decryptJson, encryptJson } from '../lib/secrets';

/** Refresh when less than this is left on the access token. */
export const REFRESH_MARGIN_MS = 10 * 60_000;

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: Date;
  refreshExpiresAt: Date | null;
  accountId: string;
  accountName: string | null;
  scopes: string[];
}

type Exchange = { kind: 'code'; code: string; redirectUri: string } | { kind: 'refresh'; refreshToken: string };

interface BusinessTokenData {
  open_id?: unknown;
  scope?: unknown;
  access_token?: unknown;
  expires_in?: unknown;
  refresh_token?: unknown;
  refresh_token_expires_in?: unknown;
  display_name?: unknown;
}

interface ShopTokenData {
  open_id?: unknown;
  seller_name?: unknown;
  access_token?: unknown;
  access_token_expire_in?: unknown;
  refresh_token?: unknown;
  refresh_token_expire_in?: unknown;
  granted_scopes?: unknown;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 500) : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v));

/** Exchanges an authorisation code or a refresh token; a refusal is `{error}`, never a throw. */
export async function exchangeTokens(
  env: AppBindings,
  provider: IntegrationProvider,
  exchange: Exchange,
  now = Date.now(),
): Promise<TokenSet | { error: string; permanent: boolean }> {
  if (provider === 'TIKTOK') {
    if (!env.TIKTOK_CLIENT_KEY || !env.TIKTOK_CLIENT_SECRET) {
      return { error: 'TikTok is not configured on this installation (TIKTOK_CLIENT_KEY)', permanent: true };
    }
    const credentials = { client_id: env.TIKTOK_CLIENT_KEY, client_secret: env.TIKTOK_CLIENT_SECRET };
    const result = await tiktokRequest<BusinessTokenData>(env, {
      method: 'POST',
      path: exchange.kind === 'code' ? 'tt_user/oauth2/token/' : 'tt_user/oauth2/refresh_token/',
      body:
        exchange.kind === 'code'
          ? {
              ...credentials,
              grant_type: 'authorization_code',
              auth_code: exchange.code,
              redirect_uri: exchange.redirectUri,
            }
          : { ...credentials, grant_type: 'refresh_token', refresh_token: exchange.refreshToken },
    });
    if (!result.ok) return { error: result.reason, permanent: !result.retryable };
    const d = result.data;
    const accessToken = text(d.access_token);
    const refreshToken = text(d.refresh_token);
    const accountId = text(d.open_id);
    if (!accessToken || !refreshToken || !accountId || !(num(d.expires_in) > 0)) {
      return { error: 'TikTok answered without tokens', permanent: true };
    }
    return {
      accessToken,
      refreshToken,
      accountId,
      accountName: text(d.display_name),
      accessExpiresAt: new Date(now + num(d.expires_in) * 1000),
      refreshExpiresAt:
        num(d.refresh_token_expires_in) > 0 ? new Date(now + num(d.refresh_token_expires_in) * 1000) : null,
      scopes: (text(d.scope) ?? '').split(/[,\s]+/).filter(Boolean),
    };
  }
  if (!env.TIKTOK_SHOP_APP_KEY || !env.TIKTOK_SHOP_APP_SECRET) {
    return { error: 'TikTok Shop is not configured on this installation (TIKTOK_SHOP_APP_KEY)', permanent: true };
  }
  const query: Record<string, string> = { app_key: env.TIKTOK_SHOP_APP_KEY, app_secret: env.TIKTOK_SHOP_APP_SECRET };
  const result = await tiktokRequest<ShopTokenData>(env as TikTokEnv, {
    method: 'GET',
    base: 'shop-auth',
    path: exchange.kind === 'code' ? 'api/v2/token/get' : 'api/v2/token/refresh',
    query:
      exchange.kind === 'code'
        ? { ...query, auth_code: exchange.code, grant_type: 'authorized_code' }
        : { ...query, refresh_token: exchange.refreshToken, grant_type: 'refresh_token' },
  });
  if (!result.ok) return { error: result.reason, permanent: !result.retryable };
  const d = result.data;
  const accessToken = text(d.access_token);
  const refreshToken = text(d.refresh_token);
  const accountId = text(d.open_id);
  // Shop answers expiry as a Unix time in seconds.
  if (!accessToken || !refreshToken || !accountId || !(num(d.access_token_expire_in) > 0)) {
    return { error: 'TikTok Shop answered without tokens', permanent: true };
  }
  return {
    accessToken,
    refreshToken,
    accountId,
    accountName: text(d.seller_name),
    accessExpiresAt: new Date(num(d.access_token_expire_in) * 1000),
    refreshExpiresAt: num(d.refresh_token_expire_in) > 0 ? new Date(num(d.refresh_token_expire_in) * 1000) : null,
    scopes: Array.isArray(d.granted_scopes) ? d.granted_scopes.filter((s): s is string => typeof s === 'string') : [],
  };
}

export function sealTokens(env: AppBindings, tokens: Pick<TokenSet, 'accessToken' | 'refreshToken'>) {
  return encryptJson(env.ENCRYPTION_KEY, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
}

async function openTokens(env: AppBindings, integration: Integration) {
  return decryptJson<{ accessToken: string; refreshToken: string }>(env.ENCRYPTION_KEY, integration.tokensEncrypted);
}

/**
 * Refreshes one integration's tokens. Two refreshes racing: only the one whose view of the expiry is still
 * current writes; the other reads the winner's tokens. A refusal marks the integration ERROR (red, Reconnect).
 */
export async function refreshIntegration(
  env: AppBindings,
  db: Db,
  integration: Integration,
  now = Date.now(),
): Promise<Integration> {
  const { refreshToken } = await openTokens(env, integration);
  const result = await exchangeTokens(env, integration.provider, { kind: 'refresh', refreshToken }, now);
  if ('error' in result) {
    const [row] = await db
      .update(integrations)
      .set(
        result.permanent
          ? { status: 'ERROR', lastError: `Token refresh refused: ${result.error}` }
          : { lastError: result.error },
      )
      .where(eq(integrations.id, integration.id))
      .returning();
    return row ?? integration;
  }
  const [row] = await db
    .update(integrations)
    .set({
      tokensEncrypted: await sealTokens(env, result),
      accessExpiresAt: result.accessExpiresAt,
      refreshExpiresAt: result.refreshExpiresAt ?? integration.refreshExpiresAt,
      status: 'CONNECTED',
      lastError: null,
      ...(result.scopes.length ? { grantedScopes: result.scopes } : {}),
    })
    .where(and(eq(integrations.id, integration.id), eq(integrations.accessExpiresAt, integration.accessExpiresAt)))
    .returning();
  if (row) return row;
  const [current] = await db.select().from(integrations).where(eq(integrations.id, integration.id));
  return current ?? integration;
}

export async function loadIntegration(db: Db, organizationId: string, provider: IntegrationProvider) {
  const [row] = await db
    .select()
    .from(integrations)
    .where(and(eq(integrations.organizationId, organizationId), eq(integrations.provider, provider)))
    .limit(1);
  return row ?? null;
}

/** A usable access token for the organisation's integration, refreshed first when it is about to expire. */
export async function integrationAccess(
  env: AppBindings,
  db: Db,
  organizationId: string,
  provider: IntegrationProvider,
  now = Date.now(),
): Promise<{ integration: Integration; accessToken: string } | { error: string }> {
  let integration = await loadIntegration(db, organizationId, provider);
  const name = provider === 'TIKTOK' ? 'TikTok' : 'TikTok Shop';
  if (!integration) return { error: `${name} is not connected` };
  if (integration.accessExpiresAt.getTime() - now < REFRESH_MARGIN_MS) {
    integration = await refreshIntegration(env, db, integration, now);
  }
  if (integration.status === 'ERROR' || integration.accessExpiresAt.getTime() <= now) {
    return { error: `${name} needs to be reconnected${integration.lastError ? `: ${integration.lastError}` : ''}` };
  }
  return { integration, accessToken: (await openTokens(env, integration)).accessToken };
}

/** Cron: refreshes every integration whose access token expires within the margin. */
export async function refreshExpiringIntegrations(env: AppBindings, db: Db, now = Date.now()): Promise<number> {
  const due = await db
    .select()
    .from(integrations)
    .where(
      and(eq(integrations.status, 'CONNECTED'), lt(integrations.accessExpiresAt, new Date(now + REFRESH_MARGIN_MS))),
    )
    .limit(50);
  for (const integration of due) {
    try {
      await refreshIntegration(env, db, integration, now);
    } catch (error) {
      console.error(`Integration ${integration.id}: refresh failed:`, error);
    }
  }
  return due.length;
}
