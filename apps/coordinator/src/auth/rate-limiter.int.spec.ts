import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';
import { TEST_REDIS_URL, uniqueId } from '../testing/test-database.js';
import { RateLimiter } from './rate-limiter.js';

let redis: RedisService;
let limiter: RateLimiter;

beforeAll(async () => {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgresql://unused@127.0.0.1/unused', REDIS_URL: TEST_REDIS_URL, POTLUCK_REDIS_PREFIX: uniqueId('t'), POTLUCK_RATE_LIMIT_PER_MINUTE: '2' });
  redis = new RedisService(config);
  limiter = new RateLimiter(redis, config);
  if (redis.client.status !== 'ready') await once(redis.client, 'ready'); // the command connection queues nothing before it is ready
});

afterAll(async () => {
  await redis.onApplicationShutdown();
});

describe('rate limiter', () => {
  it('counts every subject, refuses past the limit until the window ends, and reads one more key in the same step', async () => {
    const now = Date.UTC(2026, 11, 6, 10, 0, 15); // 45 s before the window ends
    const a = uniqueId('a');
    const b = uniqueId('b');
    const epoch = redis.key(uniqueId('epoch'));
    const hit = () => limiter.hitAll([{ subject: a, limit: 2 }, { subject: b, limit: 1 }], epoch, now);

    expect(await hit()).toEqual({ decisions: [{ allowed: true, retryAfterSeconds: 0 }, { allowed: true, retryAfterSeconds: 0 }], value: null });
    await redis.client.set(epoch, '7');
    expect(await hit()).toEqual({ decisions: [{ allowed: true, retryAfterSeconds: 0 }, { allowed: false, retryAfterSeconds: 45 }], value: '7' });
    expect((await hit()).decisions.map((decision) => decision.allowed)).toEqual([false, false]);
    expect(await limiter.hitAll([{ subject: a, limit: 2 }], null, now)).toEqual({ decisions: [{ allowed: false, retryAfterSeconds: 45 }], value: undefined });

    // The first hit of a window set the expiry (one window), later hits did not extend it.
    const counter = redis.key('ratelimit', a, String(Math.floor(now / 60_000)));
    expect(await redis.client.get(counter)).toBe('4');
    const ttl = await redis.client.pttl(counter);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    // The next window starts from nothing.
    expect((await limiter.hitAll([{ subject: a, limit: 2 }], null, now + 60_000)).decisions).toEqual([{ allowed: true, retryAfterSeconds: 0 }]);
  });
});
