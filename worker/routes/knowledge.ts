// /api/knowledge: groups, articles (manual, URL, file upload) and search. Every member reads; ADMIN and
// OWNER write.
import { Hono } from 'hono';
import { z } from 'zod';
import { ARTICLE_STATUSES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { idParams, jsonBody, parse, validate } from '../http/validate';
import {
  createFileArticle,
  createManualArticle,
  createUrlArticle,
  deleteArticle,
  getArticle,
  listArticles,
  MAX_UPLOAD_BYTES,
  reprocessArticle,
  updateArticle,
} from '../knowledge/articles';
import { createGroup, deleteGroup, getGroup, listGroups, updateGroup } from '../knowledge/groups';
import { MAX_SEARCH_LIMIT, searchKnowledge } from '../knowledge/search';
import { PayloadTooLargeError } from '../lib/errors';

const idSchema = z.string().trim().min(1, 'Required').max(64);
const titleSchema = z.string().trim().min(1, 'Title is required').max(200, 'Title is at most 200 characters');
const contentSchema = z
  .string()
  .trim()
  .min(1, 'Content is required')
  .max(500_000, 'Content is at most 500,000 characters');

const groupSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(100, 'Name is at most 100 characters'),
  description: z.string().trim().max(500, 'Description is at most 500 characters').nullish(),
});

const groupUpdateSchema = groupSchema
  .partial()
  .refine((v) => v.name !== undefined || v.description !== undefined, { message: 'Nothing to update' });

const manualArticleSchema = z.object({ groupId: idSchema, title: titleSchema, content: contentSchema });

const urlArticleSchema = z.object({
  groupId: idSchema,
  url: z.url({ protocol: /^https?$/, error: 'Enter an http or https URL' }).max(2048, 'URL is too long'),
  title: titleSchema.optional(),
});

const fileArticleSchema = z.object({
  groupId: idSchema,
  title: titleSchema.optional(),
  file: z.instanceof(File, { error: 'Attach a file' }),
});

const articleUpdateSchema = z
  .object({ title: titleSchema, content: contentSchema, groupId: idSchema })
  .partial()
  .refine((v) => v.title !== undefined || v.content !== undefined || v.groupId !== undefined, {
    message: 'Nothing to update',
  });

const articleFiltersSchema = z.object({
  groupId: idSchema.optional(),
  status: z.enum(ARTICLE_STATUSES, { error: `Status must be one of ${ARTICLE_STATUSES.join(', ')}` }).optional(),
});

const searchSchema = z.object({
  query: z.string().trim().min(1, 'Query is required').max(1000, 'Query is at most 1,000 characters'),
  channelId: idSchema.optional(),
  groupIds: z.array(idSchema).max(50, 'At most 50 groups').optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(5),
});

// Multipart overhead on top of the file itself.
const UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 64 * 1024;

const groups = new Hono<AppEnv>()
  .use('/:id', idParams('id'))
  .get('/', async (c) => ok(c, await listGroups(c.var.db, c.var.auth.organization.id)))
  .post('/', withAdmin, validate('json', groupSchema), async (c) =>
    ok(c, await createGroup(c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .get('/:id', async (c) => ok(c, await getGroup(c.var.db, c.var.auth.organization.id, c.req.param('id'))))
  .patch('/:id', withAdmin, validate('json', groupUpdateSchema), async (c) =>
    ok(c, await updateGroup(c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteGroup(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  });

const articles = new Hono<AppEnv>()
  .use('/:id', idParams('id'))
  .use('/:id/*', idParams('id'))
  .get('/', validate('query', articleFiltersSchema), async (c) =>
    ok(c, await listArticles(c.var.db, c.var.auth.organization.id, c.req.valid('query'))),
  )
  .post('/', withAdmin, async (c) => {
    const organizationId = c.var.auth.organization.id;
    if (c.req.header('content-type')?.startsWith('multipart/form-data')) {
      if (Number(c.req.header('content-length') ?? 0) > UPLOAD_BODY_LIMIT) {
        throw new PayloadTooLargeError('Files can be at most 10 MB');
      }
      const form = await c.req.parseBody();
      const input = parse(fileArticleSchema, {
        groupId: form.groupId,
        title: form.title || undefined,
        file: form.file,
      });
      return ok(c, await createFileArticle(c.env, c.var.db, organizationId, input), 201);
    }
    const body = await jsonBody(c);
    if (body && typeof body === 'object' && 'url' in body) {
      return ok(c, await createUrlArticle(c.env, c.var.db, organizationId, parse(urlArticleSchema, body)), 201);
    }
    return ok(c, await createManualArticle(c.env, c.var.db, organizationId, parse(manualArticleSchema, body)), 201);
  })
  .get('/:id', async (c) => ok(c, await getArticle(c.var.db, c.var.auth.organization.id, c.req.param('id'))))
  .patch('/:id', withAdmin, validate('json', articleUpdateSchema), async (c) =>
    ok(c, await updateArticle(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteArticle(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  })
  .post('/:id/reprocess', withAdmin, async (c) =>
    ok(c, await reprocessArticle(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  );

export const knowledgeRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .route('/groups', groups)
  .route('/articles', articles)
  .post('/search', validate('json', searchSchema), async (c) =>
    ok(
      c,
      await searchKnowledge(c.env, c.var.db, { organizationId: c.var.auth.organization.id, ...c.req.valid('json') }),
    ),
  );
