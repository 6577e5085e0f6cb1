import { LuaScript } from '../redis/lua-script.js';
import { MINUTE_MS, type MinuteRollup, type Stats } from './telemetry-rollup.js';

/**
 * The roll-up of `rollupMinutes` (telemetry-rollup.ts, the formula and its tests), run inside
 * Redis next to the raw history. At 10,000 agents the roll-up read ~45 stored samples per GPU
 * per minute (the minute, the margin either side, slack), about 850,000 a minute: each one a
 * reply string, a parsed array and a sample object in the coordinator, decoded and rolled up in
 * synchronous steps. That doubled the coordinator's allocation for a third of every minute,
 * a good part of it lived long enough to be promoted, and the full collections it brought on
 * stalled every acknowledgement. Here only the finished minutes come back.
 *
 * Per GPU: its mark (the minute up to which roll-ups were written, 0 before the first), the
 * stored samples from `maxGapMs` before the mark on (the history is newest first, so its head
 * is read, as many as `intervalMs` predicts with slack, and the whole history, its newest
 * `limit`, when that head did not reach back far enough), duplicates by timestamp dropped (the
 * newest stored wins), sorted by time, then the same buckets, statistics and energy as
 * `rollupMinutes`, in the same order of operations, so the numbers are the same doubles (an
 * integration test holds the two equal on random histories). Only complete minutes are
 * returned: at or after the mark, ended at least `maxGapMs` before `now`, and either followed
 * by a stored sample of a later minute or ended at least `silentCloseMs` before `now`. An agent
 * that lost its connection sends the samples it buffered when it is back, oldest first: until
 * then its last minute stays open, so they land in it instead of after a roll-up that closed
 * it without them (their energy lost). A GPU that stays silent gets its last minute closed
 * after `silentCloseMs`. A stored sample that does not decode is skipped.
 *
 * ARGV: the agents' key base (`<prefix>:agent:{`), the marks hash, now, maxGapMs, intervalMs,
 * the history length (a list may hold a few samples more until it is trimmed: only the newest
 * this many count), silentCloseMs, then agent id and GPU uuid for each GPU. Reply, per GPU in order: the number of minutes,
 * then per minute its start, its sample count, min/avg/max of utilization, temperature, power
 * and memory used, energy (Wh) and covered seconds; numbers as `%.17g` text (exact doubles:
 * Redis would truncate a Lua number to an integer), an empty string for a missing statistic.
 */
export const ROLLUP_MINUTES = new LuaScript(`
local base, marksKey = ARGV[1], ARGV[2]
local now, maxGap, interval, limit, silent = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local MINUTE = ${MINUTE_MS}
local null = cjson.null
local function num(v) if v == nil or v == null or type(v) ~= 'number' then return nil end return v end
local function decode(stored)
  local ok, v = pcall(cjson.decode, stored)
  if not ok or type(v) ~= 'table' then return nil end
  if v[1] ~= nil then return num(v[1]), num(v[2]), num(v[6]), num(v[7]), num(v[4]) end
  return num(v.at), num(v.utilizationGpuPct), num(v.temperatureC), num(v.powerDrawW), num(v.memoryUsedMiB)
end
local function fmt(x) if x == nil then return '' end return string.format('%.17g', x) end
local out = {}
for g = 8, #ARGV, 2 do
  local agent, gpu = ARGV[g], ARGV[g + 1]
  local mark = tonumber(redis.call('HGET', marksKey, agent .. '|' .. gpu) or '0') or 0
  local key = base .. agent .. '}:history:' .. gpu
  local needFrom = mark - maxGap
  local items
  if mark == 0 then
    items = redis.call('LRANGE', key, 0, limit - 1)
  else
    local head = math.min(limit, math.ceil(((now - needFrom) / interval) * 1.5) + 8)
    items = redis.call('LRANGE', key, 0, head - 1)
    if #items == head and head < limit then
      local oldest = decode(items[#items])
      if oldest ~= nil and oldest > needFrom then items = redis.call('LRANGE', key, 0, limit - 1) end
    end
  end
  -- oldest first; a later duplicate of a timestamp replaces the earlier one
  local byAt, ats = {}, {}
  for i = #items, 1, -1 do
    local at, u, t, p, m = decode(items[i])
    if at ~= nil and at >= needFrom then
      if byAt[at] == nil then ats[#ats + 1] = at end
      byAt[at] = { u, t, p, m }
    end
  end
  table.sort(ats)
  local buckets, minutes = {}, {}
  local function bucket(minute)
    local b = buckets[minute]
    if b == nil then
      b = { n = 0, joules = 0, covered = 0, s = {} }
      for k = 1, 4 do b.s[k] = { n = 0, sum = 0, min = math.huge, max = -math.huge } end
      buckets[minute] = b
      minutes[#minutes + 1] = minute
    end
    return b
  end
  for i = 1, #ats do
    local at = ats[i]
    local v = byAt[at]
    local b = bucket(math.floor(at / MINUTE) * MINUTE)
    b.n = b.n + 1
    for k = 1, 4 do
      local x = v[k]
      if x ~= nil then
        local s = b.s[k]
        if x < s.min then s.min = x end
        if x > s.max then s.max = x end
        s.sum = s.sum + x
        s.n = s.n + 1
      end
    end
    local nextAt = ats[i + 1]
    local p = v[3]
    if nextAt ~= nil and p ~= nil and nextAt - at <= maxGap then
      local from = at
      while from < nextAt do
        local minute = math.floor(from / MINUTE) * MINUTE
        local to = math.min(nextAt, minute + MINUTE)
        local e = bucket(minute)
        e.joules = e.joules + p * ((to - from) / 1000)
        e.covered = e.covered + (to - from)
        from = to
      end
    end
  end
  table.sort(minutes)
  local lastAt = ats[#ats]
  local countAt = #out + 1
  out[countAt] = 0
  for _, minute in ipairs(minutes) do
    local ended = minute + MINUTE
    if minute >= mark and ended + maxGap <= now and ((lastAt ~= nil and lastAt >= ended) or ended + silent <= now) then
      local b = buckets[minute]
      out[countAt] = out[countAt] + 1
      out[#out + 1] = fmt(minute)
      out[#out + 1] = fmt(b.n)
      for k = 1, 4 do
        local s = b.s[k]
        if s.n == 0 then
          out[#out + 1] = ''; out[#out + 1] = ''; out[#out + 1] = ''
        else
          out[#out + 1] = fmt(s.min); out[#out + 1] = fmt(s.sum / s.n); out[#out + 1] = fmt(s.max)
        end
      end
      out[#out + 1] = fmt(b.joules / 3600)
      out[#out + 1] = fmt(b.covered / 1000)
    end
  end
end
return out
`);

/**
 * The script's reply as minutes per GPU (in the order asked), with each GPU's uuid. Throws on
 * a reply of the wrong shape (a script and a coordinator of different versions).
 */
export function decodeRollupReply(reply: unknown, gpuUuids: readonly string[]): MinuteRollup[][] {
  if (!Array.isArray(reply)) throw new Error('roll-up script: the reply is not an array');
  const values = reply as unknown[];
  let at = 0;
  const text = (): string => {
    const value = values[at++];
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error('roll-up script: the reply ended early or holds a value of the wrong type');
    return String(value);
  };
  const number = (): number => Number(text());
  const stats = (): Stats | null => {
    const [min, avg, max] = [text(), text(), text()];
    return min === '' ? null : { min: Number(min), avg: Number(avg), max: Number(max) };
  };
  const perGpu = gpuUuids.map((gpuUuid) => {
    const count = number();
    const minutes: MinuteRollup[] = [];
    for (let i = 0; i < count; i++) {
      const minute = number();
      const samples = number();
      const utilization = stats();
      const temperature = stats();
      const power = stats();
      const memoryUsed = stats();
      minutes.push({ gpuUuid, minute, samples, utilization, temperature, power, memoryUsed, energyWh: number(), coveredSeconds: number() });
    }
    return minutes;
  });
  if (at !== values.length) throw new Error('roll-up script: the reply is longer than expected');
  return perGpu;
}
