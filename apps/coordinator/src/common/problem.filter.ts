import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, ValidationError } from './errors.js';
import { toProblem } from './problem.js';
import { requestIdOf } from '../logging/request-id.js';

/**
 * The one place errors become HTTP responses. Nest's own HttpExceptions (its router's
 * 404, for instance) are translated to our codes; anything unexpected is logged and
 * answered as INTERNAL without leaking details.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const error = translateNestException(exception);
    const problem = toProblem(error, request.originalUrl.split('?')[0] ?? request.originalUrl, requestIdOf(request));
    if (problem.status >= 500) {
      this.logger.error({ err: exception, requestId: problem.body.requestId }, 'request failed');
    }
    if (response.headersSent) return;
    response.status(problem.status).set(problem.headers).type('application/problem+json').send(JSON.stringify(problem.body));
  }
}

function translateNestException(exception: unknown): unknown {
  if (!(exception instanceof HttpException)) return exception;
  const status = exception.getStatus();
  if (status === 404) return new DomainError('ROUTE_NOT_FOUND', 'No route matches this method and path.');
  if (status === 413) return new DomainError('PAYLOAD_TOO_LARGE', 'The request body is larger than this server accepts.');
  if (status === 400) return new ValidationError([], exception.message);
  return exception;
}
