// /api/dev/mailbox: the mail this installation sent (invitations, password resets, notifications), newest first,
// so nobody needs the database to find a link. Local development only: mounted by worker/dev.ts (never by the
// production Worker) and answering only when DEV_SEED=true outside production.
import { desc, lt } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { createDb } from '../db/client';
import { outboundEmails } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { validate } from '../http/validate';
import { NotFoundError } from '../lib/errors';

const PAGE = 50;
const listSchema = z.object({ before: z.iso.datetime('before must be an ISO date').optional() });

export const devMailboxRoutes = new Hono<AppEnv>()
  .use('*', async (c, next) => {
    if (c.env.DEV_SEED !== 'true' || c.env.ENVIRONMENT === 'production') throw new NotFoundError('Route');
    c.set('db', createDb(c.env.DB));
    await next();
  })
  .get('/', validate('query', listSchema), async (c) => {
    const { before } = c.req.valid('query');
    const rows = await c.var.db
      .select()
      .from(outboundEmails)
      .where(before ? lt(outboundEmails.createdAt, new Date(before)) : undefined)
      .orderBy(desc(outboundEmails.createdAt))
      .limit(PAGE);
    return ok(c, {
      items: rows.map((row) => ({
        id: row.id,
        to: row.to,
        from: row.from,
        subject: row.subject,
        text: row.text,
        transport: row.transport,
        createdAt: row.createdAt.toISOString(),
      })),
    });
  });
