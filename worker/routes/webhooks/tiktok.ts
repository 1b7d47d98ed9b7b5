// POST /api/webhooks/tiktok: TikTok's signed event deliveries (comments and DMs of connected accounts). The
// signature is checked over the exact raw bytes before anything is parsed or stored; a body that passes is
// handed on, and the 200 goes out once it is durably accepted (a failure answers 500 and TikTok retries; the
// provider ids dedupe the replay).
import { Hono } from 'hono';
import { processTikTokBody } from '../../channels/tiktok/inbound';
import { checkTikTokSignature } from '../../channels/tiktok/signature';
import type { AppEnv } from '../../http/context';
import { ok } from '../../http/envelope';
import { PayloadTooLargeError, UnauthorizedError, ValidationError } from '../../lib/errors';

const MAX_BODY_BYTES = 256 * 1024;

export const tiktokWebhookRoutes = new Hono<AppEnv>().post('/', async (c) => {
  if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError('Webhook bodies may be at most 256 KB');
  }
  const raw = await c.req.arrayBuffer();
  if (raw.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError('Webhook bodies may be at most 256 KB');
  const secret = c.env.TIKTOK_CLIENT_SECRET;
  if (!secret) throw new UnauthorizedError('No TikTok client secret is configured (TIKTOK_CLIENT_SECRET)');
  const problem = await checkTikTokSignature(raw, c.req.header('tiktok-signature') ?? null, secret);
  if (problem) throw new UnauthorizedError(problem);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw ValidationError.field('body', 'The body is not valid JSON');
  }
  // A new comment is evaluated right after the answer (waitUntil); the cron's sweep catches a lost one.
  const outcome = await processTikTokBody(c.env, c.var.db, body, Date.now(), (work) => c.executionCtx.waitUntil(work));
  return ok(c, { outcome });
});
