import type { RequestHandler } from 'express';
import type { Level, Logger } from 'pino';
import { chooseRequestId, setRequestId } from './request-id.js';

/** Probes and scrapes: answered often, never logged. */
const UNLOGGED = new Set(['/healthz', '/metrics']);

function levelOf(statusCode: number, finished: boolean): Level {
  if (statusCode >= 500) return 'error';
  return statusCode >= 400 || !finished ? 'warn' : 'info';
}

function messageOf(statusCode: number, finished: boolean): string {
  if (!finished) return 'request aborted';
  return statusCode >= 500 ? 'request errored' : 'request completed';
}

/**
 * Gives each request its id (a well-formed incoming `x-request-id`, else a new one), echoes it
 * in `x-request-id`, and logs one line when the response is done:
 * `{ req: { id, method, url }, res: { statusCode }, responseTime }` with "request completed"
 * ("request errored" for a 5xx, as pino-http wrote it; the error itself is logged where it is
 * handled), or "request aborted" when the client left before the response was finished. 5xx
 * log at error, 4xx and aborts at warn, the rest at info; nothing is built for a level that is
 * off.
 */
export function httpLogger(logger: Logger): RequestHandler {
  return (request, response, next) => {
    const id = chooseRequestId(request);
    setRequestId(request, id);
    response.setHeader('x-request-id', id);
    if (!UNLOGGED.has(request.url)) {
      const started = performance.now();
      response.once('close', () => {
        const finished = response.writableFinished;
        const level = levelOf(response.statusCode, finished);
        if (!logger.isLevelEnabled(level)) return;
        const responseTime = Math.round(performance.now() - started);
        logger[level]({ req: { id, method: request.method, url: request.originalUrl }, res: { statusCode: response.statusCode }, responseTime }, messageOf(response.statusCode, finished));
      });
    }
    next();
  };
}
