import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import type { Principal } from './principal.js';
import { hashSecret, looksLikeSecret } from './secrets.js';

/** How stale `lastUsedAt` may get before a request refreshes it (saves a write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Resolves `Authorization: Bearer pk_…` to the user behind it, or null. */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger('Auth');

  constructor(private readonly prisma: PrismaService) {}

  async authenticate(secret: string, now = new Date()): Promise<Principal | null> {
    if (!looksLikeSecret('pk', secret)) return null;
    const key = await this.prisma.client.apiKey.findUnique({
      where: { hash: hashSecret(secret) },
      include: { user: { select: { id: true, handle: true, roles: true, disabledAt: true } } },
    });
    if (!key || key.revokedAt || key.user.disabledAt) return null;
    if (key.expiresAt && key.expiresAt <= now) return null;
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      void this.prisma.client.apiKey
        .update({ where: { id: key.id }, data: { lastUsedAt: now } })
        .catch((error: unknown) => this.logger.warn({ err: error, apiKeyId: key.id }, 'could not record lastUsedAt'));
    }
    return { userId: key.user.id, handle: key.user.handle, roles: key.user.roles, apiKeyId: key.id };
  }
}

/** The bearer credential of an Authorization header, if any. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
