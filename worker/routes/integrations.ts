// /api/integrations: the TikTok and TikTok Shop cards (every member reads them); connecting and disconnecting
// is for the workspace OWNER only. The OAuth callback is a browser redirect from TikTok: it finishes the
// connection and sends the owner back to Settings → Integrations with the outcome.
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withOrganization, withOwner } from '../http/session';
import { id, validate } from '../http/validate';
import { completeConnect, disconnect, integrationCards, startConnect } from '../integrations/integrations';
import { PROVIDER_SLUGS } from '../integrations/providers';
import { DomainError } from '../lib/errors';

const callbackQuery = z.object({
  code: z.string().max(2000, 'code is at most 2000 characters').optional(),
  state: z.string().max(200, 'state is at most 200 characters').optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(500).optional(),
});

const origin = (c: { env: AppEnv['Bindings']; req: { url: string } }) => c.env.APP_ORIGIN ?? new URL(c.req.url).origin;

async function connect(c: Context<AppEnv>, slug: keyof typeof PROVIDER_SLUGS) {
  return ok(
    c,
    await startConnect(c.env, c.var.db, {
      organizationId: c.var.auth.organization.id,
      userId: c.var.auth.user.id,
      provider: PROVIDER_SLUGS[slug],
      origin: origin(c),
    }),
  );
}

export const integrationRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/', async (c) =>
    ok(c, {
      integrations: await integrationCards(c.var.db, c.var.auth.organization.id),
      canManage: c.var.auth.role === 'OWNER',
      workspaceId: c.var.auth.organization.id,
    }),
  )
  .post('/tiktok/connect', withOwner, (c) => connect(c, 'tiktok'))
  .post('/tiktok-shop/connect', withOwner, (c) => connect(c, 'tiktok-shop'))
  .get('/tiktok/callback', withOwner, validate('query', callbackQuery), async (c) => {
    const query = c.req.valid('query');
    const back = new URL('/settings/integrations', origin(c));
    if (query.error || !query.code || !query.state) {
      back.searchParams.set('error', query.error_description || query.error || 'TikTok sent no authorisation code');
      return c.redirect(back.toString(), 302);
    }
    try {
      const integration = await completeConnect(c.env, c.var.db, {
        organizationId: c.var.auth.organization.id,
        userId: c.var.auth.user.id,
        state: query.state,
        code: query.code,
        origin: origin(c),
      });
      back.searchParams.set('connected', integration.provider === 'TIKTOK' ? 'tiktok' : 'tiktok-shop');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      back.searchParams.set('error', error.message);
    }
    return c.redirect(back.toString(), 302);
  })
  .delete('/:id', withOwner, validate('param', z.object({ id: id() })), async (c) => {
    await disconnect(c.var.db, c.var.auth.organization.id, c.req.valid('param').id);
    return ok(c, { deleted: true });
  });
