// /api/analytics: the team's numbers. Every member reads them (viewers included) and exports them as CSV;
// OWNER and ADMIN set the reporting time zone and business hours, and may rebuild the figures from the events.
import { Hono } from 'hono';
import { z } from 'zod';
import { EXPORTS, exportCsv } from '../analytics/exports';
import { agentsReport, aiReport, conversationsReport, overviewReport } from '../analytics/reports';
import { getSettings, rebuildAnalytics, updateSettings } from '../analytics/settings';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { withAdmin, withOrganization } from '../http/session';
import { id, validate } from '../http/validate';

const isoDate = (label: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date like 2026-03-31`)
    .refine(
      (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
      {
        message: `${label} is not a calendar date`,
      },
    );

export const reportQuery = z
  .object({
    from: isoDate('from').optional(),
    to: isoDate('to').optional(),
    channelId: id('channelId').optional(),
    agentId: id('agentId').optional(),
    businessTime: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must be on or before to', path: ['from'] });

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'Use HH:MM (00:00 to 24:00)');
const settingsSchema = z
  .object({
    timeZone: z.string().trim().min(1).max(64).optional(),
    businessHours: z
      .array(z.object({ day: z.number().int().min(1).max(7), start: hhmm, end: hhmm }))
      .max(50)
      .nullable()
      .optional(),
  })
  .refine((v) => v.timeZone !== undefined || v.businessHours !== undefined, { message: 'Nothing to update' });

export const analyticsRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/overview', validate('query', reportQuery), async (c) =>
    ok(c, await overviewReport(c.env.DB, c.var.auth.organization.id, c.req.valid('query'))),
  )
  .get('/conversations', validate('query', reportQuery), async (c) =>
    ok(c, await conversationsReport(c.env.DB, c.var.auth.organization.id, c.req.valid('query'))),
  )
  .get('/agents', validate('query', reportQuery), async (c) =>
    ok(c, await agentsReport(c.env.DB, c.var.auth.organization.id, c.req.valid('query'))),
  )
  .get('/ai', validate('query', reportQuery), async (c) =>
    ok(c, await aiReport(c.env.DB, c.var.auth.organization.id, c.req.valid('query'))),
  )
  .get(
    '/export/:report',
    validate('param', z.object({ report: z.enum(EXPORTS) })),
    validate('query', reportQuery),
    async (c) => {
      const { report } = c.req.valid('param');
      const query = c.req.valid('query');
      const csv = await exportCsv(c.env.DB, c.var.auth.organization.id, report, query);
      const name = `${report}-${query.from ?? 'last-30-days'}${query.to ? `-${query.to}` : ''}.csv`;
      return c.body(csv, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}"`,
        'cache-control': 'no-store',
      });
    },
  )
  .get('/settings', async (c) => ok(c, await getSettings(c.env.DB, c.var.auth.organization.id)))
  .put('/settings', withAdmin, validate('json', settingsSchema), async (c) =>
    ok(c, await updateSettings(c.env.DB, c.var.auth.organization.id, c.req.valid('json'))),
  )
  // Cycles and rollups anew from the reporting events; large accounts finish over the next flushes.
  .post('/rebuild', withAdmin, async (c) => ok(c, await rebuildAnalytics(c.env.DB, c.var.auth.organization.id)));
