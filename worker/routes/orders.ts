// /api/automations/orders: TikTok Shop orders with their attribution. Every member reads them (viewers
// included, like analytics); OWNER, ADMIN and AGENT confirm or reject a soft-attributed one (agents work the
// conversations the orders come from).
import { Hono } from 'hono';
import { z } from 'zod';
import { decideSoftOrder, listOrders } from '../attribution/queries';
import { ORDER_ATTRIBUTION_STATUSES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { pageOf, pagingQuery } from '../http/paging';
import { withAgent, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';

const listQuery = z.object({
  ...pagingQuery(),
  status: z
    .enum(ORDER_ATTRIBUTION_STATUSES, { error: `status must be one of ${ORDER_ATTRIBUTION_STATUSES.join(', ')}` })
    .optional(),
  conversationId: id('conversationId').optional(),
});

export const orderRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/', validate('query', listQuery), async (c) => {
    const query = c.req.valid('query');
    const { items, total } = await listOrders(c.var.db, c.var.auth.organization.id, query);
    return ok(c, pageOf(items, total, query));
  })
  .post('/:id/confirm', withAgent, idParams('id'), async (c) =>
    ok(
      c,
      await decideSoftOrder(
        c.var.db,
        c.var.auth.organization.id,
        c.req.valid('param').id,
        'CONFIRMED',
        c.var.auth.user.id,
      ),
    ),
  )
  .post('/:id/reject', withAgent, idParams('id'), async (c) =>
    ok(
      c,
      await decideSoftOrder(
        c.var.db,
        c.var.auth.organization.id,
        c.req.valid('param').id,
        'REJECTED',
        c.var.auth.user.id,
      ),
    ),
  );
