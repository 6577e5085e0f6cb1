/** Helpers the load benchmarks share. */
import { Redis } from 'ioredis';

/** Deletes every key under a benchmark's Redis prefix (SCAN + UNLINK, a thousand at a time). */
export async function deleteRedisPrefix(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
