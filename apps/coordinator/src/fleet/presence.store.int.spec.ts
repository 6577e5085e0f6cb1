import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { TelemetrySample } from '@potluck/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type AppConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';
import { TEST_REDIS_URL, uniqueId } from '../testing/test-database.js';
import { PresenceStore } from './presence.store.js';
import type { PresenceInfo } from './presence.types.js';

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
