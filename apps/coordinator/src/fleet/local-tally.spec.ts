import type { GpuStatus, TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { addSummary, emptySummary, LocalFleetTally } from './local-tally.js';
import type { PresenceDevice } from './presence.types.js';

const thresholds = { unhealthyAfterMs: 15_000, offlineAfterMs: 45_000 };
const device = (index: number, deviceId: string, name = 'NVIDIA GeForce RTX 3090', memoryTotalMiB: number | null = 24_576): PresenceDevice => ({ index, deviceId, name, memoryTotalMiB, computeCapability: '8.6', architecture: 'Ampere', migDevices: 0 });
const available = (index: number, deviceId: string): GpuStatus => ({ index, deviceId, availability: 'available', reason: '', until: null });
const paused = (index: number, deviceId: string): GpuStatus => ({ index, deviceId, availability: 'paused', reason: 'donor', until: null });
const sample = (gpuUuid: string, powerDrawW: number | null): TelemetrySample => ({ gpuUuid, at: 0, utilizationGpuPct: 0, utilizationMemoryPct: null, memoryUsedMiB: 0, memoryTotalMiB: null, temperatureC: 40, powerDrawW, powerLimitW: null, clocksSmMHz: null, fanSpeedPct: null, pstate: null });

describe('LocalFleetTally', () => {
  it('counts an online agent\'s GPUs, VRAM, power by device and its available GPUs', async () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-0'), device(1, 'GPU-1')], { mode: 'active', gpus: [available(0, 'GPU-0'), paused(1, 'GPU-1')] }, 1000);
    tally.seen('a', 's1', [sample('GPU-0', 250.5), sample('GPU-1', 20)], 2000);
    const summary = await tally.summary(3000, thresholds);
    expect(summary).toMatchObject({ agentsOnline: 1, gpusOnline: 2, gpusAvailable: 1, vramOnlineMiB: 49_152, powerDrawW: 270.5 });
    expect(summary.tflopsAvailable).toBeGreaterThan(0);
  });

  it('keeps a silent agent\'s GPUs while it is unhealthy, but none available; drops it once offline', async () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-0')], { mode: 'active', gpus: [available(0, 'GPU-0')] }, 0);
    expect(await tally.summary(16_000, thresholds)).toMatchObject({ agentsOnline: 1, gpusOnline: 1, gpusAvailable: 0, tflopsAvailable: 0 });
    expect(await tally.summary(45_000, thresholds)).toEqual(emptySummary());
  });

  it('counts a paused or draining agent\'s GPUs as online and none as available', async () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-0')], { mode: 'paused', gpus: [available(0, 'GPU-0')] }, 0);
    tally.connected('b', 's2', [device(0, 'GPU-9')], { mode: 'active', gpus: [available(0, 'GPU-9')] }, 0);
    tally.stateChanged('b', 's2', { mode: 'draining', gpus: [available(0, 'GPU-9')] }, 10);
    expect(await tally.summary(20, thresholds)).toMatchObject({ agentsOnline: 2, gpusOnline: 2, gpusAvailable: 0 });
  });

  it('reads power by device id: a MIG parent\'s sample counts for no device, a shared uuid for each device', async () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'MIG-1'), device(0, 'MIG-2')], { mode: 'active', gpus: [] }, 0);
    tally.connected('b', 's2', [device(0, 'GPU-dup'), device(1, 'GPU-dup')], { mode: 'active', gpus: [] }, 0);
    tally.seen('a', 's1', [sample('GPU-parent', 300)], 1);
    tally.seen('b', 's2', [sample('GPU-dup', 100)], 1);
    expect((await tally.summary(2, thresholds)).powerDrawW).toBe(200);
  });

  it('forgets a power draw the next sample does not report', async () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-0')], { mode: 'active', gpus: [] }, 0);
    tally.seen('a', 's1', [sample('GPU-0', 120)], 1);
    tally.seen('a', 's1', [sample('GPU-0', null)], 2);
    expect((await tally.summary(3, thresholds)).powerDrawW).toBe(0);
  });

  it('ignores reports and disconnects of an older connection of the same agent', async () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 'old', [device(0, 'GPU-0')], { mode: 'active', gpus: [] }, 0);
    tally.connected('a', 'new', [device(0, 'GPU-0')], { mode: 'active', gpus: [] }, 10);
    tally.stateChanged('a', 'old', { mode: 'paused', gpus: [] }, 20);
    tally.seen('a', 'old', [sample('GPU-0', 99)], 20);
    tally.disconnected('a', 'old');
    expect(await tally.summary(30, thresholds)).toMatchObject({ agentsOnline: 1, gpusAvailable: 1, powerDrawW: 0 });
    tally.disconnected('a', 'new');
    expect(tally.size).toBe(0);
  });

  it('a replay refreshes the last message time without changing the power', async () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-0')], { mode: 'active', gpus: [] }, 0);
    tally.seen('a', 's1', [sample('GPU-0', 50)], 1);
    tally.seen('a', 's1', [], 40_000);
    expect(await tally.summary(50_000, thresholds)).toMatchObject({ agentsOnline: 1, powerDrawW: 50 });
  });

  it('keeps each device\'s latest sample as the fleet view shows it: the last one per device id in the batch, nulls kept', () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-0'), device(1, 'GPU-1'), device(2, 'GPU-2')], { mode: 'active', gpus: [] }, 0);
    const full: TelemetrySample = { gpuUuid: 'GPU-0', at: 1_700_000_000_000, utilizationGpuPct: 97, utilizationMemoryPct: 41, memoryUsedMiB: 20_000, memoryTotalMiB: 24_576, temperatureC: 71, powerDrawW: 341.25, powerLimitW: 350, clocksSmMHz: 1_905, fanSpeedPct: 80, pstate: 'P2' };
    const earlier = { ...full, at: full.at - 1000, utilizationGpuPct: 5 };
    tally.seen('a', 's1', [earlier, full, sample('GPU-1', null)], 2000);
    expect(tally.latest('a')).toEqual({ agentId: 'a', lastSeenAt: new Date(2000).toISOString(), latest: [full, sample('GPU-1', null)] });
    expect(tally.latest('nobody')).toBeNull();
  });

  it('lists a sample shared by two devices once; a MIG parent\'s sample for none', () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-dup'), device(1, 'GPU-dup'), device(2, 'MIG-1')], { mode: 'active', gpus: [] }, 0);
    tally.seen('a', 's1', [sample('GPU-dup', 100), sample('GPU-parent', 300)], 1);
    expect(tally.latest('a')?.latest).toEqual([sample('GPU-dup', 100)]);
  });

  it('tells when the agent was seen before this batch; null for a connection it does not hold', () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-0')], { mode: 'active', gpus: [] }, 100);
    expect(tally.seen('a', 's1', [sample('GPU-0', 1)], 5_000)).toBe(100);
    expect(tally.seen('a', 's1', [], 9_000)).toBe(5_000);
    expect(tally.seen('a', 'other', [sample('GPU-0', 1)], 9_500)).toBeNull();
    expect(tally.latest('a')?.lastSeenAt).toBe(new Date(9_000).toISOString());
  });

  it('sums the same in turns as at once, whatever the number of agents per turn', async () => {
    const tally = new LocalFleetTally();
    for (let i = 0; i < 7; i++) {
      const devices = Array.from({ length: 1 + (i % 3) }, (_, d) => device(d, `GPU-${i}-${d}`));
      tally.connected(`a${i}`, `s${i}`, devices, { mode: i === 3 ? 'paused' : 'active', gpus: devices.map((d) => (d.index === 1 ? paused(d.index, d.deviceId) : available(d.index, d.deviceId))) }, i === 5 ? 0 : 45_000);
      tally.seen(`a${i}`, `s${i}`, devices.map((d) => sample(d.deviceId, 100 + i)), i === 5 ? 0 : 45_000);
    }
    const at = 50_000;
    const once = await tally.summary(at, thresholds);
    expect(once.agentsOnline).toBe(6);
    for (const perTurn of [1, 2, 3, 100]) expect(await tally.summary(at, thresholds, perTurn)).toEqual(once);
  });

  it('forgets revoked agents at once', async () => {
    const tally = new LocalFleetTally();
    tally.connected('a', 's1', [device(0, 'GPU-0')], { mode: 'active', gpus: [] }, 0);
    tally.connected('b', 's2', [device(0, 'GPU-1')], { mode: 'active', gpus: [] }, 0);
    tally.forget(['b']);
    expect((await tally.summary(1, thresholds)).agentsOnline).toBe(1);
  });

  it('adds summaries field by field', () => {
    const one = { agentsOnline: 1, gpusOnline: 2, gpusAvailable: 1, vramOnlineMiB: 10, powerDrawW: 1.5, tflopsAvailable: 3 };
    expect(addSummary(addSummary(emptySummary(), one), one)).toEqual({ agentsOnline: 2, gpusOnline: 4, gpusAvailable: 2, vramOnlineMiB: 20, powerDrawW: 3, tflopsAvailable: 6 });
  });
});
