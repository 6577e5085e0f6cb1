import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Reuses a well-formed incoming `x-request-id`, otherwise makes a new one. */
export function chooseRequestId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Attaches a request's id (the access-log middleware, http-logger.ts, does it first). */
export function setRequestId(request: IncomingMessage, id: string): void {
  (request as IncomingMessage & { id?: string }).id = id;
}

/** The request id attached by setRequestId. */
export function requestIdOf(request: IncomingMessage): string | undefined {
  const id = (request as IncomingMessage & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
