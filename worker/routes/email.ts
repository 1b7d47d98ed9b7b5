// /api/email: the email details of a conversation's messages (Subject, From, To, Cc, quoted history) and an
// email channel's IMAP poll status (last poll, last error, quarantined mail). Every member reads.
import { Hono } from 'hono';
import { conversationEmails, emailChannelStatus } from '../channels/email/details';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withOrganization } from '../http/session';
import { idParams } from '../http/validate';

export const emailRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/conversations/:id', idParams('id'))
  .use('/channels/:id/status', idParams('id'))
  .get('/conversations/:id', async (c) =>
    ok(c, await conversationEmails(c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  )
  .get('/channels/:id/status', async (c) =>
    ok(c, await emailChannelStatus(c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  );
