import { randomUUID } from 'node:crypto';
import { parseCreditsConfig } from '@potluck/credits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { RedisService } from '../redis/redis.service.js';
import { createTestDatabase, TEST_REDIS_URL, uniqueId, type TestDatabase } from '../testing/test-database.js';
import { DAY_MS } from './board-math.js';
import { BoardSync } from './board-sync.service.js';
import { BoardsStore } from './boards.store.js';

let database: TestDatabase;
let prisma: PrismaService;
let redis: RedisService;
let store: BoardsStore;
let sync: BoardSync;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, POTLUCK_REDIS_PREFIX: uniqueId('t') });
  prisma = new PrismaService(config);
  redis = new RedisService(config);
  store = new BoardsStore(redis);
  sync = new BoardSync(prisma, store, config, parseCreditsConfig());
});

afterAll(async () => {
  await store.clear();
  await prisma.onApplicationShutdown();
  await redis.onApplicationShutdown();
  await database.drop();
});

describe('board windows', () => {
  it('the 7- and 30-day windows drop old credit as the UTC days pass, and always agree with the ledger', async () => {
    const now = Date.now();
    const user = await prisma.client.user.create({ data: { handle: uniqueId('u-'), displayName: 'U', roles: ['DONOR'] } });
    const entry = (state: 'GRANTED' | 'REVOKED', amount: string, createdAt: number, inputs: Record<string, unknown> = {}) => ({
      id: randomUUID(), idempotencyKey: randomUUID(), userId: user.id, kind: 'COMPUTE' as const, state, amount, reason: 'test', inputs: { gpuClass: 'H100', ...inputs }, createdAt: new Date(createdAt),
    });
    const old = now - 40 * DAY_MS;
    const tenDays = now - 10 * DAY_MS;
    await prisma.client.creditLedgerEntry.createMany({
      data: [entry('GRANTED', '1', old), entry('GRANTED', '2', tenDays), entry('GRANTED', '4', now - 1000), entry('REVOKED', '2', now - 500, { grantedAt: tenDays })],
    });
    const totals = async (): Promise<Record<string, bigint | undefined>> => {
      const values = await Promise.all((['all', '30d', '7d'] as const).map((w) => store.totals(w, 'total', 'contributors', [user.id])));
      return { all: values[0]?.[0], '30d': values[1]?.[0], '7d': values[2]?.[0] };
    };

    expect(await sync.rebuild(now)).toBe(4);
    expect(await totals()).toEqual({ all: 5_000_000_000n, '30d': 4_000_000_000n, '7d': 4_000_000_000n });
    expect(await sync.check(now)).toEqual([]);

    await sync.advance(now + 7 * DAY_MS); // today's grant leaves the 7-day window
    expect(await totals()).toEqual({ all: 5_000_000_000n, '30d': 4_000_000_000n, '7d': 0n });
    expect(await sync.check(now + 7 * DAY_MS)).toEqual([]);

    await sync.advance(now + 31 * DAY_MS); // and the 30-day one
    expect(await totals()).toEqual({ all: 5_000_000_000n, '30d': 0n, '7d': 0n });
    expect(await sync.check(now + 31 * DAY_MS)).toEqual([]);
    expect((await store.slice('30d', 'total', 'gpu-class', 0, 10)).total).toBe(0);
    expect((await store.slice('all', 'total', 'gpu-class', 0, 10)).rows).toEqual([{ member: 'H100', score: 5_000_000_000 }]);
  });
});

describe('reading the ledger for the boards', () => {
  it('rebuilds page by page (2,000 entries a page) without losing or repeating an entry where a page boundary falls inside one timestamp', async () => {
    const now = Date.now();
    const user = await prisma.client.user.create({ data: { handle: uniqueId('u-'), displayName: 'U', roles: ['DONOR'] } });
    // 1,500 entries, then 2,500 sharing one millisecond (the first page ends inside them), then 500.
    const groups = [
      { count: 1500, at: now - 3000, amount: '1' },
      { count: 2500, at: now - 2000, amount: '10' },
      { count: 500, at: now - 1000, amount: '100' },
    ];
    await prisma.client.creditLedgerEntry.createMany({
      data: groups.flatMap((group) =>
        Array.from({ length: group.count }, () => ({ id: randomUUID(), idempotencyKey: randomUUID(), userId: user.id, kind: 'COMPUTE' as const, state: 'GRANTED' as const, amount: group.amount, reason: 'paging', inputs: {}, createdAt: new Date(group.at) })),
      ),
    });
    const committed = await prisma.client.creditLedgerEntry.count({ where: { state: { in: ['GRANTED', 'REVOKED'] } } }); // this file's other entries too
    expect(await sync.rebuild(now)).toBe(committed);
    const [total] = await store.totals('all', 'total', 'contributors', [user.id]);
    expect(total).toBe((1500n + 25_000n + 50_000n) * 1_000_000_000n);
    expect(await sync.check(now)).toEqual([]);
  });
});
