// /api/widget chat transport (public): the visitor's WebSocket to their conversation's actor, the HTTP
// fallback for sending, and history for catching up. Frames and shapes: docs/realtime-protocol.md.

import { and, eq } from 'drizzle-orm';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { loadWidgetChannel } from '../channels/website-chat/widget';
import { BINDING_HEADER, type SocketBinding } from '../conversations/actor';
import { toPublicMessage } from '../conversations/log';
import { activeConversation, conversationActor, receiveInbound, refOf, upsertContact } from '../conversations/pipeline';
import type { Channel } from '../db/schema';
import { contacts } from '../db/schema';
import { errorBody, ok } from '../http/envelope';
import { enforceRateLimit } from '../http/rate-limit';
import { validate } from '../http/validate';
import { allowOrigin, preflight, type WidgetEnv, widgetChannel } from './widget';

const visitorId = z.string().regex(/^visitor_[0-9a-f-]{36}$/, 'visitorId must look like visitor_<uuid>');

const sendSchema = z
  .object({
    channelId: z.string().min(1, 'channelId is required'),
    visitorId,
    content: z.string().trim().max(10_000).default(''),
    clientMessageId: z.string().min(1, 'clientMessageId is required').max(100),
    attachments: z.array(z.string().min(1)).max(10).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email('Invalid email').optional(),
  })
  .refine((v) => v.content.length > 0 || (v.attachments?.length ?? 0) > 0, {
    message: 'Content is required',
    path: ['content'],
  });

const historySchema = z.object({ visitorId, afterSeq: z.coerce.number().int().min(0).default(0) });
const socketSchema = z.object({ visitorId });

async function findContact(c: Context<WidgetEnv>, channel: Channel, externalId: string) {
  const [contact] = await c.var.db
    .select()
    .from(contacts)
    .where(and(eq(contacts.channelId, channel.id), eq(contacts.externalId, externalId)))
    .limit(1);
  return contact ?? null;
}

export const widgetChatRoutes = new Hono<WidgetEnv>()
  .options('/message', preflight)
  .options('/:channelId/messages', preflight)
  .post('/message', validate('json', sendSchema), async (c) => {
    const input = c.req.valid('json');
    // About 20 messages a minute per visitor (WIDGET_MESSAGE_LIMITER).
    await enforceRateLimit(c.env.WIDGET_MESSAGE_LIMITER, `widget-message:${input.visitorId}`);
    const channel = await loadWidgetChannel(c.var.db, input.channelId);
    allowOrigin(c, channel);
    const { conversation, message, duplicate } = await receiveInbound(c.env, {
      organizationId: channel.organizationId,
      channelId: channel.id,
      externalContactId: input.visitorId,
      externalMessageId: input.clientMessageId,
      content: input.content,
      attachments: input.attachments,
      contact: { name: input.name, email: input.email },
    });
    return ok(
      c,
      { conversationId: conversation.id, message: toPublicMessage(message, input.visitorId) },
      duplicate ? 200 : 201,
    );
  })
  .get('/:channelId/messages', widgetChannel, validate('query', historySchema), async (c) => {
    const { visitorId: visitor, afterSeq } = c.req.valid('query');
    const contact = await findContact(c, c.var.channel, visitor);
    const conversation = contact ? await activeConversation(c.var.db, contact) : null;
    if (!conversation) return ok(c, { conversationId: null, messages: [] });
    const messages = await conversationActor(c.env, conversation.id).publicHistory(refOf(conversation), afterSeq);
    return ok(c, { conversationId: conversation.id, messages });
  })
  .get('/:channelId/ws', widgetChannel, validate('query', socketSchema), async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return c.json(errorBody('Expected a WebSocket upgrade', 'UPGRADE_REQUIRED'), 426);
    }
    const channel = c.var.channel;
    const visitor = c.req.valid('query').visitorId;
    // The contact exists from the first connection so the socket can wait on the actor of the visitor's
    // next conversation (its id is reserved on the contact) before the visitor has written anything.
    const contact = (await findContact(c, channel, visitor)) ?? (await upsertContact(c.var.db, channel, visitor));
    const conversation = await activeConversation(c.var.db, contact);
    const binding: SocketBinding = {
      conversationId: conversation?.id ?? contact.nextConversationId,
      organizationId: channel.organizationId,
      channelId: channel.id,
      visitorId: visitor,
      exists: conversation !== null,
    };
    const headers = new Headers(c.req.raw.headers);
    headers.set(BINDING_HEADER, JSON.stringify(binding));
    return conversationActor(c.env, binding.conversationId).fetch(new Request(c.req.url, { headers }));
  });
