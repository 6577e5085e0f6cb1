import type { ErrorCode, Problem } from '@potluck/protocol';
import { DomainError, RateLimitedError } from './errors.js';

/** HTTP status of each error code: the single mapping between domain and HTTP. */
export const STATUS_OF: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  INVALID_DATASET: 422,
  MALFORMED_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  CONFLICT: 409,
  SIGNUP_CLOSED: 403,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

const TITLE_OF: Record<ErrorCode, string> = {
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  ROUTE_NOT_FOUND: 'No such route',
  VALIDATION_FAILED: 'Validation failed',
  INVALID_DATASET: 'Invalid dataset',
  MALFORMED_JSON: 'Malformed JSON',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  RATE_LIMITED: 'Too many requests',
  CONFLICT: 'Conflict',
  SIGNUP_CLOSED: 'Sign-up is closed',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  INTERNAL: 'Internal error',
};

export interface ProblemResponse {
  status: number;
  body: Problem;
  headers: Record<string, string>;
}

/** Shape of errors raised by Express's body parser (http-errors). */
interface HttpParserError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
}

function parserErrorCode(error: unknown): ErrorCode | null {
  if (typeof error !== 'object' || error === null) return null;
  const { type, status } = error as HttpParserError;
  if (type === 'entity.too.large' || status === 413) return 'PAYLOAD_TOO_LARGE';
  if (type === 'entity.parse.failed') return 'MALFORMED_JSON';
  if (type === 'encoding.unsupported' || type === 'charset.unsupported' || status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (type === 'request.aborted' || type === 'request.size.invalid') return 'VALIDATION_FAILED';
  return null;
}

/** Turns any thrown value into a problem+json response. Unknown errors become INTERNAL without details. */
export function toProblem(error: unknown, instance: string, requestId: string | undefined): ProblemResponse {
  const headers: Record<string, string> = {};
  let code: ErrorCode;
  let detail: string | undefined;
  let errors: Problem['errors'];
  if (error instanceof DomainError) {
    code = error.code;
    detail = error.message;
    errors = error.fieldErrors ? [...error.fieldErrors] : undefined;
    if (error instanceof RateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds);
  } else {
    code = parserErrorCode(error) ?? 'INTERNAL';
    detail = code === 'INTERNAL' ? 'The server failed to handle the request; it has been logged.' : undefined;
    if (code === 'PAYLOAD_TOO_LARGE') detail = 'The request body is larger than this server accepts.';
    if (code === 'MALFORMED_JSON') detail = 'The request body is not valid JSON.';
  }
  const status = STATUS_OF[code];
  return {
    status,
    headers,
    body: {
      type: `https://potluck.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
      title: TITLE_OF[code],
      status,
      code,
      ...(detail === undefined ? {} : { detail }),
      instance,
      ...(requestId === undefined ? {} : { requestId }),
      ...(errors === undefined ? {} : { errors }),
    },
  };
}
