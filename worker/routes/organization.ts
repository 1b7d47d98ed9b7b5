// /api/organization: the workspace itself (Settings → General). Every member reads its name, id and plan (the id
// is what support asks for); ADMIN and above rename it.
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { z } from 'zod';
import { organizations } from '../db/schema';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { validate } from '../http/validate';
import { publicOrganization } from './auth';

export const ORGANIZATION_NAME_MAX = 100;

const updateSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the workspace a name')
    .max(ORGANIZATION_NAME_MAX, `A workspace name is at most ${ORGANIZATION_NAME_MAX} characters`),
});

export const organizationRoutes = new Hono<AppEnv>()
  .use(withOrganization)
  .get('/', (c) => ok(c, publicOrganization(c.var.auth.organization)))
  .patch('/', withAdmin, validate('json', updateSchema), async (c) => {
    const [organization] = await c.var.db
      .update(organizations)
      .set({ name: c.req.valid('json').name })
      .where(eq(organizations.id, c.var.auth.organization.id))
      .returning();
    return ok(c, publicOrganization(organization!));
  });
