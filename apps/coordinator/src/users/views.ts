import type { AgentView, ApiKeyView, UserView } from '@potluck/protocol';
import type { Agent, ApiKey, User } from '../generated/prisma/client.js';

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

export function userView(user: User): UserView {
  return {
    id: user.id,
    handle: user.handle,
    displayName: user.displayName,
    roles: user.roles,
    createdAt: user.createdAt.toISOString(),
    disabledAt: iso(user.disabledAt),
  };
}

export function apiKeyView(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: iso(key.lastUsedAt),
    expiresAt: iso(key.expiresAt),
    revokedAt: iso(key.revokedAt),
  };
}

export function agentView(agent: Agent): AgentView {
  return {
    id: agent.id,
    ownerId: agent.ownerId,
    name: agent.name,
    tokenPrefix: agent.tokenPrefix,
    createdAt: agent.createdAt.toISOString(),
    revokedAt: iso(agent.revokedAt),
    lastSeenAt: iso(agent.lastSeenAt),
    hostname: agent.hostname,
    simulated: agent.simulated,
    trustLevel: agent.trustLevel,
  };
}
