// /api/widget (public, no session): what the chat widget reads before and around a chat — config, FAQ chips,
// online status, visitor uploads. Called from customers' sites, so every route answers CORS for an allowed
// Origin and refuses (403) an origin outside the channel's domain allowlist. Shapes: docs/realtime-protocol.md.
import { type Context, Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { rateConversation, visitorHistory, visitorSelf } from '../channels/website-chat/history';
import { identifyVisitor } from '../channels/website-chat/identity';
import { contactCreationAllowed } from '../channels/website-chat/limits';
import { noteRefusedOrigin } from '../channels/website-chat/refused-origins';
import { assertWidgetOrigin, loadWidgetChannel, widgetConfig, widgetStatus } from '../channels/website-chat/widget';
import type { Channel } from '../db/schema';
import { recordFaqClick, widgetFaqs } from '../faqs/faqs';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { clientIp, enforceRateLimit } from '../http/rate-limit';
import { id, idParams, parseId, validate } from '../http/validate';
import { ForbiddenError, NotFoundError, RateLimitError, ValidationError } from '../lib/errors';
import { getMedia, mediaResponse, storeMedia, VISITOR_UPLOADS } from '../media/media';
import { signVisitorLink, verifyVisitorLink } from '../media/visitor-links';
import { readUpload } from './media';

const VISITOR_ID = /^visitor_[0-9a-f-]{36}$/;

export type WidgetEnv = { Bindings: AppEnv['Bindings']; Variables: AppEnv['Variables'] & { channel: Channel } };

function ownOrigins(c: Context<WidgetEnv>): string[] {
  const origins = [new URL(c.req.url).origin];
  if (c.env.APP_ORIGIN) origins.push(new URL(c.env.APP_ORIGIN).origin);
  return origins;
}

/** The calling page's origin. Browsers omit Origin on same-origin GETs (the widget iframe); Sec-Fetch-Site says so. */
function callerOrigin(c: Context<WidgetEnv>): string | undefined {
  const origin = c.req.header('origin');
  if (origin) return origin;
  return c.req.header('sec-fetch-site') === 'same-origin' ? new URL(c.req.url).origin : undefined;
}

/** Checks the channel's allowlist, then lets that origin read the answer, errors included. */
export function allowOrigin(c: Context<WidgetEnv>, channel: Channel): void {
  try {
    assertWidgetOrigin(channel, callerOrigin(c), ownOrigins(c));
  } catch (error) {
    // Remembered for the channel page ("your widget on … was refused"), coalesced (refused-origins.ts).
    const write = error instanceof ForbiddenError ? noteRefusedOrigin(c.var.db, channel, c.req.header('origin')) : null;
    if (write) waitFor(c, write);
    throw error;
  }
  const origin = c.req.header('origin');
  if (origin) {
    c.header('access-control-allow-origin', origin);
    c.header('vary', 'Origin');
  }
}

/** Lets the response go while `work` finishes. */
function waitFor(c: Context<WidgetEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (app.request in tests): the write runs unguarded and logs its own failure.
  }
}

/** Loads the public WEBSITE_CHAT channel of `:channelId` (404 otherwise) and applies its origin policy. */
export const widgetChannel = createMiddleware<WidgetEnv>(async (c, next) => {
  const channelId = parseId('channelId', c.req.param('channelId'));
  const channel = await loadWidgetChannel(c.var.db, channelId);
  allowOrigin(c, channel);
  c.set('channel', channel);
  await next();
});

/** About 30 requests a minute per IP (the WIDGET_LIMITER binding). */
const perIpLimit = createMiddleware<WidgetEnv>(async (c, next) => {
  await enforceRateLimit(c.env.WIDGET_LIMITER, `widget:${clientIp(c.req.raw.headers)}`);
  await next();
});

/** Answers a CORS preflight for a widget route. */
export async function preflight(c: Context<WidgetEnv>) {
  const channelId = c.req.param('channelId');
  if (channelId) allowOrigin(c, await loadWidgetChannel(c.var.db, parseId('channelId', channelId)));
  else if (c.req.header('origin')) c.header('access-control-allow-origin', c.req.header('origin'));
  c.header('access-control-allow-methods', 'GET, POST, OPTIONS');
  c.header('access-control-allow-headers', 'content-type');
  c.header('access-control-max-age', '600');
  return c.body(null, 204);
}

/** A signed link to a file (see media/visitor-links.ts); a bad or expired link reads as a missing file. */
const mediaLinkSchema = z.object({
  channel: id('channel'),
  expires: z.coerce.number().int().positive().max(1e11),
  sig: z.string().min(1).max(100),
});

const visitorIdSchema = z.string().regex(VISITOR_ID, 'visitorId must look like visitor_<uuid>');

const historySchema = z.object({ visitorId: visitorIdSchema });

const ratingSchema = z.object({
  visitorId: visitorIdSchema,
  rating: z.enum(['GOOD', 'BAD'], 'Rating must be GOOD or BAD'),
  comment: z.string().trim().max(2000, 'Comment must be at most 2000 characters').optional(),
});

/** ChatWidget.identify: a user id only with its proof (docs/widget-identity.md). */
const identifySchema = z
  .object({
    visitorId: visitorIdSchema,
    userId: z
      .string()
      .trim()
      .min(1, 'userId must not be empty')
      .max(200, 'userId must be at most 200 characters')
      .optional(),
    userHash: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}$/, 'userHash must be 64 hex characters')
      .optional(),
    name: z.string().trim().min(1, 'Name must not be empty').max(200, 'Name must be at most 200 characters').optional(),
    email: z.email('Invalid email').max(254, 'Email must be at most 254 characters').optional(),
  })
  .refine((v) => v.userHash === undefined || v.userId !== undefined, {
    message: 'userHash needs a userId',
    path: ['userId'],
  });

function visitorIdOf(value: unknown): string {
  if (typeof value !== 'string' || !VISITOR_ID.test(value)) {
    throw ValidationError.field('visitorId', 'visitorId must look like visitor_<uuid>');
  }
  return value;
}

export const widgetRoutes = new Hono<WidgetEnv>()
  .options('/:channelId/config', preflight)
  .options('/:channelId/faqs', preflight)
  .options('/:channelId/faqs/:faqId/click', preflight)
  .options('/:channelId/status', preflight)
  .options('/:channelId/upload', preflight)
  .options('/:channelId/history', preflight)
  .options('/:channelId/identify', preflight)
  .options('/:channelId/conversations/:conversationId/rating', preflight)
  .options('/media/:mediaId', preflight)
  .get('/media/:mediaId', idParams('mediaId'), validate('query', mediaLinkSchema), async (c) => {
    const mediaId = c.req.param('mediaId');
    const { channel: channelId, expires, sig } = c.req.valid('query');
    if (!(await verifyVisitorLink(c.env.SESSION_SECRET, { mediaId, channelId, expires }, sig))) {
      throw new NotFoundError('Media');
    }
    const channel = await loadWidgetChannel(c.var.db, channelId);
    allowOrigin(c, channel);
    return mediaResponse(c.env, await getMedia(c.var.db, channel.organizationId, mediaId));
  })
  .get('/:channelId/config', widgetChannel, perIpLimit, async (c) =>
    ok(c, await widgetConfig(c.env, c.var.db, c.var.channel)),
  )
  .get('/:channelId/faqs', widgetChannel, perIpLimit, async (c) =>
    ok(c, await widgetFaqs(c.var.db, c.var.channel.organizationId, c.var.channel.id)),
  )
  .post('/:channelId/faqs/:faqId/click', idParams('faqId'), widgetChannel, perIpLimit, async (c) =>
    ok(c, await recordFaqClick(c.var.db, c.var.channel.organizationId, c.var.channel.id, c.req.param('faqId'))),
  )
  .get('/:channelId/status', widgetChannel, perIpLimit, async (c) =>
    ok(c, await widgetStatus(c.env, c.var.db, c.var.channel)),
  )
  .get('/:channelId/history', widgetChannel, perIpLimit, validate('query', historySchema), async (c) => {
    const { visitorId } = c.req.valid('query');
    const [conversations, visitor] = await Promise.all([
      visitorHistory(c.var.db, c.env.SESSION_SECRET, c.var.channel, visitorId),
      visitorSelf(c.var.db, c.var.channel, visitorId),
    ]);
    return ok(c, { conversations, visitor });
  })
  .post(
    '/:channelId/conversations/:conversationId/rating',
    idParams('conversationId'),
    widgetChannel,
    perIpLimit,
    validate('json', ratingSchema),
    async (c) => {
      const input = c.req.valid('json');
      return ok(
        c,
        await rateConversation(c.var.db, c.var.channel, { ...input, conversationId: c.req.param('conversationId') }),
      );
    },
  )
  .post('/:channelId/identify', widgetChannel, perIpLimit, validate('json', identifySchema), async (c) => {
    if (!(await contactCreationAllowed(c.env, clientIp(c.req.raw.headers)))) throw new RateLimitError();
    return ok(c, await identifyVisitor(c.var.db, c.env.SESSION_SECRET, c.var.channel, c.req.valid('json')));
  })
  .post('/:channelId/upload', widgetChannel, perIpLimit, async (c) => {
    const { file, fields } = await readUpload(c, VISITOR_UPLOADS);
    const visitorId = visitorIdOf(fields.get('visitorId'));
    const row = await storeMedia(c.env, c.var.db, {
      organizationId: c.var.channel.organizationId,
      file,
      policy: VISITOR_UPLOADS,
      uploader: { type: 'VISITOR', visitorId, channelId: c.var.channel.id },
    });
    return ok(
      c,
      {
        id: row.id,
        url: await signVisitorLink(c.env.SESSION_SECRET, { mediaId: row.id, channelId: c.var.channel.id }),
        fileName: row.fileName,
        contentType: row.contentType,
        size: row.size,
      },
      201,
    );
  });
