import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { TelemetrySample } from '@potluck/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type AppConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';
import { seededRandom } from '@potluck/protocol/testing';
import { TEST_REDIS_URL, uniqueId } from '../testing/test-database.js';
import { HISTORY_TRIM_SLACK, PresenceStore } from './presence.store.js';
import type { PresenceInfo } from './presence.types.js';
import { MINUTE_MS, rollupMinutes, type MinuteRollup } from './telemetry-rollup.js';

let config: AppConfig;
let redis: RedisService;
let store: PresenceStore;

beforeAll(async () => {
  config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgresql://unused@127.0.0.1/unused', REDIS_URL: TEST_REDIS_URL, POTLUCK_REDIS_PREFIX: uniqueId('t') });
  redis = new RedisService(config);
  store = new PresenceStore(redis, config);
  if (redis.client.status !== 'ready') await once(redis.client, 'ready');
});

afterAll(async () => {
  const keys = await redis.client.keys(`${config.POTLUCK_REDIS_PREFIX}:*`);
  if (keys.length > 0) await redis.client.del(...keys);
  await redis.onApplicationShutdown();
});

function sample(gpuUuid: string, at: number, powerDrawW = 250): TelemetrySample {
  return { gpuUuid, at, utilizationGpuPct: 90, utilizationMemoryPct: 40, memoryUsedMiB: 10_000, memoryTotalMiB: 24_576, temperatureC: 70, powerDrawW, powerLimitW: 350, clocksSmMHz: 1800, fanSpeedPct: 60, pstate: 'P2' };
}

async function connectedAgent(runId: string, now: number): Promise<string> {
  const agentId = randomUUID();
  const info: PresenceInfo = {
    agentId,
    ownerId: randomUUID(),
    ownerHandle: 'donor',
    name: 'rig',
    hostname: 'rig',
    simulated: true,
    protocolVersion: 1,
    driverVersion: null,
    cudaVersion: null,
    runtimes: [],
    processCommands: [],
    devices: [],
  };
  await store.connect(info, { mode: 'active', reason: 'connected', gpus: [], drainEta: null }, `socket-${agentId}`, runId, now);
  return agentId;
}

describe('telemetry batches of one turn', () => {
  it('are stored by one script call, each with its own outcome, and land where the readers look', async () => {
    const now = Date.now();
    const [first, second] = [await connectedAgent('run-1', now), await connectedAgent('run-2', now)];
    const sent = vi.spyOn(redis.client, 'sendCommand');

    const outcomes = await Promise.all([
      store.applyTelemetry(first, 'run-1', 0, [sample('GPU-a', now), sample('GPU-b', now, 300)], now),
      store.applyTelemetry(second, 'run-2', 0, [sample('GPU-c', now)], now),
      store.applyTelemetry(first, 'run-1', 0, [sample('GPU-a', now)], now), // a replay of seq 0 in the same turn
      store.applyTelemetry(second, 'another-run', 1, [sample('GPU-c', now)], now), // no hello for this run
      store.applyTelemetry(randomUUID(), 'run-3', 0, [sample('GPU-d', now)], now), // no presence at all
    ]);
    const commands = sent.mock.calls.map(([command]) => command.name);
    sent.mockRestore();

    expect(outcomes).toEqual(['stored', 'stored', 'duplicate', 'no-session', 'no-session']);
    // One script call for the five batches (followed by one EVAL where Redis did not hold the script yet).
    expect(commands.filter((name) => name === 'evalsha')).toEqual(['evalsha']);
    expect(commands.filter((name) => name !== 'evalsha')).toEqual(commands.length === 2 ? ['eval'] : []);
    expect((await store.history(first, 'GPU-a')).map((s) => s.at)).toEqual([now]);
    expect((await store.latest([first, second])).get(first)?.get('GPU-b')?.powerDrawW).toBe(300);
    expect((await store.get(first))?.lastSeen).toBe(now);
    expect(await store.recentAgents(now)).toEqual(expect.arrayContaining([first, second]));
    expect(await store.activeGpus(now)).toEqual(expect.arrayContaining([
      { agentId: first, gpuUuid: 'GPU-a' },
      { agentId: first, gpuUuid: 'GPU-b' },
      { agentId: second, gpuUuid: 'GPU-c' },
    ]));
  });

  it('keeps each batch of a turn apart: one that Redis refuses fails alone', async () => {
    const now = Date.now();
    const [broken, fine] = [await connectedAgent('run-1', now), await connectedAgent('run-1', now)];
    await redis.client.set(`${config.POTLUCK_REDIS_PREFIX}:agent:{${broken}}:latest`, 'not a hash');

    const [refused, stored] = await Promise.allSettled([
      store.applyTelemetry(broken, 'run-1', 0, [sample('GPU-a', now)], now),
      store.applyTelemetry(fine, 'run-1', 0, [sample('GPU-b', now)], now),
    ]);
    expect(refused.status).toBe('rejected');
    expect(String((refused as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect(stored).toEqual({ status: 'fulfilled', value: 'stored' });
    expect((await store.history(fine, 'GPU-b')).length).toBe(1);
  });

  it('keeps GPU uuids, run ids and samples exact through the script, odd characters included', async () => {
    const now = Date.now();
    const runId = 'run "quoted" \\ back\\slash ünï 🚀';
    const agentId = await connectedAgent(runId, now);
    const gpu = 'GPU-"odd"\\\n-ü-🚀';
    const odd = { ...sample(gpu, now), pstate: 'P"0\\', powerDrawW: 612.123456789012, temperatureC: null };
    expect(await store.applyTelemetry(agentId, runId, 9_007_199_254_740_991, [odd], now)).toBe('stored');
    expect(await store.history(agentId, gpu)).toEqual([odd]);
    expect(await store.applyTelemetry(agentId, runId, 9_007_199_254_740_991, [odd], now)).toBe('duplicate');
  });

  it('stores a batch whose GPU uuid or run id holds a lone surrogate, without failing the other batches of its turn', async () => {
    const now = Date.now();
    const [hostile, other] = [await connectedAgent('run-\ud800', now), await connectedAgent('run-1', now)];
    const outcomes = await Promise.all([
      store.applyTelemetry(hostile, 'run-\ud800', 0, [sample('GPU-\ud800', now)], now),
      store.applyTelemetry(other, 'run-1', 0, [sample('GPU-b', now)], now),
    ]);
    expect(outcomes).toEqual(['stored', 'stored']);
    expect((await store.history(hostile, 'GPU-\ud800')).length).toBe(1); // the same bytes as ioredis writes for the key
    expect((await store.history(other, 'GPU-b')).length).toBe(1);
  });

  it('moves fleet and active-set scores only forward', async () => {
    const now = Date.now();
    const agentId = await connectedAgent('run-1', now);
    await store.applyTelemetry(agentId, 'run-1', 0, [sample('GPU-a', now)], now);
    await store.applyTelemetry(agentId, 'run-1', 1, [sample('GPU-a', now - 5000)], now - 5000); // a late arrival with an older clock
    expect(await store.recentAgents(now)).toContain(agentId);
    expect(await store.activeGpus(now)).toContainEqual({ agentId, gpuUuid: 'GPU-a' });
  });
});

const MAX_GAP_MS = 15_000;
const INTERVAL_MS = 5000;
const SILENT_CLOSE_MS = 5 * MINUTE_MS;
const WINDOW = { maxGapMs: MAX_GAP_MS, expectedIntervalMs: INTERVAL_MS, silentCloseMs: SILENT_CLOSE_MS };

/** The roll-up's rule for a complete minute (ROLLUP_MINUTES): ended maxGap ago, and followed by a later sample or silent for SILENT_CLOSE_MS. */
function complete(minutes: readonly MinuteRollup[], samples: readonly TelemetrySample[], mark: number, now: number): MinuteRollup[] {
  const lastAt = Math.max(...samples.map((sample) => sample.at));
  return minutes.filter(({ minute }) => {
    const ended = minute + MINUTE_MS;
    return minute >= mark && ended + MAX_GAP_MS <= now && (lastAt >= ended || ended + SILENT_CLOSE_MS <= now);
  });
}

describe('the raw history', () => {
  const LIMIT = 10;
  let shortStore: PresenceStore;
  beforeAll(() => {
    shortStore = new PresenceStore(redis, { ...config, POTLUCK_TELEMETRY_HISTORY_SAMPLES: LIMIT });
  });
  const historyKey = (agentId: string, gpuUuid: string) => `${redis.key('agent')}:{${agentId}}:history:${gpuUuid}`;
  const latestKey = (agentId: string) => `${redis.key('agent')}:{${agentId}}:latest`;

  it('reads as the newest samples up to its length, while the list is trimmed only past its slack', async () => {
    const start = Date.now();
    const agentId = await connectedAgent('run-h', start);
    const count = LIMIT + HISTORY_TRIM_SLACK + 5;
    for (let seq = 0; seq < count; seq++) {
      expect(await shortStore.applyTelemetry(agentId, 'run-h', seq, [sample('GPU-h', start + seq * INTERVAL_MS)], start)).toBe('stored');
    }
    const stored = await redis.client.llen(historyKey(agentId, 'GPU-h'));
    expect(stored).toBeGreaterThanOrEqual(LIMIT);
    expect(stored).toBeLessThanOrEqual(LIMIT + HISTORY_TRIM_SLACK);
    expect((await shortStore.history(agentId, 'GPU-h')).map((s) => s.at)).toEqual(Array.from({ length: LIMIT }, (_, i) => start + (count - LIMIT + i) * INTERVAL_MS));
  });

  it('rolls up only the samples the history reads as (not the slack past its length)', async () => {
    const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
    const agentId = await connectedAgent('run-r', start);
    const count = LIMIT + HISTORY_TRIM_SLACK - 1; // never trimmed: the oldest samples are still in the list
    for (let seq = 0; seq < count; seq++) {
      await shortStore.applyTelemetry(agentId, 'run-r', seq, [sample('GPU-r', start + seq * INTERVAL_MS)], start);
    }
    const now = start + 10 * MINUTE_MS;
    const [got] = await shortStore.completeMinutes([{ agentId, gpuUuid: 'GPU-r' }], { now, ...WINDOW });
    const newest = await shortStore.history(agentId, 'GPU-r');
    expect(newest).toHaveLength(LIMIT);
    expect(got).toEqual(complete(rollupMinutes('GPU-r', newest, MAX_GAP_MS), newest, 0, now));
    expect(got?.reduce((sum, minute) => sum + minute.samples, 0)).toBe(LIMIT);
  });

  it('expires with the keys new and refreshes the expiry on the first batch of a clock hour, not on every batch', async () => {
    const hour = 3_600_000;
    const now = Math.floor(Date.now() / hour) * hour + 60_000; // a minute into this hour
    const agentId = await connectedAgent('run-e', now);
    await store.applyTelemetry(agentId, 'run-e', 0, [sample('GPU-e', now)], now);
    const day = 86_400_000;
    for (const key of [historyKey(agentId, 'GPU-e'), latestKey(agentId)]) expect(await redis.client.pttl(key)).toBeGreaterThan(day - 60_000);

    for (const key of [historyKey(agentId, 'GPU-e'), latestKey(agentId)]) await redis.client.pexpire(key, 600_000);
    await store.applyTelemetry(agentId, 'run-e', 1, [sample('GPU-e', now + 5000)], now + 5000); // same hour: left alone
    for (const key of [historyKey(agentId, 'GPU-e'), latestKey(agentId)]) expect(await redis.client.pttl(key)).toBeLessThanOrEqual(600_000);

    await store.applyTelemetry(agentId, 'run-e', 2, [sample('GPU-e', now + hour)], now + hour); // the next hour: refreshed
    for (const key of [historyKey(agentId, 'GPU-e'), latestKey(agentId)]) expect(await redis.client.pttl(key)).toBeGreaterThan(day - 60_000);
  });
});

/**
 * About 12 minutes of one GPU's samples, every ~5 s with jitter: now and then a missing
 * value, a gap longer than the energy limit, a repeated timestamp, a batch sent out of order.
 */
function history(gpuUuid: string, start: number, next: () => number): TelemetrySample[][] {
  const maybe = (value: number) => (next() < 0.08 ? null : value);
  const batches: TelemetrySample[][] = [];
  let at = start + Math.floor(next() * 5000);
  while (at < start + 12 * MINUTE_MS) {
    const batch: TelemetrySample[] = [];
    for (let i = 0, size = 1 + Math.floor(next() * 3); i < size; i++) {
      batch.push({
        gpuUuid, at, utilizationGpuPct: maybe(Math.floor(next() * 101)), utilizationMemoryPct: null, memoryUsedMiB: maybe(Math.floor(next() * 80_000)),
        memoryTotalMiB: 81_920, temperatureC: maybe(30 + Math.floor(next() * 60)), powerDrawW: maybe(Math.round(next() * 70_000) / 100),
        powerLimitW: 700, clocksSmMHz: null, fanSpeedPct: null, pstate: next() < 0.5 ? 'P0' : null,
      });
      if (next() < 0.05) batch.push({ ...batch[batch.length - 1]!, powerDrawW: 123.45 }); // the same timestamp again
      at += next() < 0.04 ? 20_000 + Math.floor(next() * 30_000) : INTERVAL_MS - 400 + Math.floor(next() * 800);
    }
    if (next() < 0.1) batch.reverse();
    batches.push(batch);
  }
  return batches;
}

/** What the roll-up must write for one GPU: `rollupMinutes` over its whole stored history, complete minutes after the mark. */
async function expected(agentId: string, gpuUuid: string, mark: number, now: number): Promise<MinuteRollup[]> {
  const samples = (await store.history(agentId, gpuUuid)).filter((sample) => sample.at >= mark - MAX_GAP_MS);
  return complete(rollupMinutes(gpuUuid, samples, MAX_GAP_MS), samples, mark, now);
}

describe('the roll-up script (ROLLUP_MINUTES)', () => {
  it('returns, exactly, the minutes rollupMinutes computes, for random histories with and without a mark', async () => {
    const next = seededRandom(20261206);
    const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 20 * MINUTE_MS;
    const gpus: { agentId: string; gpuUuid: string; mark: number }[] = [];
    for (let a = 0; a < 6; a++) {
      const agentId = await connectedAgent(`run-${a}`, start);
      const perGpu = Array.from({ length: 1 + (a % 3) }, (_, g) => history(`GPU-${a}-${g}`, start, next));
      let seq = 0;
      for (let b = 0; b < Math.max(...perGpu.map((batches) => batches.length)); b++) {
        const samples = perGpu.flatMap((batches) => batches[b] ?? []);
        if (samples.length > 0) expect(await store.applyTelemetry(agentId, `run-${a}`, seq++, samples, start)).toBe('stored');
      }
      perGpu.forEach((_, g) => {
        // No mark yet, a mark a few minutes in, a mark past the last complete minute.
        const mark = [0, start + (2 + Math.floor(next() * 6)) * MINUTE_MS, start + 13 * MINUTE_MS][(a + g) % 3] ?? 0;
        gpus.push({ agentId, gpuUuid: `GPU-${a}-${g}`, mark });
      });
    }
    const withMark = gpus.filter(({ mark }) => mark > 0);
    await store.setRolledUpToMany(withMark.map(({ agentId, gpuUuid, mark }) => ({ agentId, gpuUuid, minute: mark })));

    const now = start + 12 * MINUTE_MS + 30_000;
    const got = await store.completeMinutes(gpus, { now, ...WINDOW });

    expect(got).toHaveLength(gpus.length);
    let minutes = 0;
    for (const [i, { agentId, gpuUuid, mark }] of gpus.entries()) {
      const want = await expected(agentId, gpuUuid, mark, now);
      expect(got[i], `${gpuUuid} (mark ${mark})`).toEqual(want);
      minutes += want.length;
    }
    expect(minutes).toBeGreaterThan(20);
  });

  it('keeps a minute open for the samples an agent buffered while away, then rolls it up with them', async () => {
    const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
    const agentId = await connectedAgent('run-away', minute);
    const at = (seconds: number) => minute + seconds * 1000;
    const reading = (seconds: number): TelemetrySample => ({
      gpuUuid: 'GPU-away', at: at(seconds), utilizationGpuPct: 100, utilizationMemoryPct: null, memoryUsedMiB: 1000, memoryTotalMiB: 24_000,
      temperatureC: 70, powerDrawW: 360, powerLimitW: 450, clocksSmMHz: null, fanSpeedPct: null, pstate: 'P0',
    });
    // Every 5 s up to 50 s into the minute, then the connection is lost.
    await store.applyTelemetry(agentId, 'run-away', 0, Array.from({ length: 11 }, (_, i) => reading(i * 5)), at(50));
    const away = at(60 + 90); // 90 s past the minute: an older roll-up closed it, without its last 10 s
    expect((await store.completeMinutes([{ agentId, gpuUuid: 'GPU-away' }], { now: away, ...WINDOW }))[0]).toEqual([]);
    // Back: the buffered samples arrive, oldest first.
    await store.applyTelemetry(agentId, 'run-away', 1, [55, 60, 65, 70].map(reading), away + 1000);
    const [[rolled]] = (await store.completeMinutes([{ agentId, gpuUuid: 'GPU-away' }], { now: away + 2000, ...WINDOW })) as [MinuteRollup[]];
    expect(rolled).toMatchObject({ minute, samples: 12, coveredSeconds: 60 });
    expect(rolled?.energyWh).toBeCloseTo(6, 10); // 360 W for the whole minute
    // A GPU that stays silent gets its last minute closed after SILENT_CLOSE_MS, with what it has.
    const silent = await connectedAgent('run-silent', minute);
    await store.applyTelemetry(silent, 'run-silent', 0, Array.from({ length: 11 }, (_, i) => ({ ...reading(i * 5), gpuUuid: 'GPU-silent' })), at(50));
    expect((await store.completeMinutes([{ agentId: silent, gpuUuid: 'GPU-silent' }], { now: at(60) + SILENT_CLOSE_MS - 1, ...WINDOW }))[0]).toEqual([]);
    expect((await store.completeMinutes([{ agentId: silent, gpuUuid: 'GPU-silent' }], { now: at(60) + SILENT_CLOSE_MS, ...WINDOW }))[0]).toMatchObject([{ minute, samples: 11, coveredSeconds: 50 }]);
  });

  it('skips a stored sample that does not decode, and returns nothing for an unknown GPU', async () => {
    const now = Date.now();
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS - 3 * MINUTE_MS;
    const agentId = await connectedAgent('run-x', now);
    const at = (i: number) => minute + i * INTERVAL_MS;
    const samples = Array.from({ length: 13 }, (_, i): TelemetrySample => ({
      gpuUuid: 'GPU-x', at: at(i), utilizationGpuPct: 50, utilizationMemoryPct: null, memoryUsedMiB: 1000, memoryTotalMiB: 24_000,
      temperatureC: 60, powerDrawW: 360, powerLimitW: 450, clocksSmMHz: null, fanSpeedPct: null, pstate: 'P2',
    }));
    expect(await store.applyTelemetry(agentId, 'run-x', 0, samples, now)).toBe('stored');
    await redis.client.lpush(`${redis.key('agent')}:{${agentId}}:history:GPU-x`, 'not json', '{"at":');

    const [known, unknown] = await store.completeMinutes(
      [{ agentId, gpuUuid: 'GPU-x' }, { agentId, gpuUuid: 'GPU-none' }],
      { now, ...WINDOW },
    );
    expect(unknown).toEqual([]);
    expect(known?.[0]).toMatchObject({ minute, samples: 12, utilization: { min: 50, avg: 50, max: 50 }, coveredSeconds: 60 });
    expect(known?.[0]?.energyWh).toBeCloseTo(6, 10);
  });
});

describe('updates by a socket', () => {
  it('change the presence only while it is still that socket’s', async () => {
    const now = Date.now();
    const agentId = await connectedAgent('run-1', now);
    const paused = { mode: 'paused' as const, reason: 'paused by donor', gpus: [], drainEta: null };

    expect(await store.updateState(agentId, 'an-old-socket', paused, now + 1)).toBe(false);
    await store.disconnect(agentId, 'an-old-socket', 'transport close', now + 2); // a late disconnect of a replaced connection
    let presence = await store.get(agentId);
    expect(presence).toMatchObject({ connected: true, state: { mode: 'active' }, lastSeen: now });

    expect(await store.updateState(agentId, `socket-${agentId}`, paused, now + 3)).toBe(true);
    presence = await store.get(agentId);
    expect(presence).toMatchObject({ connected: true, state: { mode: 'paused', reason: 'paused by donor' }, lastSeen: now + 3 });
    expect(Number(await redis.client.zscore(redis.key('fleet'), agentId))).toBe(now + 3);
    expect(await redis.client.pttl(`${redis.key('agent')}:{${agentId}}:presence`)).toBeGreaterThan(config.POTLUCK_AGENT_OFFLINE_AFTER_MS - 5000);

    await store.disconnect(agentId, `socket-${agentId}`, 'transport close', now + 4);
    expect(await store.get(agentId)).toMatchObject({ connected: false, disconnectReason: 'transport close', lastSeen: now + 4 });
    expect(await store.updateState(randomUUID(), 'no-socket', paused, now)).toBe(false); // no presence at all
  });
});
