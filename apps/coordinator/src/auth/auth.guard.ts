import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@potluck/protocol';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ForbiddenError, UnauthenticatedError } from '../common/errors.js';
import { ApiKeyAuthenticator, bearerOf } from './api-key-authenticator.js';
import { METRICS_ROUTE, OPTIONAL_AUTH, PUBLIC_ROUTE, REQUIRED_ROLES, type AuthenticatedRequest } from './decorators.js';
import { isAdmin } from './principal.js';
import { hashSecret, sameSecretHash } from './secrets.js';

/**
 * Global guard: every HTTP route needs a valid API key unless marked @Public().
 * @Roles() narrows further; admins pass every role check.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly metricsTokenHash: string | null;

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.metricsTokenHash = config.POTLUCK_METRICS_TOKEN ? hashSecret(config.POTLUCK_METRICS_TOKEN) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const bearer = bearerOf(request.headers.authorization);
    const metricsRoute = this.reflector.getAllAndOverride<boolean>(METRICS_ROUTE, targets);
    if (metricsRoute && bearer && this.metricsTokenHash && sameSecretHash(hashSecret(bearer), this.metricsTokenHash)) return true;

    if (!bearer && this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH, targets)) return true;
    const principal = bearer ? await this.authenticator.authenticate(bearer) : null;
    if (!principal) throw new UnauthenticatedError();
    request.principal = principal;

    const required = metricsRoute ? (['ADMIN'] as Role[]) : this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (required && !isAdmin(principal) && !required.some((role) => principal.roles.includes(role))) {
      throw new ForbiddenError(`This action needs one of the roles: ${required.join(', ')}.`);
    }
    return true;
  }
}
