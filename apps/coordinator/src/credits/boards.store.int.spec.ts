import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';
import { TEST_REDIS_URL, uniqueId } from '../testing/test-database.js';
import { BoardsStore } from './boards.store.js';

let redis: RedisService;
let store: BoardsStore;

beforeAll(async () => {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgresql://unused@127.0.0.1/unused', REDIS_URL: TEST_REDIS_URL, POTLUCK_REDIS_PREFIX: uniqueId('t') });
  redis = new RedisService(config);
  store = new BoardsStore(redis);
  if (redis.client.status !== 'ready') await once(redis.client, 'ready'); // the command connection queues nothing before it is ready
});

afterAll(async () => {
  await store.clear();
  await redis.onApplicationShutdown();
});

describe('a board page from Redis', () => {
  it('holds the size, the page in order with scores, and the caller’s rank and score', async () => {
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await redis.client.zadd(`${store.prefix}z:all:total:contributors`, 30, a, 20_000_000_001, b, 10, c, 5, d);

    expect(await store.pageWithMember('all', 'total', 'contributors', 0, 2, d)).toEqual({ total: 4, members: [b, a], scores: [20_000_000_001, 30], member: { rank: 3, score: 5 } });
    expect(await store.pageWithMember('all', 'total', 'contributors', 2, 10, null)).toEqual({ total: 4, members: [c, d], scores: [10, 5], member: null });
    expect(await store.pageWithMember('all', 'total', 'contributors', 0, 1, randomUUID())).toEqual({ total: 4, members: [b], scores: [20_000_000_001], member: null });
    expect(await store.pageWithMember('all', 'total', 'contributors', 10, 5, a)).toEqual({ total: 4, members: [], scores: [], member: { rank: 1, score: 30 } });
    expect(await store.pageWithMember('7d', 'total', 'contributors', 0, 5, a)).toEqual({ total: 0, members: [], scores: [], member: null });
  });

  it('reads a page whose members hold newlines the plain way, with the same result', async () => {
    await redis.client.zadd(`${store.prefix}z:all:compute:gpu-class`, 3, 'H100', 2, 'odd\nname', 1, '\n');
    expect(await store.pageWithMember('all', 'compute', 'gpu-class', 0, 10, 'odd\nname')).toEqual({ total: 3, members: ['H100', 'odd\nname', '\n'], scores: [3, 2, 1], member: { rank: 1, score: 2 } });
  });

  it('sends the script again when Redis lost it (restart, SCRIPT FLUSH)', async () => {
    const member = randomUUID();
    await redis.client.zadd(`${store.prefix}z:all:data:teams`, 7, member);
    await redis.client.script('FLUSH');
    expect(await store.pageWithMember('all', 'data', 'teams', 0, 10, member)).toEqual({ total: 1, members: [member], scores: [7], member: { rank: 0, score: 7 } });
  });
});
