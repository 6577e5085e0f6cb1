import { PotluckApiError } from '@potluck/sdk';
import type { FieldError } from '@potluck/protocol';

/** A sentence for the user about what went wrong; never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof PotluckApiError) {
    const problem = error.problem;
    if (problem) {
      switch (problem.code) {
        case 'UNAUTHENTICATED':
          return 'Your API key was not accepted (unknown, revoked or expired). Sign in again.';
        case 'FORBIDDEN':
          return `You do not have the role this needs. ${problem.detail ?? ''}`.trim();
        case 'NOT_FOUND':
          return 'Not found: it does not exist or is not visible to you.';
        case 'ROUTE_NOT_FOUND':
          return 'This coordinator does not offer this yet (no such API route).';
        case 'RATE_LIMITED':
          return 'Too many requests; wait a minute and try again.';
        case 'SERVICE_UNAVAILABLE':
          return 'The coordinator cannot reach its database or Redis right now. Try again shortly.';
        default:
          return problem.detail ?? problem.title;
      }
    }
    return error.status === 0 ? 'The coordinator could not be reached.' : `The coordinator answered HTTP ${error.status}.`;
  }
  if (error instanceof TypeError) return `The coordinator could not be reached (${error.message}).`;
  if (error instanceof Error && error.name === 'ZodError') return 'The coordinator answered with data this dashboard does not understand (version mismatch?).';
  return error instanceof Error ? error.message : String(error);
}

/** Field errors of a problem (validation, invalid dataset lines), if any. */
export function fieldErrors(error: unknown): FieldError[] {
  return error instanceof PotluckApiError ? (error.problem?.errors ?? []) : [];
}
