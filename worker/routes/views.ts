// /api/views: the inbox's saved views (each member's own), the tab counts, the snoozed conversations, and
// /api/conversations/bulk-update and /:id/snooze (workspaceConversationRoutes), which change conversations
// through their actors.
import { Hono } from 'hono';
import { z } from 'zod';
import { CHANNEL_TYPES, CONVERSATION_STATUSES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAgent, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';
import { listSnoozes, snoozeConversation, unsnoozeConversation } from '../snoozes/snoozes';
import {
  BULK_UPDATE_MAX,
  bulkUpdate,
  createView,
  deleteView,
  listViews,
  tabCounts,
  VIEW_FILTER_KEYS,
  VIEW_NAME_MAX,
} from '../views/views';

const filterValue = z.string().trim().max(200, 'A filter value is at most 200 characters');
const createSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the view a name')
    .max(VIEW_NAME_MAX, `A view name is at most ${VIEW_NAME_MAX} characters`),
  filters: z
    .record(z.string().max(40), filterValue, 'Choose the filters to save')
    .refine((f) => Object.keys(f).every((key) => (VIEW_FILTER_KEYS as readonly string[]).includes(key)), {
      message: 'Only inbox filters can be saved in a view',
    })
    .transform((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v)) as Record<string, string>),
});

const countsSchema = z.object({
  status: z.enum(CONVERSATION_STATUSES).optional(),
  channelId: id('channelId').optional(),
  channelType: z.enum(CHANNEL_TYPES).optional(),
  unread: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  language: z.string().trim().min(2).max(16).optional(),
  labelId: id('labelId').optional(),
  search: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
});

const bulkSchema = z
  .object({
    conversationIds: z
      .array(id('conversationId'))
      .min(1, 'Select at least one conversation')
      .max(BULK_UPDATE_MAX, `Select at most ${BULK_UPDATE_MAX} conversations`),
    status: z.enum(CONVERSATION_STATUSES).optional(),
    assignedToId: id('assignedToId').nullable().optional(),
    read: z.literal(true).optional(),
  })
  .refine((v) => v.status !== undefined || v.assignedToId !== undefined || v.read !== undefined, {
    message: 'Choose what to change',
  });

const snoozeSchema = z.object({
  until: z.iso.datetime({ offset: true, error: 'Choose a date and time' }).transform((v) => new Date(v)),
});

export const viewRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .get('/', async (c) => ok(c, await listViews(c.var.db, c.var.auth.organization.id, c.var.auth.user.id)))
  .post('/', validate('json', createSchema), async (c) =>
    ok(c, await createView(c.var.db, c.var.auth.organization.id, c.var.auth.user.id, c.req.valid('json')), 201),
  )
  .get('/counts', validate('query', countsSchema), async (c) =>
    ok(c, await tabCounts(c.var.db, c.var.auth.organization.id, c.var.auth.user.id, c.req.valid('query'))),
  )
  .get('/snoozes', async (c) => ok(c, await listSnoozes(c.var.db, c.var.auth.organization.id)))
  .delete('/:id', async (c) => {
    await deleteView(c.var.db, c.var.auth.organization.id, c.var.auth.user.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  });

export const workspaceConversationRoutes = new Hono<AppEnv>()
  .use('/bulk-update', withOrganization, withAgent)
  .use('/:id/snooze', withOrganization, withAgent, idParams('id'))
  .post('/bulk-update', validate('json', bulkSchema), async (c) =>
    ok(c, await bulkUpdate(c.env, c.var.db, c.var.auth.organization.id, c.var.auth.user.id, c.req.valid('json'))),
  )
  .post('/:id/snooze', validate('json', snoozeSchema), async (c) =>
    ok(
      c,
      await snoozeConversation(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), {
        until: c.req.valid('json').until,
        userId: c.var.auth.user.id,
      }),
    ),
  )
  .delete('/:id/snooze', async (c) =>
    ok(
      c,
      await unsnoozeConversation(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.var.auth.user.id),
    ),
  );
