// /api/messages: decisions on replies waiting for approval (translated replies, AI drafts), and retranslation.
import { Hono } from 'hono';
import { z } from 'zod';
import { presentLogMessage } from '../conversations/inbox';
import { approveMessage, rejectMessage } from '../conversations/pipeline';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAgent, withOrganization } from '../http/session';
import { idParams, validate } from '../http/validate';
import { retranslateMessage } from '../translation/messages';

const retranslateSchema = z.object({
  /** Outbound: the customer's corrected language; inbound: the language the message is really in. */
  language: z
    .string()
    .trim()
    .min(2)
    .max(8)
    .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,4})?$/, 'Must be a language code such as "de" or "pt-BR"')
    .optional(),
});

const approveSchema = z.object({
  /** The reply as the agent edited it; the draft as first written is kept in originalContent. */
  content: z
    .string()
    .trim()
    .min(1, 'The reply cannot be empty')
    .max(10_000, 'A reply is at most 10,000 characters')
    .optional(),
});

export const messageRoutes = new Hono<AppEnv>()
  .use('/:id/*', idParams('id'))
  .use('/:id/approve', withOrganization, withAgent)
  .use('/:id/reject', withOrganization, withAgent)
  .use('/:id/send-original', withOrganization, withAgent)
  .use('/:id/retranslate', withOrganization, withAgent)
  .post('/:id/approve', validate('json', approveSchema), async (c) => {
    const { content } = c.req.valid('json');
    return ok(
      c,
      await presentLogMessage(
        c.var.db,
        await approveMessage(c.env, c.var.auth.organization.id, c.req.param('id'), {
          userId: c.var.auth.user.id,
          content,
        }),
      ),
    );
  })
  .post('/:id/reject', async (c) =>
    ok(
      c,
      await presentLogMessage(
        c.var.db,
        await rejectMessage(c.env, c.var.auth.organization.id, c.req.param('id'), { userId: c.var.auth.user.id }),
      ),
    ),
  )
  .post('/:id/send-original', async (c) =>
    ok(
      c,
      await presentLogMessage(
        c.var.db,
        await approveMessage(c.env, c.var.auth.organization.id, c.req.param('id'), {
          sendOriginal: true,
          userId: c.var.auth.user.id,
        }),
      ),
    ),
  )
  .post('/:id/retranslate', validate('json', retranslateSchema), async (c) =>
    ok(
      c,
      await presentLogMessage(
        c.var.db,
        await retranslateMessage(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json')),
      ),
    ),
  );
