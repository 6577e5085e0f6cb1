import { Inject, Injectable } from '@nestjs/common';
import type { CreateUserBody, Page, Role, SignupBody, SignupResult, UpdateUserBody, UserView } from '@potluck/protocol';
import { AuditService } from '../audit/audit.service.js';
import { CredentialEpoch } from '../auth/credential-epoch.js';
import { canAccess, isAdmin, type RequestContext } from '../auth/principal.js';
import { newSecret } from '../auth/secrets.js';
import { ConflictError, DomainError, ForbiddenError, NotFoundError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { isUniqueViolation } from '../database/prisma-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import { AgentRevocations } from '../agents/agent-revocations.js';
import { apiKeyView, userView } from './views.js';

type Anonymous = Pick<RequestContext, 'requestId' | 'ip'>;

@Injectable()
export class UsersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly revocations: AgentRevocations,
    private readonly epoch: CredentialEpoch,
  ) {}

  /** Self sign-up: creates a builder/donor account and its first API key (shown once). */
  async signup(body: SignupBody, context: Anonymous): Promise<SignupResult> {
    if (!this.config.POTLUCK_OPEN_SIGNUP) throw new DomainError('SIGNUP_CLOSED', 'This community creates accounts through its admins.');
    return this.createWithKey(body, context, null);
  }

  /** An admin creates an account with any roles, with a first API key (shown once). */
  async create(body: CreateUserBody, context: RequestContext): Promise<SignupResult> {
    return this.createWithKey(body, context, context.principal.userId);
  }

  private async createWithKey(body: { handle: string; displayName: string; roles: Role[] }, context: Anonymous, actorUserId: string | null): Promise<SignupResult> {
    const key = newSecret('pk');
    try {
      return await this.prisma.client.$transaction(async (tx) => {
        const user = await tx.user.create({ data: { handle: body.handle, displayName: body.displayName, roles: [...new Set(body.roles)] } });
        const apiKey = await tx.apiKey.create({ data: { userId: user.id, name: 'first key', prefix: key.prefix, hash: key.hash } });
        await this.audit.record(
          { ...context, principal: { userId: actorUserId ?? user.id } },
          { action: actorUserId ? 'user.create' : 'user.signup', targetType: 'user', targetId: user.id, details: { handle: user.handle, roles: user.roles } },
          tx,
        );
        return { user: userView(user), apiKey: apiKeyView(apiKey), secret: key.secret };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`The handle "${body.handle}" is taken.`);
      throw error;
    }
  }

  async me(context: RequestContext): Promise<UserView> {
    return this.get(context.principal.userId, context);
  }

  /** Another user's account is reported as not found unless the caller is an admin. */
  async get(id: string, context: RequestContext): Promise<UserView> {
    if (!canAccess(context.principal, id)) throw new NotFoundError('User');
    const user = await this.prisma.client.user.findUnique({ where: { id } });
    if (!user) throw new NotFoundError('User');
    return userView(user);
  }

  async list(limit: number, cursor: string | undefined): Promise<Page<UserView>> {
    const rows = await this.prisma.client.user.findMany({
      orderBy: { id: 'asc' },
      take: limit + 1,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    const items = rows.slice(0, limit).map(userView);
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  /** Owners may change their display name; only admins change roles or disable accounts. */
  async update(id: string, body: UpdateUserBody, context: RequestContext): Promise<UserView> {
    if (!canAccess(context.principal, id)) throw new NotFoundError('User');
    const privileged = body.roles !== undefined || body.disabled !== undefined;
    if (privileged && !isAdmin(context.principal)) throw new ForbiddenError('Only admins change roles or disable accounts.');
    if (privileged && id === context.principal.userId && (body.disabled === true || (body.roles && !body.roles.includes('ADMIN')))) {
      throw new ConflictError('Admins cannot disable themselves or drop their own admin role.');
    }
    const data: Prisma.UserUpdateInput = {};
    if (body.displayName !== undefined) data.displayName = body.displayName;
    if (body.roles !== undefined) data.roles = [...new Set(body.roles)];
    if (body.disabled !== undefined) data.disabledAt = body.disabled ? new Date() : null;
    const updated = await this.prisma.client.$transaction(async (tx) => {
      const exists = await tx.user.findUnique({ where: { id }, select: { id: true } });
      if (!exists) throw new NotFoundError('User');
      const user = await tx.user.update({ where: { id }, data });
      if (privileged) {
        await this.audit.record(context, {
          action: 'user.update',
          targetType: 'user',
          targetId: id,
          details: { roles: body.roles ?? null, disabled: body.disabled ?? null },
        }, tx);
      }
      return userView(user);
    });
    if (privileged) await this.epoch.advance(); // cached API-key lookups carry roles and the account's state
    if (body.disabled === true) {
      const agents = await this.prisma.client.agent.findMany({ where: { ownerId: id }, select: { id: true } });
      this.revocations.revoked(agents.map((agent) => agent.id)); // a disabled donor's agents leave at once
    }
    return updated;
  }
}
