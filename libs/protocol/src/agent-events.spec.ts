import { describe, expect, it } from 'vitest';
import { HelloSchema, TelemetryBatchSchema, type Hello } from './agent-events.js';
import { withinTelemetryRanges, type Gpu, type TelemetrySample } from './gpu.js';

const GPU: Gpu = {
  index: 0, uuid: 'GPU-8a1f0c2e-0000-4000-8000-000000000000', name: 'NVIDIA GeForce RTX 3090', busId: '00000000:01:00.0', serial: null, vbiosVersion: '94.02.42.00.A9',
  virtualizationMode: null, persistenceMode: false, memoryTotalMiB: 24_576, memoryUsedMiB: 1, memoryFreeMiB: 24_575, utilizationGpuPct: 0, utilizationMemoryPct: 0,
  temperatureC: 35, fanSpeedPct: 30, pstate: 'P8', powerDrawW: 20, powerLimitW: 350, clocksGraphicsMHz: 210, clocksSmMHz: 210, clocksMemoryMHz: 405,
  clocksMaxGraphicsMHz: 2100, clocksMaxMemoryMHz: 9751, computeCapability: '8.6', migEnabled: null, migDevices: [],
};

function hello(changes: { gpu?: Partial<Gpu>; driverVersion?: string; processName?: string } = {}): Hello {
  return {
    agentVersion: '0.1.0', runId: 'run-12345678', protocolVersions: [1], host: { hostname: 'rig', os: 'linux', arch: 'x64' }, simulated: false,
    inventory: {
      format: 'xml', timestamp: null, driverVersion: changes.driverVersion ?? '550.54.15', cudaVersion: '12.4', gpus: [{ ...GPU, ...changes.gpu }],
      processes: changes.processName === undefined ? null : [{ gpuUuid: GPU.uuid, gpuIndex: 0, pid: 4242, type: 'C', name: changes.processName, usedMemoryMiB: 100 }],
    },
    runtimes: ['builtin'], policy: { schedule: [], maxTemperatureC: null, maxPowerW: null, yieldToOtherProcesses: true, yieldCooldownSeconds: 60, runtimes: ['builtin'] },
    mode: 'active', gpus: [],
  };
}

const SAMPLE: TelemetrySample = {
  gpuUuid: 'GPU-a', at: 1_700_000_000_000, utilizationGpuPct: 93, utilizationMemoryPct: 41.5, memoryUsedMiB: 20_000, memoryTotalMiB: 81_559, temperatureC: 71,
  powerDrawW: 612.4, powerLimitW: 700, clocksSmMHz: 1980, fanSpeedPct: null, pstate: 'P0',
};

describe('HelloSchema', () => {
  it('takes a usual hello', () => {
    expect(HelloSchema.safeParse(hello({ processName: '/usr/bin/python3' })).success).toBe(true);
  });

  it('refuses an inventory whose text would bloat every device row and the public fleet', () => {
    for (const oversized of [
      hello({ driverVersion: 'x'.repeat(257) }),
      hello({ gpu: { vbiosVersion: 'x'.repeat(400_000) } }),
      hello({ gpu: { pstate: 'P'.repeat(300) } }),
      hello({ gpu: { migDevices: [{ index: 0, gpuInstanceId: 1, computeInstanceId: 0, uuid: 'MIG-1', profile: 'p'.repeat(257), smCount: 14, memoryTotalMiB: 10_000, memoryUsedMiB: 0 }] } }),
      hello({ processName: 'x'.repeat(4097) }),
    ]) {
      const result = HelloSchema.safeParse(oversized);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/inventory too large/);
    }
  });

  it('lets a process name be longer than the other text (a full path with arguments)', () => {
    expect(HelloSchema.safeParse(hello({ processName: `/opt/app/${'x'.repeat(1000)}` })).success).toBe(true);
  });
});

describe('telemetry ranges', () => {
  it('refuses a reading no GPU can give', () => {
    for (const reading of [{ powerDrawW: -1e9 }, { powerDrawW: 1e308 }, { utilizationGpuPct: 101 }, { temperatureC: 1000 }, { memoryUsedMiB: -1 }, { pstate: 'P'.repeat(17) }]) {
      expect(TelemetryBatchSchema.safeParse({ seq: 0, samples: [{ ...SAMPLE, ...reading }] }).success, JSON.stringify(reading)).toBe(false);
    }
    expect(TelemetryBatchSchema.safeParse({ seq: 0, samples: [SAMPLE] }).success).toBe(true);
  });

  it('turns what the agent read outside them into null, and leaves a sane sample as it is', () => {
    expect(withinTelemetryRanges(SAMPLE)).toBe(SAMPLE);
    expect(withinTelemetryRanges({ ...SAMPLE, fanSpeedPct: 255, temperatureC: -273, pstate: 'Unknown state text' })).toEqual({ ...SAMPLE, fanSpeedPct: null, temperatureC: null, pstate: null });
  });
});
