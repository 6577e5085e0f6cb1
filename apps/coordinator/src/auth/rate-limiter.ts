import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows counted in Redis, shared by every coordinator process.
 * When Redis is unreachable requests are let through (and logged): an outage of the
 * limiter must not become an outage of the API.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger('RateLimiter');

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Per client address: four times the per-key limit (shared offices, NAT). */
  get perAddressLimit(): number {
    return this.config.POTLUCK_RATE_LIMIT_PER_MINUTE * 4;
  }

  async hit(subject: string, limit = this.config.POTLUCK_RATE_LIMIT_PER_MINUTE, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / WINDOW_MS);
    const key = this.redis.key('ratelimit', subject, String(window));
    try {
      // One round trip; the expiry is set with the first hit so windows never linger.
      const [incr] = (await this.redis.client.multi().incr(key).pexpire(key, WINDOW_MS, 'NX').exec()) ?? [];
      if (!incr || incr[0]) throw incr?.[0] ?? new Error('rate-limit transaction was aborted');
      const allowed = Number(incr[1]) <= limit;
      return { allowed, retryAfterSeconds: allowed ? 0 : Math.ceil(((window + 1) * WINDOW_MS - now) / 1000) };
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limiter unavailable; allowing request');
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }
}
