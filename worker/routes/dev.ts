// /api/dev: local-development helpers, present only when DEV_SEED=true (set by `npm run dev`, never in production).
import { Hono } from 'hono';
import { seedDemo } from '../db/seed';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { NotFoundError } from '../lib/errors';

export const devRoutes = new Hono<AppEnv>()
  .use('*', async (c, next) => {
    if (c.env.DEV_SEED !== 'true' || c.env.ENVIRONMENT === 'production') throw new NotFoundError('Route');
    await next();
  })
  .post('/seed', async (c) => ok(c, await seedDemo(c.env, c.var.db, Number(c.env.FREE_PLAN_TOKENS))));
