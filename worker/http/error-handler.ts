// The central error handler: typed errors become their envelope and status; anything else is a masked
// 500 whose detail goes to the log only.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DomainError } from '../lib/errors';
import { errorBody } from './envelope';
import { STATUS_OF } from './errors';

export function handleError(err: Error, c: Context) {
  if (err instanceof DomainError) return c.json(errorBody(err.message, err.code, err.fields), STATUS_OF[err.code]);
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's own 4xx, e.g. a malformed multipart body: a 400 reads like every other validation error.
    const message = err.message || 'Bad request';
    if (err.status === 400) return c.json(errorBody(message, 'VALIDATION_ERROR', { body: [message] }), 400);
    return c.json(errorBody(message), err.status);
  }
  console.error(`Unhandled error on ${c.req.method} ${new URL(c.req.url).pathname}:`, err);
  return c.json(errorBody('An unexpected error occurred', 'INTERNAL_ERROR'), 500);
}

export function handleNotFound(c: Context) {
  return c.json(errorBody('Not found', 'NOT_FOUND'), 404);
}
