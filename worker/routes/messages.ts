// /api/messages: decisions on replies waiting for approval (translated replies, AI drafts).
import { Hono } from 'hono';
import { presentLogMessage } from '../conversations/inbox';
import { approveMessage, rejectMessage } from '../conversations/pipeline';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAgent, withOrganization } from '../http/session';

export const messageRoutes = new Hono<AppEnv>()
  .use('/:id/approve', withOrganization, withAgent)
  .use('/:id/reject', withOrganization, withAgent)
  .use('/:id/send-original', withOrganization, withAgent)
  .post('/:id/approve', async (c) =>
    ok(
      c,
      await presentLogMessage(c.var.db, await approveMessage(c.env, c.var.auth.organization.id, c.req.param('id'))),
    ),
  )
  .post('/:id/reject', async (c) =>
    ok(c, await presentLogMessage(c.var.db, await rejectMessage(c.env, c.var.auth.organization.id, c.req.param('id')))),
  )
  .post('/:id/send-original', async (c) =>
    ok(
      c,
      await presentLogMessage(
        c.var.db,
        await approveMessage(c.env, c.var.auth.organization.id, c.req.param('id'), { sendOriginal: true }),
      ),
    ),
  );
