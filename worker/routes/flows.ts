// DM flows and handoff (issue #17). Under /api/automations: flows (ADMIN writes, every member reads), handoff
// rules and automation settings, the synced products (for shop links) and the contact tags in use. Under
// /api/conversations: the conversation's automation state, Take it and Hand back to bot (AGENT and above).
import { Hono } from 'hono';
import { z } from 'zod';
import { flowPatchSchema, flowSchema } from '../automations/flows/schema';
import { automationView, contactTagCounts, handBackConversation, takeConversation } from '../automations/flows/state';
import { createFlow, deleteFlow, duplicateFlow, getFlow, listFlows, updateFlow } from '../automations/flows/store';
import { handoffRulesView, loadSettings, saveHandoffRules, saveSettings } from '../automations/handoff-rules';
import { tagSchema } from '../automations/rules';
import { listProducts } from '../automations/shop-links';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withAgent, withOrganization } from '../http/session';
import { id, idParams, validate } from '../http/validate';

const idParam = z.object({ id: id() });

const handoffRulesSchema = z.strictObject({
  rules: z
    .array(
      z
        .strictObject({
          term: z
            .string({ error: 'A term is required' })
            .trim()
            .min(1, 'A term is required')
            .max(100, 'A term is at most 100 characters'),
          handoff: z.boolean({ error: 'handoff must be true or false' }),
          tag: tagSchema.nullable().default(null),
        })
        .refine((r) => r.handoff || r.tag, { message: 'A rule hands off, adds a tag, or both', path: ['handoff'] }),
      { error: 'rules must be a list' },
    )
    .max(200, 'At most 200 terms'),
  useDefaults: z.boolean({ error: 'useDefaults must be true or false' }),
});

const settingsSchema = z.strictObject({
  waitWindowMinutes: z
    .number({ error: 'waitWindowMinutes must be a whole number of minutes' })
    .int('waitWindowMinutes must be a whole number of minutes')
    .min(5, 'The wait window is at least 5 minutes')
    .max(30 * 24 * 60, 'The wait window is at most 30 days'),
});

export const flowRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/flows', async (c) => ok(c, await listFlows(c.var.db, c.var.auth.organization.id)))
  .post('/flows', withAdmin, validate('json', flowSchema), async (c) =>
    ok(c, await createFlow(c.var.db, c.var.auth.organization.id, c.req.valid('json')), 201),
  )
  .get('/flows/:id', validate('param', idParam), async (c) =>
    ok(c, await getFlow(c.var.db, c.var.auth.organization.id, c.req.valid('param').id)),
  )
  .patch('/flows/:id', withAdmin, validate('param', idParam), validate('json', flowPatchSchema), async (c) =>
    ok(c, await updateFlow(c.var.db, c.var.auth.organization.id, c.req.valid('param').id, c.req.valid('json'))),
  )
  .delete('/flows/:id', withAdmin, validate('param', idParam), async (c) => {
    await deleteFlow(c.var.db, c.var.auth.organization.id, c.req.valid('param').id);
    return ok(c, { id: c.req.valid('param').id, deleted: true });
  })
  .post('/flows/:id/duplicate', withAdmin, validate('param', idParam), async (c) =>
    ok(c, await duplicateFlow(c.var.db, c.var.auth.organization.id, c.req.valid('param').id), 201),
  )
  .get('/handoff-rules', async (c) => ok(c, await handoffRulesView(c.var.db, c.var.auth.organization.id)))
  .put('/handoff-rules', withAdmin, validate('json', handoffRulesSchema), async (c) =>
    ok(c, await saveHandoffRules(c.var.db, c.var.auth.organization.id, c.req.valid('json'))),
  )
  .get('/settings', async (c) => {
    const { waitWindowMinutes } = await loadSettings(c.var.db, c.var.auth.organization.id);
    return ok(c, { waitWindowMinutes });
  })
  .put('/settings', withAdmin, validate('json', settingsSchema), async (c) => {
    const { waitWindowMinutes } = await saveSettings(c.var.db, c.var.auth.organization.id, c.req.valid('json'));
    return ok(c, { waitWindowMinutes });
  })
  .get('/products', async (c) => ok(c, await listProducts(c.var.db, c.var.auth.organization.id)))
  .get('/contact-tags', async (c) => ok(c, await contactTagCounts(c.var.db, c.var.auth.organization.id)));

export const flowConversationRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .use('/:id/*', idParams('id'))
  .get('/:id/automation', async (c) =>
    ok(c, await automationView(c.var.db, c.var.auth.organization.id, c.req.param('id'))),
  )
  .post('/:id/take', withAgent, async (c) =>
    ok(c, await takeConversation(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.var.auth.user.id)),
  )
  .post('/:id/hand-back', withAgent, async (c) =>
    ok(
      c,
      await handBackConversation(c.env, c.var.db, c.var.auth.organization.id, c.req.param('id'), c.var.auth.user.id),
    ),
  );
