// /api/conversations: the inbox. Every member reads and marks read; AGENT and above reply, change and delete.
import { Hono } from 'hono';
import { z } from 'zod';
import { withAutomation } from '../automations/flows/state';
import { conversationAttachments } from '../conversations/attachments';
import {
  bulkRead,
  createConversation,
  deleteConversation,
  getConversation,
  listConversations,
  listMessages,
  markRead,
  presentLogMessage,
  sendReply,
  updateConversation,
} from '../conversations/inbox';
import { AUTOMATION_STATES, CHANNEL_TYPES, CONVERSATION_STATUSES, PRIORITIES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { pagingQuery } from '../http/paging';
import { withAgent, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';
import { ValidationError } from '../lib/errors';
import { MAX_MENTIONS } from '../notifications/mentions';

const listSchema = z.object({
  ...pagingQuery(),
  status: z.enum(CONVERSATION_STATUSES).optional(),
  channelId: id('channelId').optional(),
  channelType: z.enum(CHANNEL_TYPES).optional(),
  unread: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  assignedToId: id('assignedToId').optional(),
  language: z.string().trim().min(2).max(16).optional(),
  contactId: id('contactId').optional(),
  labelId: id('labelId').optional(),
  needsHuman: z
    .enum(['true', 'false'], 'needsHuman must be true or false')
    .transform((v) => v === 'true')
    .optional(),
  automationState: z.enum(AUTOMATION_STATES, 'automationState must be BOT, HUMAN, WAITING or CLOSED').optional(),
  unassignedHumans: z
    .enum(['true', 'false'], 'unassignedHumans must be true or false')
    .transform((v) => v === 'true')
    .optional(),
  contactTag: z.string().trim().min(1).max(50, 'contactTag is at most 50 characters').optional(),
  triggerId: id('triggerId').optional(),
  search: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
});

const createSchema = z.object({
  channelId: id('channelId'),
  contact: z
    .object({
      name: z.string().trim().min(1).max(200).optional(),
      email: z.email('Invalid email').optional(),
      phone: z.string().trim().min(3).max(40).optional(),
      externalId: z.string().trim().min(1).max(200).optional(),
    })
    .refine((c) => c.name || c.email || c.phone || c.externalId, {
      message: 'Give the contact a name, email, phone or externalId',
    }),
  subject: z.string().trim().max(300).optional(),
  content: z.string().trim().min(1).max(10_000).optional(),
});

const updateSchema = z
  .object({
    status: z.enum(CONVERSATION_STATUSES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    assignedToId: id('assignedToId').nullable().optional(),
    language: z.string().trim().min(2).max(16).nullable().optional(),
    notes: z.string().max(10_000).nullable().optional(),
  })
  .refine((v) => Object.values(v).some((value) => value !== undefined), { message: 'Nothing to update' });

export const sendMessageSchema = z.object({
  conversationId: id('conversationId'),
  content: z.string().trim().min(1, 'Content is required').max(10_000),
  /** Media ids or storage paths (the `path` /api/media/upload returns). */
  attachments: z
    .array(
      z
        .string()
        .trim()
        .min(1, 'An attachment is a media id or storage path')
        .max(400, 'An attachment is at most 400 characters'),
    )
    .max(10, 'At most 10 attachments')
    .optional(),
  isNote: z.boolean().optional(),
  /** Members an internal note @mentions (each is notified); a reply mentions no one. */
  mentions: z.array(id('A mentioned member')).max(MAX_MENTIONS, `At most ${MAX_MENTIONS} mentions`).optional(),
  /** Retrying a send with the same id returns the first message instead of sending twice. */
  clientMessageId: z.string().min(1).max(100).optional(),
});

const bulkReadSchema = z.object({ conversationIds: z.array(id('conversationId')).max(1000).optional() });

const messagesPageSchema = z.object(pagingQuery(50));

export const conversationRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .use('/:id/*', idParams('id'))
  .get('/', validate('query', listSchema), async (c) =>
    ok(
      c,
      await withAutomation(
        c.var.db,
        c.var.auth.organization.id,
        await listConversations(c.var.db, c.var.auth.organization.id, c.req.valid('query')),
      ),
    ),
  )
  .post('/', withAgent, validate('json', createSchema), async (c) => {
    const { conversation, created } = await createConversation(c.env, c.var.db, c.var.auth, c.req.valid('json'));
    return ok(c, conversation, created ? 201 : 200);
  })
  .post('/bulk-read', validate('json', bulkReadSchema), async (c) =>
    ok(c, await bulkRead(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json').conversationIds)),
  )
  .get('/:id', async (c) => ok(c, await getConversation(c.var.db, c.var.auth.organization.id, c.req.param('id'))))
  .patch('/:id', withAgent, validate('json', updateSchema), async (c) =>
    ok(
      c,
      await updateConversation(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'), {
        userId: c.var.auth.user.id,
      }),
    ),
  )
  .delete('/:id', withAgent, async (c) => {
    await deleteConversation(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  })
  .post('/:id/read', async (c) =>
    ok(c, await markRead(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), true)),
  )
  .post('/:id/unread', async (c) =>
    ok(c, await markRead(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), false)),
  )
  .get('/:id/attachments', async (c) =>
    ok(c, await conversationAttachments(c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  )
  .get('/:id/messages', validate('query', messagesPageSchema), async (c) =>
    ok(c, await listMessages(c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('query'))),
  )
  .post('/:id/messages', withAgent, validate('json', sendMessageSchema), async (c) => {
    const { conversationId, ...input } = c.req.valid('json');
    if (conversationId !== c.req.param('id')) {
      throw ValidationError.field('conversationId', 'conversationId must match the conversation in the URL');
    }
    const { message, created } = await sendReply(c.env, c.var.db, c.var.auth, conversationId, input);
    return ok(c, await presentLogMessage(c.var.db, message), created ? 201 : 200);
  });
