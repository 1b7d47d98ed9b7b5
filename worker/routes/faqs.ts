// /api/faqs: every member reads; changes need ADMIN. The published reference marks PATCH, DELETE and reorder as
// "Session", but AGENT and VIEWER have read-only settings, so every write here requires ADMIN or OWNER.
import { Hono } from 'hono';
import { z } from 'zod';
import { createFaq, deleteFaq, FAQ_ANSWER_MAX, FAQ_QUESTION_MAX, listFaqs, reorderFaqs, updateFaq } from '../faqs/faqs';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';

const question = z
  .string()
  .trim()
  .min(1, 'Question is required')
  .max(FAQ_QUESTION_MAX, `Question must be at most ${FAQ_QUESTION_MAX} characters`);
const answer = z
  .string()
  .trim()
  .min(1, 'Answer is required')
  .max(FAQ_ANSWER_MAX, `Answer must be at most ${FAQ_ANSWER_MAX} characters`);

const createFaqSchema = z.object({ question, answer, channelId: id('channelId').nullish() });
const updateFaqSchema = z
  .object({ question: question.optional(), answer: answer.optional(), channelId: id('channelId').nullish() })
  .refine((v) => v.question !== undefined || v.answer !== undefined || v.channelId !== undefined, {
    message: 'Nothing to update',
  });
const reorderSchema = z.object({ ids: z.array(id()).min(1, 'List the FAQs in their new order').max(500) });
const listQuery = z.object({ channelId: id('channelId').optional() });

export const faqRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .get('/', validate('query', listQuery), async (c) =>
    ok(c, await listFaqs(c.var.db, c.var.auth.organization.id, c.req.valid('query').channelId)),
  )
  .post('/', withAdmin, validate('json', createFaqSchema), async (c) =>
    ok(c, await createFaq(c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .post('/reorder', withAdmin, validate('json', reorderSchema), async (c) =>
    ok(c, await reorderFaqs(c.var.db, c.var.auth.organization.id, c.req.valid('json').ids)),
  )
  .patch('/:id', withAdmin, validate('json', updateFaqSchema), async (c) =>
    ok(c, await updateFaq(c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteFaq(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  });
