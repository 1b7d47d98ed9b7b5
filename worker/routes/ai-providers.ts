// /api/ai-providers: the organisation's AI providers. Every member reads; ADMIN and OWNER manage.
import { Hono } from 'hono';
import { z } from 'zod';
import { createProvider, deleteProvider, listProviders, updateProvider } from '../ai/provider-config';
import { AI_PROVIDER_TYPES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { idParams, validate } from '../http/validate';

const optionalText = (max: number) => z.string().trim().max(max).nullish();

const settingsSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(100),
  model: z.string().trim().max(200).optional(),
  temperature: z.number().min(0, 'Temperature is 0–2').max(2, 'Temperature is 0–2').optional(),
  maxTokens: z.number().int().min(1, 'Max tokens is 1–32000').max(32_000, 'Max tokens is 1–32000').optional(),
  baseUrl: optionalText(500),
  apiVersion: optionalText(50),
  deployment: optionalText(200),
  apiKey: z.string().trim().max(500).nullish(),
  isDefault: z.boolean().optional(),
});

const createSchema = settingsSchema.extend({
  type: z.enum(AI_PROVIDER_TYPES, { error: `Type must be one of ${AI_PROVIDER_TYPES.join(', ')}` }),
});

const updateSchema = settingsSchema
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'Nothing to update' });

export const aiProviderRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .get('/', async (c) => ok(c, await listProviders(c.env, c.var.db, c.var.auth.organization.id)))
  .post('/', withAdmin, validate('json', createSchema), async (c) =>
    ok(c, await createProvider(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .patch('/:id', withAdmin, validate('json', updateSchema), async (c) =>
    ok(c, await updateProvider(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteProvider(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  });
