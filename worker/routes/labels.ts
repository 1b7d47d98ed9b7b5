// /api/labels: the organisation's coloured labels. Every member reads them; ADMIN defines, renames and deletes;
// AGENT and above put them on conversations and take them off.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withAgent, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';
import {
  applyLabel,
  BULK_MAX,
  createLabel,
  deleteLabel,
  LABEL_NAME_MAX,
  labelsOf,
  listLabels,
  updateLabel,
} from '../labels/labels';

const name = z
  .string()
  .trim()
  .min(1, 'Give the label a name')
  .max(LABEL_NAME_MAX, `A label name is at most ${LABEL_NAME_MAX} characters`);
const color = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'Pick a colour as #rrggbb, for example #2f80ed');

const createSchema = z.object({ name, color });
const updateSchema = z
  .object({ name: name.optional(), color: color.optional() })
  .refine((v) => v.name !== undefined || v.color !== undefined, { message: 'Nothing to update' });
const conversationIds = z
  .array(id('conversationId'))
  .min(1, 'Select at least one conversation')
  .max(BULK_MAX, `Select at most ${BULK_MAX} conversations`);
const applySchema = z.object({ labelId: id('labelId'), conversationIds, remove: z.boolean().optional() });
const onSchema = z.object({
  ids: z
    .string()
    .max(BULK_MAX * 101, `Ask for at most ${BULK_MAX} conversations`)
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(id('ids')).max(BULK_MAX, `Ask for at most ${BULK_MAX} conversations`)),
});

export const labelRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .get('/', async (c) => ok(c, await listLabels(c.var.db, c.var.auth.organization.id)))
  /** The label ids on each listed conversation: `?ids=a,b,c`. */
  .get('/conversations', validate('query', onSchema), async (c) =>
    ok(c, await labelsOf(c.var.db, c.var.auth.organization.id, c.req.valid('query').ids)),
  )
  .post('/apply', withAgent, validate('json', applySchema), async (c) =>
    ok(c, await applyLabel(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json'))),
  )
  .post('/', withAdmin, validate('json', createSchema), async (c) =>
    ok(c, await createLabel(c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .patch('/:id', withAdmin, validate('json', updateSchema), async (c) =>
    ok(c, await updateLabel(c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteLabel(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  });
