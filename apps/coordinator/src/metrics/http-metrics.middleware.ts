import type { Request, RequestHandler } from 'express';
import type { MetricsService } from './metrics.service.js';

/** Route label: the matched route pattern, never the raw URL (bounded cardinality). */
function routeOf(request: Request): string {
  const route: unknown = (request as { route?: { path?: unknown } }).route?.path;
  return typeof route === 'string' ? `${request.baseUrl}${route}` : 'unmatched';
}

export function httpMetrics(metrics: MetricsService): RequestHandler {
  return (request, response, next) => {
    const stop = metrics.httpDuration.startTimer();
    response.on('finish', () => {
      const route = routeOf(request);
      stop({ method: request.method, route });
      metrics.httpRequests.inc({ method: request.method, route, status: String(response.statusCode) });
    });
    next();
  };
}
