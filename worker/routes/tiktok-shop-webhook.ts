// POST /api/webhooks/tiktok-shop: TikTok Shop's signed order events. Public; per-IP rate limited; the body is
// at most 64 KB and its signature (`TikTok-Signature: t=…,s=…`, HMAC-SHA256 over `${t}.${raw body}` keyed with
// the Shop app secret, 5-minute tolerance: channels/tiktok/signature.ts) is checked over the exact bytes before
// anything is parsed. Idempotent by shop order id (attribution/orders.ts).
import { Hono } from 'hono';
import { processShopWebhook, shopWebhookSchema } from '../attribution/webhook';
import { readSignedTikTokJson } from '../channels/tiktok/signature';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { clientIp, enforceRateLimit } from '../http/rate-limit';
import { parse } from '../http/validate';

const MAX_BODY_BYTES = 64 * 1024;

export const tiktokShopWebhookRoutes = new Hono<AppEnv>().post('/', async (c) => {
  await enforceRateLimit(c.env.WEBHOOK_LIMITER, `tiktok-shop:${clientIp(c.req.raw.headers)}`);
  const body = await readSignedTikTokJson(c.req.raw, {
    secret: c.env.TIKTOK_SHOP_APP_SECRET,
    missingSecret: 'No TikTok Shop app secret is configured (TIKTOK_SHOP_APP_SECRET)',
    maxBytes: MAX_BODY_BYTES,
  });
  return ok(c, await processShopWebhook(c.env, c.var.db, parse(shopWebhookSchema, body)));
});
