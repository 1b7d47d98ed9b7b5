// Meta channel extras: /api/channels/:id/meta (webhook URL, verify token, connection state; admins),
// /api/channels/:id/templates (a WhatsApp channel's approved templates), /api/conversations/:id/window (the
// messaging window) and /api/conversations/:id/template (send a WhatsApp template from the composer).
import { Hono } from 'hono';
import { z } from 'zod';
import { conversationWindow, metaConnection } from '../channels/meta/status';
import { listTemplates, sendTemplate } from '../channels/meta/templates';
import { presentLogMessage } from '../conversations/inbox';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withAgent, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';

const templateSchema = z.strictObject({
  name: z
    .string({ error: 'Template name is required' })
    .trim()
    .min(1, 'Template name is required')
    .max(512, 'Template name must be at most 512 characters'),
  language: z
    .string({ error: 'Template language is required' })
    .trim()
    .min(2, 'Template language is required')
    .max(15, 'Template language must be at most 15 characters'),
  parameters: z
    .array(z.string().max(1024, 'Each parameter must be at most 1024 characters'))
    .max(20, 'At most 20 parameters')
    .default([]),
  clientMessageId: id('clientMessageId').optional(),
});

export const metaChannelRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id/*', idParams('id'))
  .get('/:id/meta', withAdmin, async (c) =>
    ok(
      c,
      await metaConnection(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), new URL(c.req.url).origin),
    ),
  )
  .get('/:id/templates', async (c) =>
    ok(c, await listTemplates(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  );

export const metaConversationRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id/*', idParams('id'))
  .get('/:id/window', async (c) =>
    ok(c, await conversationWindow(c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  )
  .post('/:id/template', withAgent, validate('json', templateSchema), async (c) => {
    const message = await sendTemplate(
      c.env,
      c.var.db,
      { organizationId: c.var.auth.organization.id, userId: c.var.auth.user.id },
      c.req.param('id'),
      c.req.valid('json'),
    );
    return ok(c, await presentLogMessage(c.var.db, message), 201);
  });
