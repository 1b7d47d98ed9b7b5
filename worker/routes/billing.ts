// /api/billing: everyone in the organisation reads the plan, usage and ledger; only the OWNER buys (Stripe
// Checkout and the customer portal answer `{url}`, or 503 PAYMENTS_NOT_CONFIGURED without Stripe keys).
import { Hono } from 'hono';
import { z } from 'zod';
import { SELF_SERVE_PLANS, TOP_UP_MAX, TOP_UP_MIN, TOP_UP_STEP } from '../billing/plans';
import { openPortal, startPlanCheckout, startTopUpCheckout } from '../billing/stripe';
import { billingSummary, ledgerCsv, listLedger } from '../billing/summary';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { pageOf, pagingQuery } from '../http/paging';
import { withOrganization, withOwner } from '../http/session';
import { validate } from '../http/validate';

const checkoutSchema = z.strictObject({
  plan: z.enum(SELF_SERVE_PLANS, { error: `plan must be one of ${SELF_SERVE_PLANS.join(', ')}` }),
});

const topUpSchema = z.strictObject({
  tokens: z
    .number({ error: 'tokens must be a number' })
    .int('tokens must be a whole number')
    .min(TOP_UP_MIN, `tokens is at least ${TOP_UP_MIN}`)
    .max(TOP_UP_MAX, `tokens is at most ${TOP_UP_MAX}`)
    .refine((n) => n % TOP_UP_STEP === 0, `tokens must be a multiple of ${TOP_UP_STEP}`),
});

const ledgerQuery = z.object({
  ...pagingQuery(),
  format: z.enum(['json', 'csv'], { error: 'format must be json or csv' }).default('json'),
});

function buyer(c: { var: AppEnv['Variables']; env: AppEnv['Bindings']; req: { url: string } }) {
  const origin = c.env.APP_ORIGIN ?? new URL(c.req.url).origin;
  return {
    organizationId: c.var.auth.organization.id,
    email: c.var.auth.user.email,
    returnUrl: `${origin}/settings/billing`,
  };
}

export const billingRoutes = new Hono<AppEnv>()
  .use('*', withOrganization)
  .get('/', async (c) => {
    const summary = await billingSummary(c.env, c.var.db, c.var.auth.organization.id);
    return ok(c, { ...summary, canManage: c.var.auth.role === 'OWNER' });
  })
  .get('/ledger', validate('query', ledgerQuery), async (c) => {
    const { format, ...paging } = c.req.valid('query');
    const organizationId = c.var.auth.organization.id;
    if (format === 'csv') {
      return c.body(await ledgerCsv(c.var.db, organizationId), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="token-ledger.csv"',
      });
    }
    const { items, total } = await listLedger(c.var.db, organizationId, paging);
    return ok(c, pageOf(items, total, paging));
  })
  .post('/checkout', withOwner, validate('json', checkoutSchema), async (c) =>
    ok(c, await startPlanCheckout(c.env, c.var.db, buyer(c), c.req.valid('json').plan)),
  )
  .post('/top-up', withOwner, validate('json', topUpSchema), async (c) =>
    ok(c, await startTopUpCheckout(c.env, c.var.db, buyer(c), c.req.valid('json').tokens)),
  )
  .post('/portal', withOwner, async (c) => ok(c, await openPortal(c.env, c.var.db, buyer(c))));
