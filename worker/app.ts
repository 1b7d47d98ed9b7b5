// The Hono app: one middleware chain, the API routes, and the error handler that shapes every failure.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { createDb } from './db/client';
import type { AppEnv } from './http/context';
import { csrfGuard } from './http/csrf';
import { errorBody } from './http/envelope';
import { AppError } from './http/errors';
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

export const app = new Hono<AppEnv>()
  .route('/api', api)
  .notFound((c) => c.json(errorBody('Not found', 'NOT_FOUND'), 404))
  .onError((err, c) => {
    if (err instanceof AppError) return c.json(errorBody(err.message, err.code, err.fields), err.status);
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own 4xx (e.g. malformed JSON in a validated body).
      const code = err.status === 400 ? 'VALIDATION_ERROR' : undefined;
      return c.json(errorBody(err.message || 'Bad request', code), err.status);
    }
    console.error(`Unhandled error on ${c.req.method} ${new URL(c.req.url).pathname}:`, err);
    return c.json(errorBody('An unexpected error occurred', 'INTERNAL_ERROR'), 500);
  });

export type AppType = typeof app;
