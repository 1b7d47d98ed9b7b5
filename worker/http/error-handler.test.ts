import { exports } from 'cloudflare:workers';
import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ConflictError,
  ForbiddenError,
  InsufficientTokensError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitError,
  UnauthorizedError,
  UpstreamError,
} from '../lib/errors';
import { ok } from './envelope';
import { handleError, handleNotFound } from './error-handler';
import { validate } from './validate';

const app = new Hono()
  .get('/ok', (c) => ok(c, { hello: 'world' }))
  .post('/created', (c) => ok(c, { id: 1 }, 201))
  .post('/validated', validate('json', z.object({ email: z.email(), age: z.number().int().min(18) })), (c) =>
    ok(c, c.req.valid('json')),
  )
  .post('/optional', validate('json', z.object({ note: z.string().max(10).optional() })), (c) =>
    ok(c, c.req.valid('json')),
  )
  .get('/throw/:kind', (c) => {
    const errors: Record<string, Error> = {
      unauthorized: new UnauthorizedError(),
      tokens: new InsufficientTokensError(),
      forbidden: new ForbiddenError(),
      missing: new NotFoundError('Widget'),
      conflict: new ConflictError('Already exists'),
      large: new PayloadTooLargeError('File too large'),
      limited: new RateLimitError(),
      upstream: new UpstreamError('OpenAI did not answer'),
      bug: new TypeError('secret internal detail'),
    };
    throw errors[c.req.param('kind')]!;
  })
  .notFound(handleNotFound)
  .onError(handleError);

async function call(path: string, init?: RequestInit) {
  const res = await app.request(path, init);
  return { status: res.status, body: (await res.json()) as any };
}

describe('the response envelope', () => {
  it('wraps success as {success:true,data} with the chosen status', async () => {
    expect(await call('/ok')).toEqual({ status: 200, body: { success: true, data: { hello: 'world' } } });
    expect((await call('/created', { method: 'POST' })).status).toBe(201);
  });

  it('turns a zod failure into 400 VALIDATION_ERROR with per-field messages', async () => {
    const res = await call('/validated', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nope', age: 12 }),
    });
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['age', 'email']);
    expect(res.body.error.fields.email[0]).toMatch(/email/i);
  });

  it.each([
    ['malformed', '{"email":'],
    ['trailing garbage after', '{"email":"a@b.test","age":20} }x'],
    ['a bare word instead of', 'hello'],
  ])('answers %s JSON with 400 VALIDATION_ERROR and fields.body', async (_, body) => {
    const res = await call('/validated', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(Object.keys(res.body.error.fields)).toEqual(['body']);
    expect(res.body.error.fields.body[0]).toMatch(/^Malformed JSON: /);
  });

  it('reads an empty JSON body as {}: accepted where every field is optional, named fields where they are not', async () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const optional = await call('/optional', { method: 'POST', headers: json, body: '' });
    expect(optional).toEqual({ status: 200, body: { success: true, data: {} } });
    const required = await call('/validated', { method: 'POST', headers: json, body: '  ' });
    expect(required.status).toBe(400);
    expect(Object.keys(required.body.error.fields).sort()).toEqual(['age', 'email']);
  });

  it.each([
    ['unauthorized', 401, undefined],
    ['tokens', 402, 'INSUFFICIENT_TOKENS'],
    ['forbidden', 403, undefined],
    ['missing', 404, undefined],
    ['conflict', 409, undefined],
    ['large', 413, undefined],
    ['limited', 429, undefined],
    ['upstream', 502, undefined],
  ])('maps a %s error to %i', async (kind, status, code) => {
    const res = await call(`/throw/${kind}`);
    expect(res.status).toBe(status);
    expect(res.body.success).toBe(false);
    expect(typeof res.body.error.message).toBe('string');
    if (code) expect(res.body.error.code).toBe(code);
  });

  it('masks unexpected errors as 500 and logs the detail', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await call('/throw/bug');
    expect(res.status).toBe(500);
    expect(res.body.error.message).toBe('An unexpected error occurred');
    expect(JSON.stringify(res.body)).not.toContain('secret internal detail');
    expect(String(log.mock.calls[0]?.[1])).toContain('secret internal detail');
    log.mockRestore();
  });

  it('answers unknown routes with a 404 envelope', async () => {
    const res = await call('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
  });
});

describe('the API root', () => {
  it('has no route at bare /api (404) and protected endpoints answer 401 without a session', async () => {
    const root = await exports.default.fetch('http://localhost/api');
    expect(root.status).toBe(404);
    expect(((await root.json()) as any).success).toBe(false);
    const me = await exports.default.fetch('http://localhost/api/auth/me');
    expect(me.status).toBe(401);
    const members = await exports.default.fetch('http://localhost/api/team/members');
    expect(members.status).toBe(401);
  });
});
