import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';
import { TEST_REDIS_URL, uniqueId } from '../testing/test-database.js';
import { TRANSFER_PATH, TransferService, type TransferGrant } from './transfer.service.js';

const redis = new RedisService({ REDIS_URL: TEST_REDIS_URL, POTLUCK_REDIS_PREFIX: uniqueId('transfer-') } as AppConfig);
const transfers = new TransferService(redis);

beforeAll(async () => {
  if (redis.client.status !== 'ready') await once(redis.client, 'ready'); // the command connection queues nothing before it is ready
});

afterAll(async () => {
  await redis.onApplicationShutdown();
});

describe('TransferService.issueMany', () => {
  it('issues a distinct 256-bit one-time path per grant, each consumed once, in order', async () => {
    const grants: TransferGrant[] = Array.from({ length: 5 }, (_, i) => ({ kind: 'upload', attemptId: `attempt-${i}`, maxBytes: 1000 + i, mediaType: 'application/octet-stream' }));
    const paths = await transfers.issueMany(grants.map((grant) => ({ grant, ttlMs: 60_000 })));
    const tokens = paths.map((path) => path.slice(TRANSFER_PATH.length));
    expect(new Set(tokens).size).toBe(5);
    for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    for (const [i, token] of tokens.entries()) {
      expect(await transfers.consume(token)).toEqual(grants[i]);
      expect(await transfers.consume(token)).toBeNull();
    }
  });
});
