import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';
import { TEST_REDIS_URL, uniqueId } from '../testing/test-database.js';
import { dayOf, type BoardDelta } from './board-math.js';
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

describe('applying entries to the boards', () => {
  const today = dayOf(Date.now());
  const delta = (member: string, units: bigint, extra: Partial<BoardDelta> = {}): BoardDelta => ({
    entryId: randomUUID(),
    kind: 'compute',
    day: today,
    writtenDay: today,
    units,
    recent: Number(units) / 1e9,
    members: [
      { scope: 'contributors', member },
      { scope: 'gpu-class', member: `H100-${member.slice(0, 8)}` },
    ],
    ...extra,
  });

  it('sums a chunk per member and board, applies each entry once, and drops a member whose total returns to zero', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const grants = [delta(a, 5n), delta(a, 7n), delta(b, 3n)];
    expect(await store.apply([...grants, grants[0] as BoardDelta])).toBe(3); // an entry twice in one call counts once
    expect(await store.apply(grants)).toBe(0); // and once across calls
    for (const window of ['all', '30d', '7d'] as const) {
      expect(await store.totals(window, 'total', 'contributors', [a, b])).toEqual([12n, 3n]);
      expect(await store.totals(window, 'compute', 'gpu-class', [`H100-${a.slice(0, 8)}`])).toEqual([12n]);
      expect(await store.scores(window, 'compute', 'contributors', [a, b])).toEqual([12, 3]);
    }
    expect((await store.scores('recent', 'total', 'contributors', [a]))[0]).toBeCloseTo(12e-9, 15);

    // A grant and its revocation in one call, and b's revocation: b leaves every board.
    const revokeB = delta(b, -3n, { recent: -3e-9 });
    expect(await store.apply([delta(a, 1n), delta(a, -1n, { recent: -1e-9 }), revokeB])).toBe(3);
    expect(await store.totals('all', 'total', 'contributors', [a, b])).toEqual([12n, 0n]);
    expect(await store.scores('all', 'total', 'contributors', [a, b])).toEqual([12, null]);
    expect(await store.scores('recent', 'total', 'contributors', [b])).toEqual([null]);
  });

  it('keeps totals past 2^53 units exact', async () => {
    const member = randomUUID();
    const huge = 4_000_000_000_000_000_001n; // 19 digits: more than a Lua number holds exactly (twice it still fits 64 bits)
    expect(await store.apply([delta(member, huge), delta(member, 2n), delta(member, huge)])).toBe(3);
    expect(await store.totals('all', 'total', 'contributors', [member])).toEqual([2n * huge + 2n]);
    // The sorted set mirrors it (as a double: ranking only).
    expect(await store.scores('all', 'total', 'contributors', [member])).toEqual([Number(2n * huge + 2n)]);
  });

  it('counts an entry outside the 7-day window on the 30-day board and in its day bucket only', async () => {
    await store.advance(today);
    const member = randomUUID();
    expect(await store.apply([delta(member, 4n, { day: today - 10 }), delta(member, 6n)])).toBe(2);
    expect(await store.totals('30d', 'total', 'contributors', [member])).toEqual([10n]);
    expect(await store.totals('7d', 'total', 'contributors', [member])).toEqual([6n]);
    expect(await redis.client.hget(`${store.prefix}day:${today - 10}:total:contributors`, member)).toBe('4');
  });

  it('adds the recent board entry by entry, so a member whose grants were all revoked leaves it', async () => {
    const member = randomUUID();
    const x = 0.001 * 2 ** (400 / 7);
    const y = 37.5 * 2 ** (410 / 7);
    expect(await store.apply([delta(member, 1n, { recent: x })])).toBe(1);
    expect(await store.apply([delta(member, -1n, { recent: -x }), delta(member, 2n, { recent: y }), delta(member, -2n, { recent: -y })])).toBe(3);
    expect(await store.scores('recent', 'total', 'contributors', [member])).toEqual([null]);
    expect(await store.scores('all', 'total', 'contributors', [member])).toEqual([null]);
  });

  it('leaves an entry beyond 64-bit units off the boards and applies the rest of its chunk', async () => {
    const member = randomUUID();
    const tooLarge = delta(member, 10n ** 19n);
    expect(await store.apply([delta(member, 5n), tooLarge, delta(member, 7n)])).toBe(2);
    expect(await store.totals('all', 'total', 'contributors', [member])).toEqual([12n]);
    expect(await redis.client.sismember(`${store.prefix}applied:${today}`, tooLarge.entryId)).toBe(0);
  });
});
