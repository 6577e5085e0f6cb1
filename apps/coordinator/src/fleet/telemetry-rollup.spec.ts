import type { TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { MINUTE_MS, rollupMinutes } from './telemetry-rollup.js';

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

function sample(at: number, powerDrawW: number | null, utilizationGpuPct: number | null = 50): TelemetrySample {
  return {
    gpuUuid: 'GPU-a', at, utilizationGpuPct, utilizationMemoryPct: null, memoryUsedMiB: 1000, memoryTotalMiB: 24000,
    temperatureC: 60, powerDrawW, powerLimitW: 450, clocksSmMHz: null, fanSpeedPct: null, pstate: 'P2',
  };
}

describe('rollupMinutes', () => {
  it('integrates a constant 360 W over a minute into 6 Wh', () => {
    const samples = Array.from({ length: 13 }, (_, i) => sample(T0 + i * 5000, 360));
    const [first] = rollupMinutes('GPU-a', samples, 15_000);
    expect(first?.minute).toBe(T0);
    expect(first?.samples).toBe(12);
    expect(first?.energyWh).toBeCloseTo(6, 10);
    expect(first?.coveredSeconds).toBe(60);
  });

  it('splits an interval that crosses a minute boundary', () => {
    const rollups = rollupMinutes('GPU-a', [sample(T0 + 55_000, 100), sample(T0 + 65_000, 100)], 15_000);
    expect(rollups.map((r) => r.minute)).toEqual([T0, T0 + MINUTE_MS]);
    expect(rollups[0]?.coveredSeconds).toBe(5);
    expect(rollups[1]?.coveredSeconds).toBe(5);
    expect(rollups[0]!.energyWh + rollups[1]!.energyWh).toBeCloseTo((100 * 10) / 3600, 10);
  });

  it('does not invent energy across gaps longer than allowed, nor from missing power', () => {
    const rollups = rollupMinutes('GPU-a', [sample(T0, 300), sample(T0 + 40_000, null), sample(T0 + 45_000, 300)], 15_000);
    expect(rollups[0]?.energyWh).toBe(0);
    expect(rollups[0]?.power).toEqual({ min: 300, avg: 300, max: 300 });
  });

  it('computes min/avg/max, ignores duplicate timestamps and order', () => {
    const rollups = rollupMinutes('GPU-a', [sample(T0 + 10_000, 200, 90), sample(T0, 100, 10), sample(T0, 100, 10)], 15_000);
    expect(rollups[0]?.samples).toBe(2);
    expect(rollups[0]?.utilization).toEqual({ min: 10, avg: 50, max: 90 });
    expect(rollups[0]?.energyWh).toBeCloseTo((100 * 10) / 3600, 10);
  });

  it('leaves statistics null when no sample carried the value', () => {
    const [only] = rollupMinutes('GPU-a', [sample(T0, null, null)], 15_000);
    expect(only?.utilization).toBeNull();
    expect(only?.power).toBeNull();
  });
});
