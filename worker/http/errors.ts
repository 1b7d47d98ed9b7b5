// Domain error codes as HTTP statuses: the only place that knows how a DomainError looks on the wire.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../lib/errors';

export const STATUS_OF: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  INSUFFICIENT_TOKENS: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UPSTREAM_ERROR: 502,
  PAYMENTS_NOT_CONFIGURED: 503,
  SEAT_LIMIT: 402,
};
