import { Injectable } from '@nestjs/common';
import type { ApiKeyView, CreateApiKeyBody, CreatedApiKey } from '@potluck/protocol';
import { AuditService } from '../audit/audit.service.js';
import { CredentialEpoch } from '../auth/credential-epoch.js';
import { canAccess, type RequestContext } from '../auth/principal.js';
import { newSecret } from '../auth/secrets.js';
import { NotFoundError } from '../common/errors.js';
import { PrismaService } from '../database/prisma.service.js';
import { apiKeyView } from '../users/views.js';

const DAY_MS = 24 * 3600 * 1000;

/** A user's API keys: created (secret shown once), listed, revoked. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly epoch: CredentialEpoch,
  ) {}

  async create(body: CreateApiKeyBody, context: RequestContext): Promise<CreatedApiKey> {
    const key = newSecret('pk');
    return this.prisma.client.$transaction(async (tx) => {
      const apiKey = await tx.apiKey.create({
        data: {
          userId: context.principal.userId,
          name: body.name,
          prefix: key.prefix,
          hash: key.hash,
          expiresAt: body.expiresInDays ? new Date(Date.now() + body.expiresInDays * DAY_MS) : null,
        },
      });
      await this.audit.record(context, { action: 'api-key.create', targetType: 'api-key', targetId: apiKey.id, details: { name: body.name } }, tx);
      return { apiKey: apiKeyView(apiKey), secret: key.secret };
    });
  }

  async listOwn(context: RequestContext): Promise<ApiKeyView[]> {
    const keys = await this.prisma.client.apiKey.findMany({ where: { userId: context.principal.userId }, orderBy: { createdAt: 'desc' } });
    return keys.map(apiKeyView);
  }

  /**
   * Revoking twice is harmless; someone else's key is reported as not found (admins may revoke any).
   * Once committed, the credential epoch moves: no coordinator accepts the key from its cache any more.
   */
  async revoke(id: string, context: RequestContext): Promise<ApiKeyView> {
    const view = await this.prisma.client.$transaction(async (tx) => {
      const key = await tx.apiKey.findUnique({ where: { id } });
      if (!key || !canAccess(context.principal, key.userId)) throw new NotFoundError('API key');
      if (key.revokedAt) return apiKeyView(key);
      const revoked = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      await this.audit.record(context, { action: 'api-key.revoke', targetType: 'api-key', targetId: id, details: { ownerId: key.userId } }, tx);
      return apiKeyView(revoked);
    });
    await this.epoch.advance();
    return view;
  }
}
