// /api/organization: the workspace itself (Settings → General). Every member reads its name, its id (what support
// asks for), its plan with the plan's limits and comment-listening window, and its billing cycle; ADMIN and above
// rename it.
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { windowDaysOfPlan } from '../automations/facts';
import { ensureAccount, limitsOf } from '../billing/account';
import { cycleContaining } from '../billing/cycle';
import type { Db } from '../db/client';
import { type Organization, organizations } from '../db/schema';
import type { AppBindings } from '../env';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { validate } from '../http/validate';
import { publicOrganization } from './auth';

const ORGANIZATION_NAME_MAX = 100;

const updateSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the workspace a name')
    .max(ORGANIZATION_NAME_MAX, `A workspace name is at most ${ORGANIZATION_NAME_MAX} characters`),
});

export const organizationRoutes = new Hono<AppEnv>()
  .use(withOrganization)
  .get('/', async (c) => ok(c, await workspace(c.env, c.var.db, c.var.auth.organization)))
  .patch('/', withAdmin, validate('json', updateSchema), async (c) => {
    const [organization] = await c.var.db
      .update(organizations)
      .set({ name: c.req.valid('json').name })
      .where(eq(organizations.id, c.var.auth.organization.id))
      .returning();
    return ok(c, await workspace(c.env, c.var.db, organization!));
  });

async function workspace(env: AppBindings, db: Db, organization: Organization, now = Date.now()) {
  const account = await ensureAccount(db, organization.id, now);
  const cycle = cycleContaining(account.cycleAnchor.getTime(), now);
  return {
    ...publicOrganization(organization),
    limits: limitsOf(env, organization.plan, account),
    commentListeningWindowDays: windowDaysOfPlan(env, organization.plan),
    cycle: { start: new Date(cycle.start).toISOString(), end: new Date(cycle.end).toISOString() },
  };
}
