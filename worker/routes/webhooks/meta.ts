// /api/webhooks/facebook|instagram|whatsapp: Meta's verify handshake (GET) and signed event deliveries (POST).
// The signature is checked over the exact raw bytes before anything is parsed or stored; a body that passes is
// routed per entry to its channel and handed to the pipeline, and the 200 goes out once every message is
// durably accepted (a failure answers 500, so Meta retries and the provider ids dedupe the replay).

import type { Context } from 'hono';
import { Hono } from 'hono';
import {
  acceptChannelPart,
  candidateSecrets,
  META_PROVIDERS,
  type MetaProvider,
  noteSignatureFailure,
  routeBody,
} from '../../channels/meta/inbound';
import { matchSignature, timingSafeEqual } from '../../channels/meta/signature';
import type { AppEnv } from '../../http/context';
import { ok } from '../../http/envelope';
import { PayloadTooLargeError, UnauthorizedError, ValidationError } from '../../lib/errors';

/** Meta's batches are small (it caps a delivery at 1,000 updates); anything larger is not Meta. */
const MAX_BODY_BYTES = 1024 * 1024;

const VERIFY_TOKENS = {
  facebook: 'FACEBOOK_VERIFY_TOKEN',
  instagram: 'INSTAGRAM_VERIFY_TOKEN',
  whatsapp: 'WHATSAPP_VERIFY_TOKEN',
} as const;

function handshake(provider: MetaProvider) {
  return (c: Context<AppEnv>) => {
    const expected = c.env[VERIFY_TOKENS[provider]];
    const mode = c.req.query('hub.mode');
    const token = c.req.query('hub.verify_token') ?? '';
    const challenge = c.req.query('hub.challenge') ?? '';
    if (!expected || mode !== 'subscribe' || !challenge || !timingSafeEqual(token, expected)) {
      return c.text('Forbidden', 403);
    }
    return c.text(challenge, 200);
  };
}

function receive(provider: MetaProvider) {
  const type = META_PROVIDERS[provider];
  return async (c: Context<AppEnv>) => {
    if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) {
      throw new PayloadTooLargeError('Webhook bodies may be at most 1 MB');
    }
    const started = performance.now();
    const raw = await c.req.arrayBuffer();
    if (raw.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError('Webhook bodies may be at most 1 MB');
    const header = c.req.header('x-hub-signature-256') ?? null;
    let secrets = await candidateSecrets(c.env, type);
    let index = secrets.length ? await matchSignature(raw, header, secrets) : -1;
    // A channel saved a moment ago may bring its own secret: look once more before refusing.
    if (index < 0 && header) {
      secrets = await candidateSecrets(c.env, type, true);
      index = secrets.length ? await matchSignature(raw, header, secrets) : -1;
    }
    if (index < 0) {
      const reason = !secrets.length
        ? 'No app secret is configured (FACEBOOK_APP_SECRET)'
        : header
          ? 'The X-Hub-Signature-256 signature does not match the app secret'
          : 'The X-Hub-Signature-256 header is missing';
      await noteSignatureFailure(c.env, type, reason);
      throw new UnauthorizedError(reason);
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw ValidationError.field('body', 'The body is not valid JSON');
    }
    const { routed, unknown } = await routeBody(c.env, type, body, secrets[index]!);
    if (unknown.length) {
      // Acknowledged: a page no channel (any longer) owns would otherwise be retried by Meta for days.
      console.warn(`Meta ${provider} webhook: no channel for ${unknown.join(', ')}; events acknowledged and dropped`);
    }
    const verified = performance.now();
    const results = await Promise.all(routed.map(({ target, part }) => acceptChannelPart(c.env, target, part)));
    // Where the acknowledgement time goes (signature check vs pipeline), for benches and operators.
    c.header(
      'server-timing',
      `verify;dur=${(verified - started).toFixed(1)}, accept;dur=${(performance.now() - verified).toFixed(1)}`,
    );
    return ok(c, {
      received: results.reduce((sum, r) => sum + r.messages, 0),
      unknownAccounts: unknown.length,
    });
  };
}

export const metaWebhookRoutes = new Hono<AppEnv>();
for (const provider of Object.keys(META_PROVIDERS) as MetaProvider[]) {
  metaWebhookRoutes.get(`/${provider}`, handshake(provider)).post(`/${provider}`, receive(provider));
}
