// /api/analytics/posts and /api/analytics/flows: what comment triggers and DM flows did and the orders they drove
// (attribution/reports.ts). Every member reads them, viewers included, like the other analytics reports.
import { Hono } from 'hono';
import { z } from 'zod';
import { FLOW_SORTS, flowsReport, POST_SORTS, postsReport } from '../attribution/reports';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withOrganization } from '../http/session';
import { validate } from '../http/validate';

const isoDate = (label: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date like 2026-03-31`)
    .refine(
      (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
      `${label} is not a calendar date`,
    );

const range = {
  from: isoDate('from').optional(),
  to: isoDate('to').optional(),
};
const inOrder = (q: { from?: string; to?: string }) => !q.from || !q.to || q.from <= q.to;
const orderMessage = { message: 'from must be on or before to', path: ['from'] };

const postsQuery = z
  .object({ ...range, sort: z.enum(POST_SORTS, { error: `sort must be one of ${POST_SORTS.join(', ')}` }).optional() })
  .refine(inOrder, orderMessage);
const flowsQuery = z
  .object({ ...range, sort: z.enum(FLOW_SORTS, { error: `sort must be one of ${FLOW_SORTS.join(', ')}` }).optional() })
  .refine(inOrder, orderMessage);

export const analyticsAutomationRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/posts', validate('query', postsQuery), async (c) =>
    ok(c, await postsReport(c.env.DB, c.var.auth.organization.id, c.req.valid('query'))),
  )
  .get('/flows', validate('query', flowsQuery), async (c) =>
    ok(c, await flowsReport(c.env.DB, c.var.auth.organization.id, c.req.valid('query'))),
  );
