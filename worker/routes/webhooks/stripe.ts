// POST /api/webhooks/stripe: public, authenticated by Stripe's signature over the raw body (billing/stripe.ts).
import { Hono } from 'hono';
import { handleStripeWebhook } from '../../billing/stripe';
import type { AppEnv } from '../../http/context';
import { ok } from '../../http/envelope';
import { PayloadTooLargeError } from '../../lib/errors';

/** Stripe's events are a few kilobytes; anything far larger is not one. */
const MAX_BODY_CHARS = 512 * 1024;

export const stripeWebhookRoutes = new Hono<AppEnv>().post('/', async (c) => {
  const body = await c.req.text();
  if (body.length > MAX_BODY_CHARS) throw new PayloadTooLargeError('A Stripe event is at most 512 KB');
  const result = await handleStripeWebhook(c.env, c.var.db, body, c.req.header('stripe-signature'));
  return ok(c, { received: true, ...result });
});
