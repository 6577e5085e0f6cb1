import { Injectable, Logger } from '@nestjs/common';
import type { BoardKind, BoardScope, BoardWindow } from '@potluck/protocol';
import { isNoScript, LuaScript } from '../redis/lua-script.js';
import { RedisService } from '../redis/redis.service.js';
import { BOARD_KINDS, BOARD_SCOPES, windowStart, type BoardDelta, type DayWindow } from './board-math.js';

/**
 * Applies a chunk of entries to every board they touch, each entry once (its id joins the
 * applied set of the day it was written; an entry already there changes nothing). Exact totals
 * live in hashes (HINCRBY on integer units), the sorted sets mirror them for ranking; the 30 d
 * and 7 d boards also take an entry when its day is inside the window, and a day bucket
 * remembers it so the window can drop that day later. A member whose total returns to zero
 * leaves. The chunk's amounts are summed per board and member first, so a member that several
 * entries credit (a GPU class, a busy donor) costs one HINCRBY and one ZADD per exact board, not
 * one per entry. Sums stay exact: an amount is added as a Lua number only while it and the
 * running sum are below 2^53 units; a larger one goes to Redis as it is (HINCRBY is exact on 64
 * bits; apply() keeps amounts outside 64 bits out, so no HINCRBY fails half-way through a chunk
 * whose entries are already in the applied set). The recent board (floats) takes each entry's
 * ZINCRBY in order, as the check adds them up.
 * ARGV: prefix, appliedTtlMs, then per entry: entryId, writtenDay, day, units, recent, kind,
 * memberCount, then that many scope/member pairs. Returns how many entries were new.
 */
const APPLY = new LuaScript(`
local p = ARGV[1]
local ttl = ARGV[2]
local s30 = redis.call('GET', p .. 'start:30d')
local s7 = redis.call('GET', p .. 'start:7d')
s30 = s30 and tonumber(s30)
s7 = s7 and tonumber(s7)
local SAFE = 9007199254740991
local units = {}   -- hash key -> member -> summed units (Lua number)
local order = {}   -- hash keys in first-seen order, with their sorted set (or false for a day bucket)
local expired = {}
local function remember(hash, zset)
  if not units[hash] then units[hash] = {}; order[#order + 1] = { hash, zset } end
  return units[hash]
end
local function settle(hash, zset, member, amount)
  local v = redis.call('HINCRBY', hash, member, amount)
  if not zset then return end
  if v == 0 then
    redis.call('HDEL', hash, member)
    redis.call('ZREM', zset, member)
  else
    redis.call('ZADD', zset, v, member)
  end
end
local function add(hash, zset, member, text, number)
  local sums = remember(hash, zset)
  local current = sums[member] or 0
  if number and math.abs(current + number) <= SAFE then
    sums[member] = current + number
  else
    -- too large to sum exactly here: straight to Redis, the sum so far stays for later
    redis.call('HINCRBY', hash, member, text)
    sums[member] = current
  end
end
local new = 0
local i = 3
while i <= #ARGV do
  local entryId, writtenDay, day, text, score, kind, memberCount = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], tonumber(ARGV[i + 6])
  local first = i + 7
  i = first + 2 * memberCount
  local applied = p .. 'applied:' .. writtenDay
  if redis.call('SADD', applied, entryId) == 1 then
    new = new + 1
    if not expired[applied] then redis.call('PEXPIRE', applied, ttl); expired[applied] = true end
    local digits = string.gsub(text, '^-', '')
    local number = (#digits <= 15) and tonumber(text) or nil
    for _, k in ipairs({ kind, 'total' }) do
      for j = first, first + 2 * memberCount - 1, 2 do
        local suffix = k .. ':' .. ARGV[j]
        local member = ARGV[j + 1]
        add(p .. 'tot:all:' .. suffix, p .. 'z:all:' .. suffix, member, text, number)
        if (not s30) or day >= s30 then
          add(p .. 'tot:30d:' .. suffix, p .. 'z:30d:' .. suffix, member, text, number)
          add(p .. 'day:' .. day .. ':' .. suffix, false, member, text, number)
        end
        if (not s7) or day >= s7 then add(p .. 'tot:7d:' .. suffix, p .. 'z:7d:' .. suffix, member, text, number) end
        -- The recent board is a float: entry by entry, in order, as the check adds it up.
        local zset = p .. 'z:recent:' .. suffix
        local v = redis.call('ZINCRBY', zset, score, member)
        if tonumber(v) == 0 then redis.call('ZREM', zset, member) end
      end
    end
  end
end
for _, entry in ipairs(order) do
  local hash, zset = entry[1], entry[2]
  for member, amount in pairs(units[hash]) do
    if amount ~= 0 then
      settle(hash, zset, member, string.format('%.0f', amount))
    elseif zset then
      -- the sum is zero, or only large amounts went in: the sorted set still mirrors the total
      local v = redis.call('HGET', hash, member)
      if v then
        if tonumber(v) == 0 then redis.call('HDEL', hash, member); redis.call('ZREM', zset, member) else redis.call('ZADD', zset, v, member) end
      end
    end
  end
end
return new
`);

/**
 * A board page in one reply: the board's size, how many members and scores the page holds,
 * those members and scores joined by newlines in one string (one reply value to decode
 * instead of two per row), and the rank and score of one more member (false when absent
 * or when ARGV[3] is empty). KEYS: the sorted set. ARGV: first, last (0-based), member.
 */
const PAGE = new LuaScript(`
local flat = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
local rank, score = false, false
if ARGV[3] ~= '' then
  rank = redis.call('ZREVRANK', KEYS[1], ARGV[3])
  score = redis.call('ZSCORE', KEYS[1], ARGV[3])
end
return { redis.call('ZCARD', KEYS[1]), #flat, table.concat(flat, '\\n'), rank, score }
`);

/** Where one member stands on a board: { rank (0-based), score }, or false when absent. KEYS: the sorted set. ARGV: the member. */
const PLACE = new LuaScript(`
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
if not rank then return false end
return { rank, redis.call('ZSCORE', KEYS[1], ARGV[1]) }
`);

/**
 * Moves a window's first day forward to ARGV[3], taking out each dropped day's bucket
 * (the 30 d window also deletes the bucket: no window needs it any more). The first call
 * only sets the start. ARGV: prefix, window, newStart, deleteBuckets (1/0), then suffixes.
 */
const ADVANCE = new LuaScript(`
local p = ARGV[1]
local w = ARGV[2]
local target = tonumber(ARGV[3])
local current = redis.call('GET', p .. 'start:' .. w)
if not current then redis.call('SET', p .. 'start:' .. w, target) return 0 end
current = tonumber(current)
if target <= current then return 0 end
local dropped = 0
for d = current, target - 1 do
  for j = 5, #ARGV do
    local suffix = ARGV[j]
    local bucket = p .. 'day:' .. d .. ':' .. suffix
    local pairs_ = redis.call('HGETALL', bucket)
    for i = 1, #pairs_, 2 do
      local member = pairs_[i]
      local value = pairs_[i + 1]
      if value ~= '0' then
        -- Negated as text: the units may exceed what a Lua number holds exactly ("-0" is no integer to Redis).
        local negated = string.sub(value, 1, 1) == '-' and string.sub(value, 2) or ('-' .. value)
        local v = redis.call('HINCRBY', p .. 'tot:' .. w .. ':' .. suffix, member, negated)
        if v == 0 then
          redis.call('HDEL', p .. 'tot:' .. w .. ':' .. suffix, member)
          redis.call('ZREM', p .. 'z:' .. w .. ':' .. suffix, member)
        else
          redis.call('ZADD', p .. 'z:' .. w .. ':' .. suffix, v, member)
        end
        dropped = dropped + 1
      end
    end
    if ARGV[4] == '1' then redis.call('DEL', bucket) end
  end
end
redis.call('SET', p .. 'start:' .. w, target)
return dropped
`);

/** Applied sets outlive the catch-up window (one day) with room to spare. */
const APPLIED_TTL_MS = 4 * 86_400_000;
/**
 * Entries per APPLY call: large enough for the sums to matter, small enough that one call
 * (Redis runs scripts one at a time) stays within a few milliseconds with nothing to sum.
 */
const APPLY_CHUNK = 100;
/** Largest board total Redis keeps exactly (HINCRBY works on signed 64-bit integers). */
const INT64_MAX = 2n ** 63n - 1n;

/** A page of a board as parallel lists (a page is read often: no object per row here). */
export interface BoardPageSlice {
  total: number;
  members: string[];
  scores: number[];
  member: { rank: number; score: number } | null;
}

function pageSlice(total: number, flat: readonly string[], rank: number | null, score: string | null): BoardPageSlice {
  const members: string[] = [];
  const scores: number[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    members.push(flat[i] as string);
    scores.push(Number(flat[i + 1]));
  }
  return { total, members, scores, member: rank === null || score === null ? null : { rank, score: Number(score) } };
}

export interface BoardSlice {
  total: number;
  rows: { member: string; score: number }[];
}

/** The boards in Redis: sorted sets per window, kind and scope, with exact totals beside them. */
@Injectable()
export class BoardsStore {
  private readonly logger = new Logger('Boards');
  private changes = 0;

  constructor(private readonly redis: RedisService) {}

  /**
   * Moves on each time this process has changed the boards (applied entries, moved a window,
   * cleared them), once the change is done: what was read under an earlier version may be out
   * of date. Changes made by other processes do not move it.
   */
  get version(): number {
    return this.changes;
  }

  private async changing<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.changes += 1;
    }
  }

  /** All board keys share one hash tag, so the scripts stay in one slot. */
  get prefix(): string {
    return `${this.redis.prefix}:{board}:`;
  }

  private suffixes(): string[] {
    return BOARD_KINDS.flatMap((kind) => BOARD_SCOPES.map((scope) => `${kind}:${scope}`));
  }

  /**
   * Applies entries (chunks of APPLY_CHUNK, one EVALSHA each, pipelined; the script is loaded
   * again after a Redis restart); returns how many were new to the boards.
   */
  async apply(deltas: readonly BoardDelta[]): Promise<number> {
    return this.changing(() => this.applyFitting(deltas));
  }

  private async applyFitting(deltas: readonly BoardDelta[]): Promise<number> {
    const fitting = deltas.filter((delta) => {
      if (delta.units >= -INT64_MAX && delta.units <= INT64_MAX) return true;
      this.logger.error({ entryId: delta.entryId, units: delta.units.toString() }, 'a ledger entry is beyond the boards\' 64-bit units: left off the boards (the check will name its members)');
      return false;
    });
    if (fitting.length === 0) return 0;
    const chunks: (string | number)[][] = [];
    for (let start = 0; start < fitting.length; start += APPLY_CHUNK) {
      const args: (string | number)[] = [this.prefix, APPLIED_TTL_MS];
      for (const delta of fitting.slice(start, start + APPLY_CHUNK)) {
        args.push(delta.entryId, delta.writtenDay, delta.day, delta.units.toString(), String(delta.recent), delta.kind, delta.members.length);
        for (const { scope, member } of delta.members) args.push(scope, member);
      }
      chunks.push(args);
    }
    for (let attempt = 0; ; attempt += 1) {
      const pipeline = this.redis.client.pipeline();
      for (const args of chunks) pipeline.evalsha(APPLY.sha, 0, ...args);
      const results = (await pipeline.exec()) ?? [];
      if (attempt === 0 && results.some(([error]) => isNoScript(error))) {
        // Applying is idempotent per entry, so the whole batch simply goes again.
        await this.redis.client.script('LOAD', APPLY.source);
        continue;
      }
      let applied = 0;
      for (const [error, result] of results) {
        if (error) throw error;
        applied += Number(result);
      }
      return applied;
    }
  }

  /** Moves the 7 d and 30 d windows so that they start where `today` says. */
  async advance(today: number): Promise<void> {
    await this.changing(async () => {
      // 7 d first: it reads buckets the 30 d step may delete.
      for (const window of ['7d', '30d'] as const satisfies readonly DayWindow[]) {
        await ADVANCE.run(this.redis.client, 0, this.prefix, window, windowStart(window, today), window === '30d' ? '1' : '0', ...this.suffixes());
      }
    });
  }

  async starts(): Promise<{ '30d': number | null; '7d': number | null }> {
    const [d30, d7] = await this.redis.client.mget(`${this.prefix}start:30d`, `${this.prefix}start:7d`);
    return { '30d': d30 === null ? null : Number(d30), '7d': d7 === null ? null : Number(d7) };
  }

  /** Deletes every board key (the rebuild starts from nothing). */
  async clear(): Promise<void> {
    await this.changing(async () => {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await this.redis.client.unlink(...keys);
      } while (cursor !== '0');
    });
  }

  private zkey(window: BoardWindow, kind: BoardKind, scope: BoardScope): string {
    return `${this.prefix}z:${window}:${kind}:${scope}`;
  }

  private tkey(window: Exclude<BoardWindow, 'recent'>, kind: BoardKind, scope: BoardScope): string {
    return `${this.prefix}tot:${window}:${kind}:${scope}`;
  }

  async count(window: BoardWindow, kind: BoardKind, scope: BoardScope): Promise<number> {
    return this.redis.client.zcard(this.zkey(window, kind, scope));
  }

  async slice(window: BoardWindow, kind: BoardKind, scope: BoardScope, offset: number, limit: number): Promise<BoardSlice> {
    const key = this.zkey(window, kind, scope);
    const [total, flat] = await Promise.all([this.redis.client.zcard(key), this.redis.client.zrevrange(key, offset, offset + limit - 1, 'WITHSCORES')]);
    const rows: BoardSlice['rows'] = [];
    for (let i = 0; i < flat.length; i += 2) rows.push({ member: flat[i] as string, score: Number(flat[i + 1]) });
    return { total, rows };
  }

  /**
   * One round trip for a board page: the board's size, the page's members and scores, and the
   * rank and score of one more member (the caller), or null for them when absent.
   */
  async pageWithMember(window: BoardWindow, kind: BoardKind, scope: BoardScope, offset: number, limit: number, member: string | null): Promise<BoardPageSlice> {
    const key = this.zkey(window, kind, scope);
    const [total, count, joined, rank, score] = (await PAGE.run(this.redis.client, 1, key, offset, offset + limit - 1, member ?? '')) as [number, number, string, unknown, unknown];
    const flat = count === 0 ? [] : joined.split('\n');
    // A member with a newline in it (a GPU class could hold one) splits apart: read that page plainly.
    if (flat.length !== count) return this.pageWithMemberPlain(key, offset, limit, member);
    // Lua's false (an absent member) reaches RESP3 clients as a boolean, RESP2 clients as null.
    return pageSlice(total, flat, typeof rank === 'number' ? rank : null, typeof score === 'string' ? score : null);
  }

  private async pageWithMemberPlain(key: string, offset: number, limit: number, member: string | null): Promise<BoardPageSlice> {
    const pipeline = this.redis.client.pipeline().zcard(key).zrevrange(key, offset, offset + limit - 1, 'WITHSCORES');
    if (member) pipeline.zrevrank(key, member).zscore(key, member);
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    return pageSlice(results[0]?.[1] as number, results[1]?.[1] as string[], member ? (results[2]?.[1] as number | null) : null, member ? (results[3]?.[1] as string | null) : null);
  }

  /** One member's 0-based rank and score, or null when it is not on the board. */
  async place(window: BoardWindow, kind: BoardKind, scope: BoardScope, member: string): Promise<{ rank: number; score: number } | null> {
    const place = (await PLACE.run(this.redis.client, 1, this.zkey(window, kind, scope), member)) as [number, string] | null | false;
    return Array.isArray(place) ? { rank: place[0], score: Number(place[1]) } : null;
  }

  /** 0-based ranks (null when absent) of members. */
  async ranks(window: BoardWindow, kind: BoardKind, scope: BoardScope, members: readonly string[]): Promise<(number | null)[]> {
    if (members.length === 0) return [];
    const pipeline = this.redis.client.pipeline();
    for (const member of members) pipeline.zrevrank(this.zkey(window, kind, scope), member);
    return ((await pipeline.exec()) ?? []).map(([error, rank]) => {
      if (error) throw error;
      return rank === null ? null : Number(rank);
    });
  }

  async scores(window: BoardWindow, kind: BoardKind, scope: BoardScope, members: readonly string[]): Promise<(number | null)[]> {
    if (members.length === 0) return [];
    const scores = await this.redis.client.zmscore(this.zkey(window, kind, scope), ...members);
    return scores.map((score) => (score === null ? null : Number(score)));
  }

  /** Exact totals (units) of members on an all/30d/7d board. */
  async totals(window: Exclude<BoardWindow, 'recent'>, kind: BoardKind, scope: BoardScope, members: readonly string[]): Promise<bigint[]> {
    if (members.length === 0) return [];
    const values = await this.redis.client.hmget(this.tkey(window, kind, scope), ...members);
    return values.map((value) => (value === null ? 0n : BigInt(value)));
  }

  /** A whole board (for the check): exact totals and sorted-set scores. */
  async dump(window: BoardWindow, kind: BoardKind, scope: BoardScope): Promise<{ totals: Map<string, bigint>; scores: Map<string, number> }> {
    const totals = new Map<string, bigint>();
    if (window !== 'recent') {
      const hash = await this.redis.client.hgetall(this.tkey(window, kind, scope));
      for (const [member, value] of Object.entries(hash)) totals.set(member, BigInt(value));
    }
    const scores = new Map<string, number>();
    const flat = await this.redis.client.zrange(this.zkey(window, kind, scope), '0', '-1', 'WITHSCORES');
    for (let i = 0; i < flat.length; i += 2) scores.set(flat[i] as string, Number(flat[i + 1]));
    return { totals, scores };
  }
}
