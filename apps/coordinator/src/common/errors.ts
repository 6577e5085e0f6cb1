import type { ErrorCode, FieldError } from '@potluck/protocol';

/**
 * Domain errors carry a stable code; the HTTP status and the problem+json body are
 * chosen in one place (problem.filter.ts). Domain code never throws HTTP exceptions.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors?: readonly FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid API key is required (Authorization: Bearer <key>).') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Your roles do not allow this action.') {
    super('FORBIDDEN', message);
  }
}

/** Also used for resources that exist but belong to someone else (no existence leak). */
export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} was not found.`);
  }
}

export class ValidationError extends DomainError {
  constructor(fieldErrors: readonly FieldError[], message = 'The request is not valid.') {
    super('VALIDATION_FAILED', message, fieldErrors);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class RateLimitedError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many requests; retry in ${retryAfterSeconds} s.`);
  }
}
