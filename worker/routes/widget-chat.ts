// /api/widget chat transport (public): the visitor's WebSocket to their conversation's actor, the HTTP
// fallback for sending, and history for catching up. Frames and shapes: docs/realtime-protocol.md.

import { and, eq } from 'drizzle-orm';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { contactCreationAllowed, socketOpenAllowed, visitorMessageAllowed } from '../channels/website-chat/limits';
import { recordVisit, visitorName } from '../channels/website-chat/visitor-profile';
import { loadWidgetChannel } from '../channels/website-chat/widget';
import { BINDING_HEADER, type SocketBinding } from '../conversations/actor';
import { activeConversation, upsertContact } from '../conversations/intake';
import { toPublicMessage } from '../conversations/log';
import { receiveInbound } from '../conversations/pipeline';
import { conversationActor, refOf } from '../conversations/refs';
import type { Channel } from '../db/schema';
import { contacts } from '../db/schema';
import { errorBody, ok } from '../http/envelope';
import { clientIp } from '../http/rate-limit';
import { id, validate } from '../http/validate';
import { RateLimitError } from '../lib/errors';
import { assertVisitorMayAttach } from '../media/media';
import { withVisitorLinks } from '../media/visitor-links';
import { allowOrigin, preflight, type WidgetEnv, widgetChannel } from './widget';

const visitorId = z.string().regex(/^visitor_[0-9a-f-]{36}$/, 'visitorId must look like visitor_<uuid>');

const sendSchema = z
  .object({
    channelId: id('channelId'),
    visitorId,
    content: z.string().trim().max(10_000).default(''),
    clientMessageId: id('clientMessageId'),
    attachments: z.array(id('attachment')).max(10).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email('Invalid email').max(254).optional(),
  })
  .refine((v) => v.content.length > 0 || (v.attachments?.length ?? 0) > 0, {
    message: 'Content is required',
    path: ['content'],
  });

const historySchema = z.object({ visitorId, afterSeq: z.coerce.number().int().min(0).default(0) });
const socketSchema = z.object({
  visitorId,
  // The host page the visitor is on and their time zone, for the contact panel (visitor-profile.ts).
  page: z.string().max(2000, 'page must be at most 2000 characters').optional(),
  tz: z.string().max(64, 'tz must be at most 64 characters').optional(),
});

/** Refuses (429) a request that would create a visitor when this IP has created too many lately. */
async function limitNewContact(c: Context<WidgetEnv>, channel: Channel, visitor: string) {
  if (await findContact(c, channel, visitor)) return;
  if (!(await contactCreationAllowed(c.env, clientIp(c.req.raw.headers)))) throw new RateLimitError();
}

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
    // Counted with the visitor's socket messages: per visitor and per IP (channels/website-chat/limits.ts).
    const ip = clientIp(c.req.raw.headers);
    if (!(await visitorMessageAllowed(c.env, { visitorId: input.visitorId, ip }))) throw new RateLimitError();
    const channel = await loadWidgetChannel(c.var.db, input.channelId);
    allowOrigin(c, channel);
    const visitor = { organizationId: channel.organizationId, channelId: channel.id, visitorId: input.visitorId };
    await assertVisitorMayAttach(c.var.db, visitor, input.attachments ?? []);
    // A REQUIRED pre-chat form is enforced in intake (conversations/intake.ts), for the socket too.
    await limitNewContact(c, channel, input.visitorId);
    const { conversation, message, duplicate } = await receiveInbound(c.env, {
      organizationId: channel.organizationId,
      channelId: channel.id,
      externalContactId: input.visitorId,
      externalMessageId: input.clientMessageId,
      content: input.content,
      attachments: input.attachments,
      contact: { name: input.name, email: input.email },
    });
    const [shown] = await withVisitorLinks(c.env.SESSION_SECRET, channel.id, [toPublicMessage(message)]);
    return ok(c, { conversationId: conversation.id, message: shown }, duplicate ? 200 : 201);
  })
  .get('/:channelId/messages', widgetChannel, validate('query', historySchema), async (c) => {
    const { visitorId: visitor, afterSeq } = c.req.valid('query');
    const contact = await findContact(c, c.var.channel, visitor);
    const conversation = contact ? await activeConversation(c.var.db, contact) : null;
    if (!conversation) return ok(c, { conversationId: null, messages: [] });
    // The actor's public history already carries freshly signed file links.
    const messages = await conversationActor(c.env, conversation.id).publicHistory(refOf(conversation), afterSeq);
    return ok(c, { conversationId: conversation.id, messages });
  })
  .get('/:channelId/ws', widgetChannel, validate('query', socketSchema), async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return c.json(errorBody('Expected a WebSocket upgrade', 'UPGRADE_REQUIRED'), 426);
    }
    const channel = c.var.channel;
    const { visitorId: visitor, page, tz } = c.req.valid('query');
    const ip = clientIp(c.req.raw.headers);
    if (!(await socketOpenAllowed(c.env, ip))) throw new RateLimitError();
    // The contact exists from the first connection so the socket can wait on the actor of the visitor's
    // next conversation (its id is reserved on the contact) before the visitor has written anything.
    let contact = await findContact(c, channel, visitor);
    if (!contact) {
      if (!(await contactCreationAllowed(c.env, ip))) throw new RateLimitError();
      // A readable name instead of "Visitor" for everyone, until the visitor gives theirs.
      contact = await upsertContact(c.var.db, channel, visitor, { name: visitorName(visitor) });
    }
    await recordVisit(c.var.db, contact.id, {
      page,
      timezone: tz,
      userAgent: c.req.header('user-agent'),
      cf: c.req.raw.cf as Record<string, unknown> | undefined,
    });
    const conversation = await activeConversation(c.var.db, contact);
    // `ip` lets the actor limit the socket's messages per IP like the HTTP route (visitorMessageAllowed).
    const binding: SocketBinding = {
      conversationId: conversation?.id ?? contact.nextConversationId,
      organizationId: channel.organizationId,
      channelId: channel.id,
      visitorId: visitor,
      exists: conversation !== null,
      ip,
      // Lets the actor ack a first message before intake (intake still checks the form against D1).
      emailRequired: channel.settings.preChatForm === 'REQUIRED' && !contact.email,
    };
    const headers = new Headers(c.req.raw.headers);
    headers.set(BINDING_HEADER, JSON.stringify(binding));
    return conversationActor(c.env, binding.conversationId).fetch(new Request(c.req.url, { headers }));
  });
