// POST /api/webhooks/tiktok: TikTok's signed event deliveries (comments and DMs of connected accounts). The
// signature is checked over the exact raw bytes before anything is parsed or stored; a body that passes is
// handed on, and the 200 goes out once it is durably accepted (a failure answers 500 and TikTok retries; the
// provider ids dedupe the replay).
import { Hono } from 'hono';
import { processTikTokBody } from '../../channels/tiktok/inbound';
import { readSignedTikTokJson } from '../../channels/tiktok/signature';
import type { AppEnv } from '../../http/context';
import { ok } from '../../http/envelope';

const MAX_BODY_BYTES = 256 * 1024;

export const tiktokWebhookRoutes = new Hono<AppEnv>().post('/', async (c) => {
  const body = await readSignedTikTokJson(c.req.raw, {
    secret: c.env.TIKTOK_CLIENT_SECRET,
    missingSecret: 'No TikTok client secret is configured (TIKTOK_CLIENT_SECRET)',
    maxBytes: MAX_BODY_BYTES,
  });
  // A new comment is evaluated right after the answer (waitUntil); the cron's sweep catches a lost one.
  const outcome = await processTikTokBody(c.env, c.var.db, body, Date.now(), (work) => c.executionCtx.waitUntil(work));
  return ok(c, { outcome });
});
