import { randomUUID } from 'node:crypto';
import { BoardPageSchema, BoardQuerySchema } from '@potluck/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../auth/principal.js';
import { RedisService } from '../redis/redis.service.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import { dayOf, type BoardDelta } from './board-math.js';
import { BoardsService } from './boards.service.js';
import { BoardsStore } from './boards.store.js';

let t: TestApp;
let boards: BoardsService;
let ours: BoardsStore;
/** The same boards written by another coordinator process: this one's version does not move. */
let theirs: BoardsStore;

beforeAll(async () => {
  t = await startTestApp({ POTLUCK_BOARD_PAGE_CACHE_MS: '1000' });
  boards = t.app.get(BoardsService);
  ours = t.app.get(BoardsStore);
  theirs = new BoardsStore(t.app.get(RedisService));
});

afterAll(async () => {
  await t.close();
});

const today = dayOf(Date.now());
const validation = (member: string, units: bigint): BoardDelta => ({
  entryId: randomUUID(),
  kind: 'validation',
  day: today,
  writtenDay: today,
  units,
  recent: Number(units) / 1e9,
  members: [{ scope: 'contributors', member }],
});
const viewer = (userId: string): Principal => ({ userId, handle: 'viewer', roles: ['DONOR'], apiKeyId: 'test' });
const query = BoardQuerySchema.parse({ window: 'all', kind: 'validation', limit: 10 });

describe('a board page served again', () => {
  it('reuses the shared part within the TTL, reads the caller’s own row every time, and reads afresh after the TTL', async () => {
    const [leader, me, newcomer] = [randomUUID(), randomUUID(), randomUUID()];
    await ours.apply([validation(leader, 5_000_000_000n), validation(me, 1_000_000_000n)]);
    const now = Date.now();
    const first = await boards.page(query, viewer(me), now);
    expect(first.items.map((row) => row.id)).toEqual([leader, me]);

    // Another process puts a newcomer on top and credits the caller.
    await theirs.apply([validation(newcomer, 9_000_000_000n), validation(me, 1_000_000_000n)]);
    const again = await boards.page(query, viewer(me), now + 999);
    expect(again.asOf).toBe(first.asOf);
    expect(again.total).toBe(2);
    expect(again.items).toEqual(first.items);
    expect(again.me).toMatchObject({ id: me, rank: 3, credit: '2' });

    const later = await boards.page(query, viewer(me), now + 1000);
    expect(later.asOf).toBe(new Date(now + 1000).toISOString());
    expect(later.total).toBe(3);
    expect(later.items.map((row) => row.id)).toEqual([newcomer, leader, me]);
    expect(later.me).toMatchObject({ id: me, rank: 3, credit: '2' });
  });

  it('reads afresh at once when this process changed the boards, also while a page was being read', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const now = Date.now();
    const before = await boards.page(query, null, now);
    await ours.apply([validation(first, 50_000_000_000n)]);
    const after = await boards.page(query, null, now + 1);
    expect(after.items[0]?.id).toBe(first);
    expect(after.total).toBe(before.total + 1);

    // A change that lands while a page is read (after its Redis read, before it is kept): the
    // page read before the change is answered, but not served again.
    const read = ours.pageWithMember.bind(ours);
    vi.spyOn(ours, 'pageWithMember').mockImplementationOnce(async (...args) => {
      const slice = await read(...args);
      await ours.apply([validation(second, 60_000_000_000n)]);
      return slice;
    });
    const unread = { ...query, limit: 5 }; // a page not kept yet, so it is read from Redis
    expect((await boards.page(unread, null, now + 2)).items[0]?.id).toBe(first);
    expect(ours.pageWithMember).toHaveBeenCalledTimes(1);
    expect((await boards.page(unread, null, now + 3)).items[0]?.id).toBe(second);
  });

  it('keeps pages of other boards, limits and cursors apart, and has no caller row for an anonymous viewer', async () => {
    const now = Date.now();
    const top = await boards.page(query, null, now);
    const short = await boards.page({ ...query, limit: 1 }, null, now);
    const next = await boards.page({ ...query, limit: 1, cursor: '1' }, null, now);
    const compute = await boards.page({ ...query, kind: 'compute' }, null, now);
    expect(short.items).toEqual(top.items.slice(0, 1));
    expect(short.nextCursor).toBe('1');
    expect(next.items).toEqual(top.items.slice(1, 2));
    expect(compute.total).toBe(0);
    expect(top.me).toBeNull();
  });
});

describe('a board page as JSON text (the HTTP answer)', () => {
  it('is the page the service returns, field for field and in order, with or without the caller, fresh, served again or searched', async () => {
    const member = randomUUID();
    await ours.apply([validation(member, 3_000_000_000n)]);
    const now = Date.now();
    for (const [asked, who] of [
      [query, viewer(member)],
      [query, viewer(member)], // served again: the shared part's JSON is made once, then reused
      [query, null],
      [{ ...query, limit: 1, cursor: '2' }, viewer(member)],
      [BoardQuerySchema.parse({ window: 'all', kind: 'validation', search: 'no-such-handle' }), viewer(member)],
    ] as const) {
      const text = (await boards.pageJson(asked, who, now)).text;
      const page = await boards.page(asked, who, now);
      expect(text).toBe(JSON.stringify(page));
      expect(BoardPageSchema.parse(JSON.parse(text))).toEqual(page);
    }
  });
});
