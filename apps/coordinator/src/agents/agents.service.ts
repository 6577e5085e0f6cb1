import { Injectable } from '@nestjs/common';
import type { AgentView, CreateAgentBody, CreatedAgent } from '@potluck/protocol';
import { AuditService } from '../audit/audit.service.js';
import { canAccess, isAdmin, type RequestContext } from '../auth/principal.js';
import { hashSecret, looksLikeSecret, newSecret } from '../auth/secrets.js';
import { ConflictError, NotFoundError } from '../common/errors.js';
import { isUniqueViolation } from '../database/prisma-errors.js';
import { PgService } from '../database/pg.service.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Agent } from '../generated/prisma/client.js';
import { agentView } from '../users/views.js';
import { AgentRevocations } from './agent-revocations.js';

/** A live agent token's agent, as the socket handshake and the agent's own routes need it. */
export interface AuthenticatedAgent {
  id: string;
  ownerId: string;
  ownerHandle: string;
  name: string;
  /** The SHA-256 of the token it was found by (the hello checks the agent still has it). */
  tokenHash: string;
}

/**
 * One prepared statement (PgService): every agent process that connects runs it, so after a
 * coordinator restart the whole fleet does within seconds. Through Prisma (`findUnique` with
 * its owner) it took ~450–760 µs of CPU per call, with pg ~55–100 µs (docs/performance.md).
 */
const AGENT_BY_TOKEN = `
  SELECT a.id, a."ownerId", a.name, u.handle AS "ownerHandle"
  FROM "Agent" a JOIN "User" u ON u.id = a."ownerId"
  WHERE a."tokenHash" = $1 AND a."revokedAt" IS NULL AND u."disabledAt" IS NULL`;

/** Donors' agents and their tokens (one per agent, stored hashed, revocable, rotatable). */
@Injectable()
export class AgentsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pg: PgService,
    private readonly audit: AuditService,
    private readonly revocations: AgentRevocations,
  ) {}

  async create(body: CreateAgentBody, context: RequestContext): Promise<CreatedAgent> {
    const token = newSecret('pat');
    try {
      return await this.prisma.client.$transaction(async (tx) => {
        const agent = await tx.agent.create({
          data: { ownerId: context.principal.userId, name: body.name, tokenPrefix: token.prefix, tokenHash: token.hash },
        });
        await this.audit.record(context, { action: 'agent.create', targetType: 'agent', targetId: agent.id, details: { name: body.name } }, tx);
        return { agent: agentView(agent), token: token.secret };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`You already have an agent named "${body.name}".`);
      throw error;
    }
  }

  /** Own agents; admins see everyone's. */
  async list(context: RequestContext): Promise<AgentView[]> {
    const agents = await this.prisma.client.agent.findMany({
      where: isAdmin(context.principal) ? {} : { ownerId: context.principal.userId },
      orderBy: { createdAt: 'desc' },
      take: 500,
    });
    return agents.map(agentView);
  }

  async get(id: string, context: RequestContext): Promise<AgentView> {
    return agentView(await this.owned(id, context));
  }

  async revoke(id: string, context: RequestContext): Promise<AgentView> {
    const agent = await this.owned(id, context);
    if (agent.revokedAt) return agentView(agent);
    const revoked = await this.prisma.client.$transaction(async (tx) => {
      const updated = await tx.agent.update({ where: { id }, data: { revokedAt: new Date() } });
      await this.audit.record(context, { action: 'agent.revoke', targetType: 'agent', targetId: id, details: { ownerId: agent.ownerId } }, tx);
      return agentView(updated);
    });
    this.revocations.revoked([id]);
    return revoked;
  }

  /** Replaces the token (the old one stops working at once) and returns the new one, once. */
  async rotateToken(id: string, context: RequestContext): Promise<CreatedAgent> {
    const agent = await this.owned(id, context);
    if (agent.revokedAt) throw new ConflictError('A revoked agent cannot get a new token; register a new agent.');
    const token = newSecret('pat');
    const rotated = await this.prisma.client.$transaction(async (tx) => {
      const updated = await tx.agent.update({ where: { id }, data: { tokenHash: token.hash, tokenPrefix: token.prefix } });
      await this.audit.record(context, { action: 'agent.rotate-token', targetType: 'agent', targetId: id, details: { ownerId: agent.ownerId } }, tx);
      return { agent: agentView(updated), token: token.secret };
    });
    this.revocations.revoked([id]); // connections made with the old token close now
    return rotated;
  }

  /** The agent of a live token: null when the token is malformed, unknown or revoked, or its owner is disabled. */
  async authenticateToken(token: string): Promise<AuthenticatedAgent | null> {
    if (!looksLikeSecret('pat', token)) return null;
    const tokenHash = hashSecret(token);
    const [agent] = await this.pg.query<Omit<AuthenticatedAgent, 'tokenHash'>>(AGENT_BY_TOKEN, [tokenHash]);
    return agent ? { ...agent, tokenHash } : null;
  }

  private async owned(id: string, context: RequestContext): Promise<Agent> {
    const agent = await this.prisma.client.agent.findUnique({ where: { id } });
    if (!agent || !canAccess(context.principal, agent.ownerId)) throw new NotFoundError('Agent');
    return agent;
  }
}
