import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../redis/redis.service.js';

/**
 * A counter in Redis that every change to who may call the API moves forward: an API key
 * revoked, an account disabled, roles changed. Every request reads it together with its
 * rate-limit counters (the same round trip), so a process that reuses API-key lookups drops
 * them at the first request after a change on any coordinator. Reads that fail leave the last
 * value; the reuse is then bounded by POTLUCK_AUTH_CACHE_MS alone.
 */
@Injectable()
export class CredentialEpoch {
  private readonly logger = new Logger('Auth');
  /** The last value seen or set here; null before the first read. */
  private value: string | null = null;
  /** Moves on every local change too, so lookups already under way are not kept. */
  private local = 0;

  constructor(private readonly redis: RedisService) {}

  get key(): string {
    return this.redis.key('auth', 'epoch');
  }

  /** What a lookup tags its result with: valid while the epoch stays the same. */
  get current(): string {
    return `${this.value ?? '-'}/${this.local}`;
  }

  /** A value read from Redis (null: the key does not exist yet, same as 0). */
  observe(value: string | null): void {
    this.value = value ?? '0';
  }

  /** After a change has committed: every process stops reusing lookups made before it. */
  async advance(): Promise<void> {
    this.local += 1;
    try {
      this.value = String(await this.redis.client.incr(this.key));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not advance the credential epoch in Redis; other coordinators drop cached API keys within POTLUCK_AUTH_CACHE_MS');
    }
  }
}
