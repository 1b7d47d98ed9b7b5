// /api/saved-replies: workspace macros for the composer's "/" menu. Every member reads them; ADMIN manages them.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { idParams, validate } from '../http/validate';
import {
  createSavedReply,
  deleteSavedReply,
  listSavedReplies,
  SAVED_REPLY_MAX,
  SHORTCUT_MAX,
  updateSavedReply,
} from '../saved-replies/saved-replies';

const shortcut = z
  .string()
  .trim()
  .min(1, 'Give the saved reply a shortcut')
  .max(SHORTCUT_MAX, `A shortcut is at most ${SHORTCUT_MAX} characters`)
  .regex(/^[\p{L}\p{N}_-]+$/u, 'A shortcut is one word: letters, digits, - and _ (no spaces)')
  .transform((v) => v.toLowerCase());
const content = z
  .string()
  .trim()
  .min(1, 'Write the reply text')
  .max(SAVED_REPLY_MAX, `A saved reply is at most ${SAVED_REPLY_MAX.toLocaleString('en')} characters`);

const createSchema = z.object({ shortcut, content });
const updateSchema = z
  .object({ shortcut: shortcut.optional(), content: content.optional() })
  .refine((v) => v.shortcut !== undefined || v.content !== undefined, { message: 'Nothing to update' });

export const savedReplyRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .get('/', async (c) => ok(c, await listSavedReplies(c.var.db, c.var.auth.organization.id)))
  .post('/', withAdmin, validate('json', createSchema), async (c) =>
    ok(c, await createSavedReply(c.var.db, c.var.auth.organization.id, c.var.auth.user.id, c.req.valid('json')), 201),
  )
  .patch('/:id', withAdmin, validate('json', updateSchema), async (c) =>
    ok(c, await updateSavedReply(c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteSavedReply(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  });
