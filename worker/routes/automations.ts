// /api/automations: comment-to-DM triggers and the posts they listen to. ADMINs configure; AGENTs also run Test
// against history (it writes nothing); every member, VIEWERs included, reads triggers, posts and the evaluation
// log (the inbox's "By trigger" views list the triggers).
import { Hono } from 'hono';
import { z } from 'zod';
import { assertFlowKnown } from '../automations/flows/store';
import { testAgainstHistory } from '../automations/history';
import { actionSchema, matchSchema, publicReplySchema, scopeSchema, tagSchema } from '../automations/rules';
import {
  assertPostsKnown,
  createTrigger,
  deleteTrigger,
  duplicateTrigger,
  listPosts,
  listTriggers,
  loadTrigger,
  reorderTriggers,
  tagPost,
  triggerEvaluations,
  updateTrigger,
} from '../automations/triggers';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withAgent, withOrganization } from '../http/session';
import { id, validate } from '../http/validate';

const name = z
  .string({ error: 'name is required' })
  .trim()
  .min(1, 'name is required')
  .max(100, 'name is at most 100 characters');
const status = z.enum(['DRAFT', 'ACTIVE'], { error: 'status must be DRAFT or ACTIVE' });

const createSchema = z.strictObject({
  name,
  status: status.default('DRAFT'),
  match: matchSchema,
  scope: scopeSchema.default({ kind: 'ALL' }),
  publicReply: publicReplySchema.optional().transform((v) => v ?? null),
  action: actionSchema,
});

const updateSchema = z.strictObject({
  name: name.optional(),
  status: status.optional(),
  match: matchSchema.optional(),
  scope: scopeSchema.optional(),
  publicReply: publicReplySchema.optional(),
  action: actionSchema.optional(),
});

const testSchema = z.strictObject({
  text: z
    .string({ error: 'text is required' })
    .min(1, 'Paste a comment')
    .max(2000, 'A comment is at most 2000 characters'),
  postId: z.string().trim().max(128, 'postId is at most 128 characters').nullish(),
  commenterId: z.string().trim().max(128, 'commenterId is at most 128 characters').nullish(),
});

const reorderSchema = z.strictObject({
  ids: z.array(id('id')).min(1, 'ids is required').max(500, 'At most 500 triggers'),
});
const tagsSchema = z.strictObject({ tags: z.array(tagSchema).max(20, 'At most 20 tags') });
const idParam = z.object({ id: id() });
const postParam = z.object({ postId: z.string().min(1).max(128, 'postId is at most 128 characters') });

export const automationRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/posts', async (c) => ok(c, { posts: await listPosts(c.var.db, c.var.auth.organization.id) }))
  .patch('/posts/:postId', withAdmin, validate('param', postParam), validate('json', tagsSchema), async (c) =>
    ok(c, await tagPost(c.var.db, c.var.auth.organization.id, c.req.valid('param').postId, c.req.valid('json').tags)),
  )
  .get('/triggers', async (c) => ok(c, { triggers: await listTriggers(c.var.db, c.var.auth.organization.id) }))
  .post('/triggers', withAdmin, validate('json', createSchema), async (c) => {
    const input = c.req.valid('json');
    await assertPostsKnown(c.var.db, c.var.auth.organization.id, input);
    await assertFlowKnown(c.var.db, c.var.auth.organization.id, input.action);
    return ok(c, await createTrigger(c.var.db, c.var.auth.organization.id, input), 201);
  })
  .post('/triggers/reorder', withAdmin, validate('json', reorderSchema), async (c) =>
    ok(c, { triggers: await reorderTriggers(c.var.db, c.var.auth.organization.id, c.req.valid('json').ids) }),
  )
  .post('/triggers/test', withAgent, validate('json', testSchema), async (c) =>
    ok(c, await testAgainstHistory(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json'))),
  )
  .get('/triggers/:id', validate('param', idParam), async (c) =>
    ok(c, await loadTrigger(c.var.db, c.var.auth.organization.id, c.req.valid('param').id)),
  )
  .patch('/triggers/:id', withAdmin, validate('param', idParam), validate('json', updateSchema), async (c) => {
    const changes = c.req.valid('json');
    await assertPostsKnown(c.var.db, c.var.auth.organization.id, changes);
    await assertFlowKnown(c.var.db, c.var.auth.organization.id, changes.action);
    return ok(c, await updateTrigger(c.var.db, c.var.auth.organization.id, c.req.valid('param').id, changes));
  })
  .delete('/triggers/:id', withAdmin, validate('param', idParam), async (c) => {
    await deleteTrigger(c.var.db, c.var.auth.organization.id, c.req.valid('param').id);
    return ok(c, { deleted: true });
  })
  .post('/triggers/:id/duplicate', withAdmin, validate('param', idParam), async (c) =>
    ok(c, await duplicateTrigger(c.var.db, c.var.auth.organization.id, c.req.valid('param').id), 201),
  )
  .post('/triggers/:id/test', withAgent, validate('param', idParam), validate('json', testSchema), async (c) => {
    const triggerId = c.req.valid('param').id;
    await loadTrigger(c.var.db, c.var.auth.organization.id, triggerId);
    return ok(
      c,
      await testAgainstHistory(c.env, c.var.db, c.var.auth.organization.id, { ...c.req.valid('json'), triggerId }),
    );
  })
  .get('/triggers/:id/evaluations', validate('param', idParam), async (c) =>
    ok(c, { evaluations: await triggerEvaluations(c.var.db, c.var.auth.organization.id, c.req.valid('param').id) }),
  );
