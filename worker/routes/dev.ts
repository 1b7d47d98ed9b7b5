// /api/dev: local-development helpers, mounted only by the local entry (worker/dev.ts) and answering only when
// DEV_SEED=true (set by `npm run dev`).
import { Hono } from 'hono';
import { createDb } from '../db/client';
import { seedDemo } from '../db/seed';
import type { AppEnv } from '../http/context';
import { ok } from '../http/envelope';
import { NotFoundError } from '../lib/errors';

export const devRoutes = new Hono<AppEnv>()
  .use('*', async (c, next) => {
    if (c.env.DEV_SEED !== 'true' || c.env.ENVIRONMENT === 'production') throw new NotFoundError('Route');
    c.set('db', createDb(c.env.DB));
    await next();
  })
  .post('/seed', async (c) => ok(c, await seedDemo(c.env, c.var.db, Number(c.env.FREE_PLAN_TOKENS))));
