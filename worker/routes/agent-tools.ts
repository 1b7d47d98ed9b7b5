// /api/agent-tools (org-level tools, logs, OpenAPI import) and /api/channels/:id/agent-tools (a channel's own
// tools and the organisation tools attached to it). Every member reads; ADMIN and OWNER manage.
import { Hono } from 'hono';
import { z } from 'zod';
import {
  attachTool,
  createTool,
  deleteTool,
  getTool,
  listToolLogs,
  listTools,
  removeChannelTool,
  updateTool,
} from '../ai/agent-tools';
import { proposeToolsFromOpenApi } from '../ai/openapi-import';
import { TOOL_METHODS, TOOL_TYPES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { pageOf, pagingQuery } from '../http/paging';
import { withAdmin, withOrganization } from '../http/session';
import { id, idParams, jsonObject, parse, validate } from '../http/validate';

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
  parametersSchema: jsonObject(50_000, 'Parameters schema must be a JSON object'),
  isActive: z.boolean().optional(),
};

const createSchema = z.object(toolFields);
const updateSchema = z
  .object(toolFields)
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'Nothing to update' });
const logsQuery = z.object(pagingQuery());
/** `{toolId}` attaches an organisation tool; anything else is a new channel-scoped tool. */
const attachSchema = z.strictObject(
  { toolId: id('toolId') },
  { error: 'Send either {toolId} to attach an organisation tool, or a whole tool to create one' },
);
const channelToolSchema = z.custom<z.input<typeof attachSchema> | z.input<typeof createSchema>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  'The body must be a JSON object',
);
const importSchema = z.object({
  spec: z.union([z.string().min(2).max(1_000_000), jsonObject(1_000_000)], {
    error: 'spec must be an OpenAPI document (object or JSON string)',
  }),
  baseUrl: z.url({ protocol: /^https$/, error: 'baseUrl must be an https URL' }).optional(),
});

export const agentToolRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .use('/:id/*', idParams('id'))
  .get('/', async (c) => ok(c, await listTools(c.env, c.var.db, c.var.auth.organization.id)))
  .post('/', withAdmin, validate('json', createSchema), async (c) =>
    ok(c, await createTool(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .post('/import-openapi', withAdmin, validate('json', importSchema), async (c) => {
    const { spec, baseUrl } = c.req.valid('json');
    return ok(c, { tools: proposeToolsFromOpenApi(spec, baseUrl) });
  })
  .get('/:id', async (c) => ok(c, await getTool(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'))))
  .patch('/:id', withAdmin, validate('json', updateSchema), async (c) =>
    ok(c, await updateTool(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteTool(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  })
  .get('/:id/logs', validate('query', logsQuery), async (c) => {
    const paging = c.req.valid('query');
    const { items, total } = await listToolLogs(c.var.db, c.var.auth.organization.id, c.req.param('id'), paging);
    return ok(c, pageOf(items, total, paging));
  });

/** Mounted at /channels beside the channel routes. */
export const channelAgentToolRoutes = new Hono<AppEnv>()
  .use('/:id/agent-tools', withOrganization)
  .use('/:id/agent-tools/*', withOrganization)
  .get('/:id/agent-tools', idParams('id'), async (c) =>
    ok(c, await listTools(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  )
  .post('/:id/agent-tools', withAdmin, idParams('id'), validate('json', channelToolSchema), async (c) => {
    const organizationId = c.var.auth.organization.id;
    const channelId = c.req.valid('param').id;
    const body = c.req.valid('json');
    if ('toolId' in body) {
      // Attaching again is not an error: 201 when the link is new, 200 when it already existed.
      const { toolId } = parse(attachSchema, body);
      const { tool, attached } = await attachTool(c.env, c.var.db, organizationId, channelId, toolId);
      return ok(c, tool, attached ? 201 : 200);
    }
    return ok(c, await createTool(c.env, c.var.db, organizationId, parse(createSchema, body), channelId), 201);
  })
  .delete('/:id/agent-tools/:toolId', withAdmin, idParams('id', 'toolId'), async (c) => {
    const { id: channelId, toolId } = c.req.valid('param');
    return ok(c, await removeChannelTool(c.var.db, c.var.auth.organization.id, channelId, toolId));
  });
