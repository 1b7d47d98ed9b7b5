// Request parsing with zod: every failure becomes a 400 VALIDATION_ERROR with per-field messages. Every id and
// string a caller sends has a maximum length, checked here before any query sees it.
import { zValidator } from '@hono/zod-validator';
import type { Context, ValidationTargets } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import type { $ZodError } from 'zod/v4/core';
import { type FieldErrors, ValidationError } from '../lib/errors';

/** Our ids are UUIDs (36) or visitor ids (44); other systems' ids (contacts' external ids) stay under this. */
export const ID_MAX_LENGTH = 100;
/** Backstops for what no route validates: any single path segment, any query parameter. */
export const PATH_SEGMENT_MAX_LENGTH = 256;
export const QUERY_VALUE_MAX_LENGTH = 2000;

export function fieldErrors(error: $ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    fields[key] ??= [];
    fields[key].push(issue.message);
  }
  return fields;
}

/** An id in a path, query or body: 1 to ID_MAX_LENGTH characters. */
export function id(label = 'id') {
  return z
    .string({ error: `${label} must be a string` })
    .trim()
    .min(1, `${label} is required`)
    .max(ID_MAX_LENGTH, `${label} must be at most ${ID_MAX_LENGTH} characters`);
}

/**
 * A free-form JSON object (credentials, templates, JSON schemas): keys are short and the whole object, strings
 * included, serialises to at most `maxChars`.
 */
export function jsonObject(maxChars: number, error = 'Must be a JSON object') {
  return z
    .record(z.string().max(200, 'Keys must be at most 200 characters'), z.unknown(), { error })
    .refine((value) => JSON.stringify(value).length <= maxChars, {
      message: `Must be at most ${maxChars.toLocaleString('en')} characters as JSON`,
    });
}

/** Parse a value with a schema or throw a ValidationError. For use outside route validators. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError('Invalid input', fieldErrors(result.error));
  return result.data;
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

function isJsonRequest(c: Context): boolean {
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
  return JSON_MEDIA_TYPE.test(mediaType);
}

/**
 * Reads a JSON body strictly: malformed JSON or trailing garbage is a 400 with `fields.body`, and an empty body
 * is `{}` (so a route whose fields are all optional accepts it, and one that needs fields names them).
 */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError('Invalid request body', { body: [`Malformed JSON: ${detail}`] });
  }
}

/** Route validator: `validate('json', schema)`; the typed result is `c.req.valid('json')`. */
export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  const validator = zValidator(target, schema, (result) => {
    if (!result.success) {
      throw new ValidationError(
        target === 'json' ? 'Invalid request body' : `Invalid ${target} parameters`,
        fieldErrors(result.error),
      );
    }
  });
  if (target !== 'json') return validator;
  // Hono's own JSON reading answers a bare "Malformed JSON" without fields and refuses an empty body: read it
  // here first, then hand Hono's validator the same body from its cache.
  return (async (c, next) => {
    if (isJsonRequest(c)) {
      const body = JSON.stringify(await jsonBody(c));
      // Hono keeps the body's promise in this cache, whatever its declared type says.
      c.req.bodyCache.text = Promise.resolve(body) as unknown as string;
    }
    return validator(c, next);
  }) as typeof validator;
}

/** One id outside a route validator (middleware, multipart fields): its errors are keyed by `name`. */
export function parseId(name: string, value: unknown): string {
  return parse(z.object({ [name]: id(name) }), { [name]: value })[name] as string;
}

/** Validates path parameters as ids: `.get('/:id', idParams('id'), handler)`. */
export function idParams<const K extends string>(...names: K[]) {
  const shape = Object.fromEntries(names.map((name) => [name, id(name)])) as Record<K, ReturnType<typeof id>>;
  return validate('param', z.object(shape));
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The backstop in front of every route: no path segment or query value so long that it could only be an
 * attack (a 10 MB id otherwise reaches D1 as SQLITE_TOOBIG, a 500).
 */
export const boundedRequest = createMiddleware(async (c, next) => {
  const url = new URL(c.req.url);
  if (url.pathname.split('/').some((segment) => decoded(segment).length > PATH_SEGMENT_MAX_LENGTH)) {
    throw ValidationError.field('path', `Path segments must be at most ${PATH_SEGMENT_MAX_LENGTH} characters`);
  }
  for (const [key, value] of url.searchParams) {
    if (key.length > 100 || value.length > QUERY_VALUE_MAX_LENGTH) {
      throw ValidationError.field(
        key.slice(0, 100),
        `Query parameters must be at most ${QUERY_VALUE_MAX_LENGTH} characters`,
      );
    }
  }
  await next();
});
