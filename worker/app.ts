// The Hono app: one middleware chain, the API routes, and the error handler that shapes every failure.
import { Hono } from 'hono';
import { createDb } from './db/client';
import type { AppEnv } from './http/context';
import { csrfGuard } from './http/csrf';
import { handleError, handleNotFound } from './http/error-handler';
import { authRoutes } from './routes/auth';
import { devRoutes } from './routes/dev';
import { teamRoutes } from './routes/team';

const api = new Hono<AppEnv>()
  .use('*', async (c, next) => {
    c.set('db', createDb(c.env.DB));
    await next();
  })
  .use('*', csrfGuard)
  .route('/auth', authRoutes)
  .route('/team', teamRoutes)
  .route('/dev', devRoutes);

export const app = new Hono<AppEnv>().route('/api', api).notFound(handleNotFound).onError(handleError);

export type AppType = typeof app;
