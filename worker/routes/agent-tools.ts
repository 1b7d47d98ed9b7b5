// /api/agent-tools (org-level tools, logs, OpenAPI import) and /api/channels/:id/agent-tools
// (channel-scoped tools). Every member reads; ADMIN and OWNER manage.
import { Hono } from 'hono';
import { z } from 'zod';
import { createTool, deleteTool, listToolLogs, listTools, loadTool, publicTool, updateTool } from '../ai/agent-tools';
import { proposeToolsFromOpenApi } from '../ai/openapi-import';
import { TOOL_METHODS, TOOL_TYPES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { validate } from '../http/validate';

const toolFields = {
  name: z
    .string()
    .regex(
      /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/,
      'Name must be a function name: letters, digits and _, at most 64, not starting with a digit',
    ),
  description: z.string().trim().min(1, 'Description is required').max(2000, 'Description is at most 2000 characters'),
  type: z.enum(TOOL_TYPES, { error: `Type must be ${TOOL_TYPES.join(' or ')}` }),
  url: z.string().trim().max(2000).nullish(),
  method: z.enum(TOOL_METHODS, { error: `Method must be one of ${TOOL_METHODS.join(', ')}` }).optional(),
  headers: z
    .record(z.string().min(1).max(200), z.string().max(4000), { error: 'Headers must be an object of strings' })
    .optional(),
  parametersSchema: z.record(z.string(), z.unknown(), { error: 'Parameters schema must be a JSON object' }),
  isActive: z.boolean().optional(),
};

const createSchema = z.object(toolFields);
const updateSchema = z
  .object(toolFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'Nothing to update' });
const logsQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
const importSchema = z.object({
  spec: z.union([z.string().min(2), z.record(z.string(), z.unknown())], {
    error: 'spec must be an OpenAPI document (object or JSON string)',
  }),
  baseUrl: z.url({ protocol: /^https$/, error: 'baseUrl must be an https URL' }).optional(),
});

export const agentToolRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/', async (c) => ok(c, await listTools(c.env, c.var.db, c.var.auth.organization.id)))
  .post('/', withAdmin, validate('json', createSchema), async (c) =>
    ok(c, await createTool(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .post('/import-openapi', withAdmin, validate('json', importSchema), async (c) => {
    const { spec, baseUrl } = c.req.valid('json');
    return ok(c, { tools: proposeToolsFromOpenApi(spec, baseUrl) });
  })
  .get('/:id', async (c) =>
    ok(c, await publicTool(c.env, await loadTool(c.var.db, c.var.auth.organization.id, c.req.param('id')))),
  )
  .patch('/:id', withAdmin, validate('json', updateSchema), async (c) =>
    ok(c, await updateTool(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteTool(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  })
  .get('/:id/logs', validate('query', logsQuery), async (c) =>
    ok(c, await listToolLogs(c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('query'))),
  );

/** Mounted at /channels beside the channel routes. */
export const channelAgentToolRoutes = new Hono<AppEnv>()
  .use('/:id/agent-tools', withOrganization)
  .get('/:id/agent-tools', async (c) =>
    ok(c, await listTools(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  )
  .post('/:id/agent-tools', withAdmin, validate('json', createSchema), async (c) =>
    ok(c, await createTool(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json'), c.req.param('id')), 201),
  );
