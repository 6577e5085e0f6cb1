import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LuaScript } from '../redis/lua-script.js';
import { RedisService } from '../redis/redis.service.js';

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;
const ALLOWED: RateDecision = { allowed: true, retryAfterSeconds: 0 };

/**
 * Counts one hit per counter key (INCR; the first hit of a window sets its expiry) and reads
 * one more key when there is one. KEYS: the counters, then the key to read. ARGV: how many
 * counters, the window in ms. Returns the counts, then the value read (false when absent).
 */
const HIT = new LuaScript(`
local counters = tonumber(ARGV[1])
local out = {}
for i = 1, counters do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
  out[i] = count
end
if #KEYS > counters then out[counters + 1] = redis.call('GET', KEYS[counters + 1]) end
return out
`);

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
   * Counts one request against several subjects in one round trip (one script: an INCR and,
   * with the first hit, the expiry per subject), reading `alsoGet` in the same step.
   * Every subject is counted even when an earlier one is over its limit.
   */
  async hitAll(subjects: readonly { subject: string; limit: number }[], alsoGet: string | null, now = Date.now()): Promise<{ decisions: RateDecision[]; value: string | null | undefined }> {
    const window = Math.floor(now / WINDOW_MS);
    const keys = subjects.map(({ subject }) => this.redis.key('ratelimit', subject, String(window)));
    if (alsoGet !== null) keys.push(alsoGet);
    try {
      const results = (await HIT.run(this.redis.client, keys.length, ...keys, subjects.length, WINDOW_MS)) as unknown[];
      const retryAfterSeconds = Math.ceil(((window + 1) * WINDOW_MS - now) / 1000);
      const decisions = subjects.map(({ limit }, i): RateDecision => (Number(results[i]) <= limit ? ALLOWED : { allowed: false, retryAfterSeconds }));
      // Lua's false (the key is absent) reaches RESP3 clients as a boolean, RESP2 clients as null.
      const read = results[subjects.length];
      return { decisions, value: alsoGet === null ? undefined : typeof read === 'string' ? read : null };
    } catch (error) {
      this.logger.warn({ err: error }, 'rate limiter unavailable; allowing request');
      return { decisions: subjects.map(() => ALLOWED), value: undefined };
    }
  }
}
