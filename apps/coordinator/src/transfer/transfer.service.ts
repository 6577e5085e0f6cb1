import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { hashSecret } from '../auth/secrets.js';
import { RedisService } from '../redis/redis.service.js';

const GrantSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('download'), storageKey: z.string(), bytes: z.number().int(), sha256: z.string() }),
  z.object({ kind: z.literal('upload'), attemptId: z.string(), maxBytes: z.number().int().positive(), mediaType: z.string() }),
]);
export type TransferGrant = z.infer<typeof GrantSchema>;

export const TRANSFER_PATH = '/api/v1/transfer/';

/**
 * One-time URLs for moving files between agents and the artifact store: 256-bit tokens,
 * stored in Redis by digest with an expiry, consumed on first use (GETDEL), so a leaked
 * URL is worthless once used or expired.
 */
@Injectable()
export class TransferService {
  constructor(private readonly redis: RedisService) {}

  async issue(grant: TransferGrant, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.redis.client.set(this.key(token), JSON.stringify(grant), 'PX', ttlMs);
    return `${TRANSFER_PATH}${token}`;
  }

  /** Several one-time paths in one Redis round trip (same order as the grants). */
  async issueMany(grants: readonly { grant: TransferGrant; ttlMs: number }[]): Promise<string[]> {
    const random = randomBytes(32 * grants.length); // one call for the round's tokens, 32 bytes each
    const tokens = grants.map((_, i) => random.subarray(32 * i, 32 * (i + 1)).toString('base64url'));
    const multi = this.redis.client.multi();
    grants.forEach(({ grant, ttlMs }, i) => multi.set(this.key(tokens[i] ?? ''), JSON.stringify(grant), 'PX', ttlMs));
    await multi.exec();
    return tokens.map((token) => `${TRANSFER_PATH}${token}`);
  }

  /** The grant behind a token, removing it (null when unknown, used or expired). */
  async consume(token: string): Promise<TransferGrant | null> {
    if (!/^[\w-]{20,100}$/.test(token)) return null;
    const raw = await this.redis.client.getdel(this.key(token));
    if (raw === null) return null;
    const parsed = GrantSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  private key(token: string): string {
    return this.redis.key('transfer', hashSecret(token));
  }
}
