// /api/notifications: the member's notification centre, their preference matrix, this device's web push
// subscription, and the organisation's integrations (every member reads them; ADMIN configures them).
import { Hono } from 'hono';
import { z } from 'zod';
import { NOTIFICATION_DELIVERIES, NOTIFICATION_EVENTS, NOTIFICATION_SCOPES } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { pageOf, pagingQuery } from '../http/paging';
import { withAdmin, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';
import { listNotifications, markRead } from '../notifications/inbox';
import {
  createIntegration,
  deleteIntegration,
  INTEGRATION_EVENTS,
  listIntegrations,
  updateIntegration,
} from '../notifications/integrations';
import {
  getPreferences,
  PERSONAL_DELIVERIES,
  type PreferencesChange,
  savePreferences,
} from '../notifications/preferences';
import { isSubscribed, removeSubscription, saveSubscription } from '../notifications/push';
import { isAuthSecret, isP256Point, vapidFromEnv } from '../notifications/web-push';

const ENDPOINT_MAX = 1000;
const INTEGRATION_KINDS = ['SLACK', 'WEBHOOK'] as const;

const listQuery = z.object({ ...pagingQuery(), unread: z.enum(['true', 'false']).optional() });
const readSchema = z.object({
  ids: z.array(id()).min(1, 'List at least one id, or send no ids to mark all').max(500).optional(),
});

function deliveryProblem(delivery: string): string | null {
  if ((PERSONAL_DELIVERIES as readonly string[]).includes(delivery)) return null;
  if ((INTEGRATION_KINDS as readonly string[]).includes(delivery)) {
    return `${delivery} is an organisation integration: an admin chooses its events under Integrations`;
  }
  if ((NOTIFICATION_DELIVERIES as readonly string[]).includes(delivery)) {
    return `${delivery} notifications are not available on this installation`;
  }
  return `Unknown delivery channel ${delivery}: use ${PERSONAL_DELIVERIES.join(', ')}`;
}

const matrixSchema = z
  .record(
    z.string().max(40, 'Event names are at most 40 characters'),
    z.record(
      z.string().max(40, 'Channel names are at most 40 characters'),
      z.boolean({ error: 'Must be true or false' }),
      {
        error: 'Each event maps delivery channels to true or false',
      },
    ),
    { error: 'matrix maps events to their delivery channels' },
  )
  .superRefine((matrix, ctx) => {
    for (const [event, row] of Object.entries(matrix)) {
      if (!(NOTIFICATION_EVENTS as readonly string[]).includes(event)) {
        ctx.addIssue({
          code: 'custom',
          path: [event],
          message: `Unknown event ${event}: use ${NOTIFICATION_EVENTS.join(', ')}`,
        });
        continue;
      }
      for (const delivery of Object.keys(row)) {
        const problem = deliveryProblem(delivery);
        if (problem) ctx.addIssue({ code: 'custom', path: [event, delivery], message: problem });
      }
    }
  });

const preferencesSchema = z
  .object({
    scope: z.enum(NOTIFICATION_SCOPES, { error: `scope is ${NOTIFICATION_SCOPES.join(' or ')}` }).optional(),
    matrix: matrixSchema.optional(),
  })
  .refine((v) => v.scope !== undefined || v.matrix !== undefined, { message: 'Send scope, matrix or both' });

const endpoint = z
  .string({ error: 'endpoint is required' })
  .trim()
  .max(ENDPOINT_MAX, `endpoint must be at most ${ENDPOINT_MAX} characters`)
  .pipe(z.url({ error: 'endpoint must be a URL' }));

const subscriptionSchema = z.object({
  endpoint,
  expirationTime: z.number().nullish(),
  keys: z.object({
    p256dh: z
      .string({ error: 'keys.p256dh is required' })
      .max(200, 'keys.p256dh must be at most 200 characters')
      .refine(isP256Point, 'keys.p256dh must be a base64url P-256 public key'),
    auth: z
      .string({ error: 'keys.auth is required' })
      .max(100, 'keys.auth must be at most 100 characters')
      .refine(isAuthSecret, 'keys.auth must be a base64url 16-byte secret'),
  }),
});
const unsubscribeSchema = z.object({ endpoint });
const statusQuery = z.object({ endpoint: endpoint.optional() });

const events = z
  .array(z.enum(INTEGRATION_EVENTS, { error: `Events are ${INTEGRATION_EVENTS.join(', ')}` }))
  .max(INTEGRATION_EVENTS.length * 2);
const integrationName = z.string().trim().min(1, 'name is required').max(100, 'name must be at most 100 characters');
const integrationUrl = z
  .string({ error: 'url is required' })
  .trim()
  .max(ENDPOINT_MAX, `url must be at most ${ENDPOINT_MAX} characters`)
  .pipe(z.url({ error: 'url must be a URL' }));
const createIntegrationSchema = z.object({
  type: z.enum(INTEGRATION_KINDS, { error: 'type is SLACK or WEBHOOK' }),
  name: integrationName,
  url: integrationUrl,
  events: events.min(1, 'Choose at least one event'),
  enabled: z.boolean().optional(),
});
const updateIntegrationSchema = z
  .object({
    name: integrationName.optional(),
    url: integrationUrl.optional(),
    events: events.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'Nothing to update' });

export const notificationRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/', validate('query', listQuery), async (c) => {
    const { page, pageSize, unread } = c.req.valid('query');
    const { auth } = c.var;
    const result = await listNotifications(c.var.db, auth.organization.id, auth.user.id, {
      page,
      pageSize,
      unreadOnly: unread === 'true',
    });
    return ok(c, { ...pageOf(result.items, result.total, { page, pageSize }), unreadCount: result.unreadCount });
  })
  .post('/read', validate('json', readSchema), async (c) => {
    const { auth } = c.var;
    return ok(c, await markRead(c.var.db, auth.organization.id, auth.user.id, c.req.valid('json').ids));
  })
  .get('/preferences', async (c) =>
    ok(c, await getPreferences(c.var.db, c.var.auth.organization.id, c.var.auth.user.id)),
  )
  .put('/preferences', validate('json', preferencesSchema), async (c) => {
    const { auth } = c.var;
    const change = c.req.valid('json') as PreferencesChange;
    return ok(c, await savePreferences(c.var.db, auth.organization.id, auth.user.id, change));
  })
  .get('/push-subscription', validate('query', statusQuery), async (c) => {
    const { auth } = c.var;
    const vapid = vapidFromEnv(c.env);
    const { endpoint: current } = c.req.valid('query');
    return ok(c, {
      publicKey: vapid?.publicKey ?? null,
      subscribed: current ? await isSubscribed(c.var.db, auth.organization.id, auth.user.id, current) : false,
    });
  })
  .post('/push-subscription', validate('json', subscriptionSchema), async (c) => {
    const { auth } = c.var;
    const body = c.req.valid('json');
    const userAgent = c.req.header('user-agent')?.slice(0, 300) ?? null;
    return ok(c, await saveSubscription(c.var.db, auth.organization.id, auth.user.id, { ...body, userAgent }), 201);
  })
  .delete('/push-subscription', validate('json', unsubscribeSchema), async (c) => {
    const { auth } = c.var;
    return ok(c, await removeSubscription(c.var.db, auth.organization.id, auth.user.id, c.req.valid('json').endpoint));
  })
  .get('/integrations', async (c) => ok(c, await listIntegrations(c.env, c.var.db, c.var.auth.organization.id)))
  .post('/integrations', withAdmin, validate('json', createIntegrationSchema), async (c) =>
    ok(c, await createIntegration(c.env, c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .patch('/integrations/:id', withAdmin, idParams('id'), validate('json', updateIntegrationSchema), async (c) =>
    ok(
      c,
      await updateIntegration(
        c.env,
        c.var.db,
        c.var.auth.organization.id,
        c.req.valid('param').id,
        c.req.valid('json'),
      ),
    ),
  )
  .delete('/integrations/:id', withAdmin, idParams('id'), async (c) => {
    await deleteIntegration(c.var.db, c.var.auth.organization.id, c.req.valid('param').id);
    return ok(c, { id: c.req.valid('param').id, deleted: true });
  });
