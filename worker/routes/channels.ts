// /api/channels: every member reads; ADMIN and OWNER connect, change and remove channels.
import { Hono } from 'hono';
import { z } from 'zod';
import { isTimeZone } from '../analytics/time';
import {
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  loadChannel,
  updateChannel,
} from '../channels/channels';
import { testNewEmailCredentials, testSavedEmailChannel } from '../channels/email/connection-test';
import { refusedOrigins } from '../channels/website-chat/refused-origins';
import { assertWebsiteChat, widgetScript, widgetSettings } from '../channels/website-chat/widget';
import { CHANNEL_TYPES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { id, idParams, jsonObject, validate } from '../http/validate';

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** `*.example.com`: every subdomain of a name with at least two labels. */
const WILDCARD_HOSTNAME =
  /^\*\.(?=.{1,251}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

const language = z.string().trim().min(2, 'Use a language code such as "en"').max(35);
const optionalText = (max: number) => z.string().trim().max(max).nullish();

const settingsSchema = z.object({
  appearance: z
    .object({
      color: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/, 'Color must look like #1a2b3c')
        .optional(),
      position: z.enum(['left', 'right'], { error: 'Position must be left or right' }).optional(),
      title: z.string().trim().max(80).optional(),
      subtitle: z.string().trim().max(160).optional(),
      avatarUrl: z.url({ protocol: /^https$/, error: 'Avatar URL must be an https:// address' }).optional(),
    })
    .optional(),
  greeting: z.string().trim().max(500, 'Greeting must be at most 500 characters').optional(),
  // Each entry its own field error (`settings.allowedDomains.2`): "not a domain" is one bad entry, not three.
  allowedDomains: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .max(253, 'A domain is at most 253 characters')
        .refine(
          (domain) => HOSTNAME.test(domain) || WILDCARD_HOSTNAME.test(domain),
          'Enter a host name such as shop.example.com or *.example.com (no scheme, path or port)',
        ),
    )
    .max(50, 'At most 50 allowed domains')
    .transform((domains) => [...new Set(domains)])
    .optional(),
  // null turns business hours off (always open).
  businessHours: z
    .object({
      timeZone: z
        .string()
        .trim()
        .min(1, 'Time zone is required')
        .max(64)
        .refine(isTimeZone, 'Unknown time zone (use an IANA name such as Europe/Ljubljana)'),
      intervals: z
        .array(
          z
            .object({
              day: z.number().int().min(1, 'Day is 1 (Monday) to 7 (Sunday)').max(7, 'Day is 1 (Monday) to 7 (Sunday)'),
              start: z.string().regex(HHMM, 'Use HH:MM, e.g. 09:00'),
              end: z.string().regex(HHMM, 'Use HH:MM, e.g. 17:00'),
            })
            .refine((v) => !HHMM.test(v.start) || !HHMM.test(v.end) || v.end > v.start, {
              message: 'Closing time must be after opening time',
              path: ['end'],
            }),
        )
        .min(1, 'Add at least one opening interval, or turn business hours off')
        .max(50),
      replyTime: z.string().trim().max(80, 'Reply time must be at most 80 characters').optional(),
    })
    .nullish(),
  preChatForm: z.enum(['OFF', 'OPTIONAL', 'REQUIRED'], 'Pre-chat form must be OFF, OPTIONAL or REQUIRED').optional(),
});

const credentialsSchema = jsonObject(20_000, 'Credentials must be an object');
const templateSchema = jsonObject(20_000);
const groupIds = z.array(id('groupId')).max(100);

/** The seed's createChannelSchema plus systemPrompt, settings, knowledgeGroupIds and isActive. */
const createChannelSchema = z.object({
  type: z.enum(CHANNEL_TYPES, { error: `Type must be one of ${CHANNEL_TYPES.join(', ')}` }),
  name: z.string().trim().min(1, 'Name is required').max(100),
  region: optionalText(50),
  defaultLanguage: language.default('en'),
  // Unset: on only when the channel's provider can translate (channels/channels.ts createChannel).
  autoTranslate: z.boolean().optional(),
  translateToLanguage: language.nullish(),
  fallbackLanguage: language.nullish(),
  aiProviderId: id('aiProviderId').nullish(),
  systemPrompt: optionalText(10_000),
  credentials: credentialsSchema,
  responseTemplate: templateSchema.nullish(),
  settings: settingsSchema.optional(),
  knowledgeGroupIds: groupIds.optional(),
  autoReply: z.boolean().default(false),
  autoApprove: z.boolean().default(false),
  autoEnhance: z.boolean().default(false),
  isActive: z.boolean().optional(),
});

// No defaults here: a field left out of a PATCH keeps its stored value. The type never changes.
const updateChannelSchema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(100).optional(),
  region: optionalText(50),
  defaultLanguage: language.optional(),
  autoTranslate: z.boolean().optional(),
  translateToLanguage: language.nullish(),
  fallbackLanguage: language.nullish(),
  aiProviderId: id('aiProviderId').nullish(),
  systemPrompt: optionalText(10_000),
  credentials: credentialsSchema.optional(),
  responseTemplate: templateSchema.nullish(),
  settings: settingsSchema.optional(),
  knowledgeGroupIds: groupIds.optional(),
  autoReply: z.boolean().optional(),
  autoApprove: z.boolean().optional(),
  autoEnhance: z.boolean().optional(),
  isActive: z.boolean().optional(),
});

// Credentials are checked against the channel type's own schema after this shape check, so field errors read
// `credentials.host` exactly as on create.
const testConnectionSchema = z.object({
  type: z.literal('EMAIL', { error: 'Only EMAIL channels have a connection test' }),
  credentials: credentialsSchema,
});

const testSavedConnectionSchema = z.object({ credentials: credentialsSchema.optional() });

export const channelRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id', idParams('id'))
  .use('/:id/*', idParams('id'))
  .get('/', async (c) => ok(c, await listChannels(c.env, c.var.db, c.var.auth.organization.id)))
  .post('/', withAdmin, validate('json', createChannelSchema), async (c) =>
    ok(c, await createChannel(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .post('/test-connection', withAdmin, validate('json', testConnectionSchema), async (c) =>
    ok(c, await testNewEmailCredentials(c.env, c.req.valid('json').credentials)),
  )
  .get('/:id', async (c) => ok(c, await getChannel(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'))))
  .patch('/:id', withAdmin, validate('json', updateChannelSchema), async (c) =>
    ok(c, await updateChannel(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.req.valid('json'))),
  )
  .delete('/:id', withAdmin, async (c) => {
    await deleteChannel(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, { id: c.req.param('id'), deleted: true });
  })
  .post('/:id/test-connection', withAdmin, validate('json', testSavedConnectionSchema), async (c) =>
    ok(
      c,
      await testSavedEmailChannel(
        c.env,
        c.var.db,
        c.var.auth.organization.id,
        c.req.param('id'),
        c.req.valid('json').credentials,
      ),
    ),
  )
  .get('/:id/widget-script', async (c) => {
    const channel = await loadChannel(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, widgetScript(channel, c.env.APP_ORIGIN ?? new URL(c.req.url).origin));
  })
  .get('/:id/widget-config', async (c) => {
    const channel = await loadChannel(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    return ok(c, widgetSettings(channel));
  })
  // Sites whose widget this channel refused lately (not in its allowed domains), newest first.
  .get('/:id/refused-origins', async (c) => {
    const channel = await loadChannel(c.var.db, c.var.auth.organization.id, c.req.param('id'));
    assertWebsiteChat(channel);
    return ok(c, await refusedOrigins(c.var.db, channel));
  });
