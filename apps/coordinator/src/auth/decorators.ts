import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Role } from '@potluck/protocol';
import type { Request } from 'express';
import { requestIdOf } from '../logging/request-id.js';
import type { Principal, RequestContext } from './principal.js';

export const PUBLIC_ROUTE = 'potluck:public';
export const REQUIRED_ROLES = 'potluck:roles';
export const METRICS_ROUTE = 'potluck:metrics';
export const OPTIONAL_AUTH = 'potluck:optional-auth';

/** No authentication (health checks, sign-up, public boards). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
/** Public, but a presented key is checked (a wrong key is still 401) and identifies the caller. */
export const OptionalAuth = () => SetMetadata(OPTIONAL_AUTH, true);
/** The caller must hold one of these roles (admins always pass). */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
/** An admin API key or the Prometheus metrics token. */
export const MetricsAccess = () => SetMetadata(METRICS_ROUTE, true);

export type AuthenticatedRequest = Request & { principal?: Principal };

/** The caller on an @OptionalAuth() route, or null for an anonymous visitor. */
export const Viewer = createParamDecorator((_data: unknown, context: ExecutionContext): Principal | null => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().principal ?? null;
});

/** The authenticated caller plus request id and address, for services and the audit log. */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.principal) throw new Error('Ctx used on a route without authentication');
  return { principal: request.principal, requestId: requestIdOf(request) ?? null, ip: request.ip ?? null };
});
