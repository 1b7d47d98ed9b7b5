// Request parsing with zod: every failure becomes a 400 VALIDATION_ERROR with per-field messages.
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import type { $ZodError } from 'zod/v4/core';
import { type FieldErrors, ValidationError } from '../lib/errors';

export function fieldErrors(error: $ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    fields[key] ??= [];
    fields[key].push(issue.message);
  }
  return fields;
}

/** Parse a value with a schema or throw a ValidationError. For use outside route validators. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError('Invalid input', fieldErrors(result.error));
  return result.data;
}

/** Route validator: `validate('json', schema)`; the typed result is `c.req.valid('json')`. */
export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      throw new ValidationError(
        target === 'json' ? 'Invalid request body' : `Invalid ${target} parameters`,
        fieldErrors(result.error),
      );
    }
  });
}
