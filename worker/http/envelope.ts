// The response envelope of every API route: {success:true,data} or {success:false,error}.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FieldErrors } from '../lib/errors';

export interface ErrorBody {
  success: false;
  error: { message: string; code?: string; fields?: FieldErrors };
}

export function ok<T>(c: Context, data: T, status: ContentfulStatusCode = 200) {
  return c.json({ success: true as const, data }, status);
}

export function errorBody(message: string, code?: string, fields?: FieldErrors): ErrorBody {
  return {
    success: false,
    error: { message, ...(code ? { code } : {}), ...(fields ? { fields } : {}) },
  };
}
