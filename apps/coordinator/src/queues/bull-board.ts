import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { RequestHandler } from 'express';
import type { ApiKeyAuthenticator } from '../auth/api-key-authenticator.js';
import { bearerOf } from '../auth/api-key-authenticator.js';
import { isAdmin } from '../auth/principal.js';
import { ForbiddenError, UnauthenticatedError } from '../common/errors.js';
import type { QueueService } from './queue.service.js';

export const BULL_BOARD_PATH = '/admin/queues';

/** bull-board's UI over our queues, behind an admin check (it is outside Nest's guards). */
export function bullBoardRouter(queues: QueueService, authenticator: ApiKeyAuthenticator): RequestHandler[] {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: queues.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })), serverAdapter });
  const adminOnly: RequestHandler = (request, _response, next) => {
    const bearer = bearerOf(request.headers.authorization);
    if (!bearer) return next(new UnauthenticatedError());
    authenticator
      .authenticate(bearer, new Date(), { cached: false }) // outside the guards: the credential epoch is not read here
      .then((principal) => next(!principal ? new UnauthenticatedError() : isAdmin(principal) ? undefined : new ForbiddenError('Queues are for admins.')))
      .catch(next);
  };
  return [adminOnly, serverAdapter.getRouter() as RequestHandler];
}
