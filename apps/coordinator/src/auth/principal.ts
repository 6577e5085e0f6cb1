import type { Role } from '@potluck/protocol';

/** Who is calling: the user behind a valid API key. */
export interface Principal {
  userId: string;
  handle: string;
  roles: readonly Role[];
  apiKeyId: string;
}

/** What a service needs to know about a request to authorise and audit it. */
export interface RequestContext {
  principal: Principal;
  requestId: string | null;
  ip: string | null;
}

export function isAdmin(principal: Pick<Principal, 'roles'>): boolean {
  return principal.roles.includes('ADMIN');
}

/** The per-resource rule: owners see their own things; admins see everything. */
export function canAccess(principal: Pick<Principal, 'roles' | 'userId'>, ownerId: string): boolean {
  return ownerId === principal.userId || isAdmin(principal);
}
