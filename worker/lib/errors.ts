// The one error hierarchy. Domain code throws these with a code; `http/` maps each code to a status and the
// envelope, so no domain module knows about HTTP.
export type FieldErrors = Record<string, string[]>;

export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'UNAUTHORIZED'
  | 'INSUFFICIENT_TOKENS'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'PAYMENTS_NOT_CONFIGURED'
  /** Every seat of the plan is taken (402: the way out is a bigger plan, or a freed seat). */
  | 'SEAT_LIMIT';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldErrors,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, fields?: FieldErrors) {
    super('VALIDATION_ERROR', message, fields);
  }
  /** A single-field validation failure. */
  static field(field: string, message: string): ValidationError {
    return new ValidationError(message, { [field]: [message] });
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Authentication required') {
    super('UNAUTHORIZED', message);
  }
}

export class InsufficientTokensError extends DomainError {
  constructor(message = 'Your organization has run out of tokens') {
    super('INSUFFICIENT_TOKENS', message);
  }
}

export class SeatLimitError extends DomainError {
  constructor(message: string) {
    super('SEAT_LIMIT', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You do not have permission to do this') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends DomainError {
  constructor(what = 'Resource') {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message);
  }
}

export class RateLimitError extends DomainError {
  constructor(message = 'Too many requests, slow down and try again shortly') {
    super('RATE_LIMITED', message);
  }
}

export class UpstreamError extends DomainError {
  constructor(message: string) {
    super('UPSTREAM_ERROR', message);
  }
}

/** A payment action on an installation without Stripe keys (billing/stripe.ts): 503, never a fake success. */
export class PaymentsNotConfiguredError extends DomainError {
  constructor(message = 'Payments are not configured on this installation') {
    super('PAYMENTS_NOT_CONFIGURED', message);
  }
}
