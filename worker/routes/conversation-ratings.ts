// GET /api/conversations/:id/rating: the visitor's rating of a resolved conversation, for the agent (null when
// the visitor has not rated it). GET /api/conversations/:id/visitor: the website visitor's page, browser, place,
// time zone and first/last seen, for the contact panel.
import { Hono } from 'hono';
import { conversationRating } from '../channels/website-chat/history';
import { conversationVisitor } from '../channels/website-chat/visitor-profile';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withOrganization } from '../http/session';
import { idParams } from '../http/validate';

export const conversationRatingRoutes = new Hono<AppEnv>()
  .use('/:id/rating', withOrganization)
  .get('/:id/rating', idParams('id'), async (c) =>
    ok(c, await conversationRating(c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  )
  .use('/:id/visitor', withOrganization)
  .get('/:id/visitor', idParams('id'), async (c) =>
    ok(c, await conversationVisitor(c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  );
