import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { CredentialEpoch } from './credential-epoch.js';
import type { Principal } from './principal.js';
import { hashSecret, looksLikeSecret } from './secrets.js';

/** How stale `lastUsedAt` may get before a request refreshes it (saves a write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Lookups kept per process (a full cache is emptied: the next requests look their keys up again). */
const CACHE_SIZE = 10_000;

interface CachedKey {
  principal: Principal;
  expiresAt: number | null;
  lastUsedAt: number | null;
  /** Reused until then, and only while the credential epoch is the one it was looked up in. */
  until: number;
  epoch: string;
}

/**
 * Resolves `Authorization: Bearer pk_…` to the user behind it, or null. A successful lookup
 * is reused for POTLUCK_AUTH_CACHE_MS while the credential epoch stays the same (a revoked
 * key, a disabled account or changed roles move it on every coordinator); unknown and
 * refused keys are looked up every time.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger('Auth');
  private readonly cache = new Map<string, CachedKey>();
  private readonly cacheMs: number;

  constructor(
    private readonly prisma: PrismaService,
    private readonly epoch: CredentialEpoch,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cacheMs = config.POTLUCK_AUTH_CACHE_MS;
  }

  /** `cached: false` always asks PostgreSQL (routes outside the guards, which do not read the epoch). */
  async authenticate(secret: string, now = new Date(), options: { cached?: boolean } = {}): Promise<Principal | null> {
    if (!looksLikeSecret('pk', secret)) return null;
    const hash = hashSecret(secret);
    const at = now.getTime();
    const epoch = this.epoch.current;
    const cached = options.cached === false ? undefined : this.cache.get(hash);
    if (cached && cached.epoch === epoch && cached.until > at && (cached.expiresAt === null || cached.expiresAt > at)) {
      if (cached.lastUsedAt === null || at - cached.lastUsedAt > LAST_USED_RESOLUTION_MS) {
        cached.lastUsedAt = at;
        this.touch(cached.principal.apiKeyId, now);
      }
      return cached.principal;
    }
    if (cached) this.cache.delete(hash);
    const key = await this.prisma.client.apiKey.findUnique({
      where: { hash },
      include: { user: { select: { id: true, handle: true, roles: true, disabledAt: true } } },
    });
    if (!key || key.revokedAt || key.user.disabledAt) return null;
    if (key.expiresAt && key.expiresAt.getTime() <= at) return null;
    let lastUsedAt = key.lastUsedAt?.getTime() ?? null;
    if (lastUsedAt === null || at - lastUsedAt > LAST_USED_RESOLUTION_MS) {
      lastUsedAt = at;
      this.touch(key.id, now);
    }
    const principal: Principal = Object.freeze({ userId: key.user.id, handle: key.user.handle, roles: Object.freeze([...key.user.roles]), apiKeyId: key.id });
    if (this.cacheMs > 0 && options.cached !== false) {
      if (this.cache.size >= CACHE_SIZE) this.cache.clear();
      this.cache.set(hash, { principal, expiresAt: key.expiresAt?.getTime() ?? null, lastUsedAt, until: at + this.cacheMs, epoch });
    }
    return principal;
  }

  private touch(apiKeyId: string, now: Date): void {
    void this.prisma.client.apiKey
      .update({ where: { id: apiKeyId }, data: { lastUsedAt: now } })
      .catch((error: unknown) => this.logger.warn({ err: error, apiKeyId }, 'could not record lastUsedAt'));
  }
}

/** The bearer credential of an Authorization header, if any. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
