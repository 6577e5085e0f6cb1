import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;
const ALLOWED: RateDecision = { allowed: true, retryAfterSeconds: 0 };

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

  get perKeyLimit(): number {
    return this.config.POTLUCK_RATE_LIMIT_PER_MINUTE;
  }

  /**
   * Counts one request against several subjects in one round trip (one MULTI: an INCR and,
   * with the first hit, the expiry per subject), reading `alsoGet` in the same transaction.
   * Every subject is counted even when an earlier one is over its limit.
   */
  async hitAll(subjects: readonly { subject: string; limit: number }[], alsoGet: string | null, now = Date.now()): Promise<{ decisions: RateDecision[]; value: string | null | undefined }> {
    const window = Math.floor(now / WINDOW_MS);
    const multi = this.redis.client.multi();
    for (const { subject } of subjects) {
      const key = this.redis.key('ratelimit', subject, String(window));
      multi.incr(key).pexpire(key, WINDOW_MS, 'NX');
    }
    if (alsoGet !== null) multi.get(alsoGet);
    try {
      const results = await multi.exec();
      if (!results) throw new Error('rate-limit transaction was aborted');
      for (const [error] of results) if (error) throw error;
      const retryAfterSeconds = Math.ceil(((window + 1) * WINDOW_MS - now) / 1000);
      const decisions = subjects.map(({ limit }, i): RateDecision => (Number(results[2 * i]?.[1]) <= limit ? ALLOWED : { allowed: false, retryAfterSeconds }));
      return { decisions, value: alsoGet === null ? undefined : (results[2 * subjects.length]?.[1] as string | null) };
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limiter unavailable; allowing request');
      return { decisions: subjects.map(() => ALLOWED), value: undefined };
    }
  }
}
