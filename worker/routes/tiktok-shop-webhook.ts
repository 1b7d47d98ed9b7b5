// POST /api/webhooks/tiktok-shop: TikTok Shop's signed order events. Public; per-IP rate limited; the body is
// at most 64 KB and its signature (`TikTok-Signature: t=…,s=…`, HMAC-SHA256 over `${t}.${raw body}` keyed with
// the Shop app secret, 5-minute tolerance: channels/tiktok/signature.ts) is checked over the exact bytes before
// anything is parsed. Idempotent by shop order id (attribution/orders.ts).
import { Hono } from 'hono';
import { processShopWebhook, shopWebhookSchema } from '../attribution/webhook';
import { checkTikTokSignature } from '../channels/tiktok/signature';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { clientIp, enforceRateLimit } from '../http/rate-limit';
import { parse } from '../http/validate';
import { PayloadTooLargeError, UnauthorizedError, ValidationError } from '../lib/errors';

const MAX_BODY_BYTES = 64 * 1024;

export const tiktokShopWebhookRoutes = new Hono<AppEnv>().post('/', async (c) => {
  await enforceRateLimit(c.env.WEBHOOK_LIMITER, `tiktok-shop:${clientIp(c.req.raw.headers)}`);
  if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError('Webhook bodies may be at most 64 KB');
  }
  const raw = await c.req.arrayBuffer();
  if (raw.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError('Webhook bodies may be at most 64 KB');
  const secret = c.env.TIKTOK_SHOP_APP_SECRET;
  if (!secret) throw new UnauthorizedError('No TikTok Shop app secret is configured (TIKTOK_SHOP_APP_SECRET)');
  const problem = await checkTikTokSignature(raw, c.req.header('tiktok-signature') ?? null, secret);
  if (problem) throw new UnauthorizedError(problem);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw ValidationError.field('body', 'The body is not valid JSON');
  }
  return ok(c, await processShopWebhook(c.env, c.var.db, parse(shopWebhookSchema, body)));
});
