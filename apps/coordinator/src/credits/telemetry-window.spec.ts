import type { TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { samplesForSpan } from './telemetry-window.js';

const raw = (at: number, util: number): TelemetrySample => ({
  gpuUuid: 'g', at, utilizationGpuPct: util, utilizationMemoryPct: null, memoryUsedMiB: null, memoryTotalMiB: null, temperatureC: null, powerDrawW: 100, powerLimitW: null, clocksSmMHz: null, fanSpeedPct: null, pstate: null,
});

describe('samples for an attempt span', () => {
  it('keeps raw samples inside the span and fills the part before the raw history from minute roll-ups', () => {
    const samples = samplesForSpan([raw(120_000, 90), raw(125_000, 90), raw(999_000, 1)], [{ gpuUuid: 'g', minute: 60_000, utilizationAvg: 50, powerAvg: 200, coveredSeconds: 60 }], 60_000, 130_000, 5000);
    expect(samples.map((s) => s.at)).toEqual([60_000, 65_000, 70_000, 75_000, 80_000, 85_000, 90_000, 95_000, 100_000, 105_000, 110_000, 115_000, 120_000, 125_000]);
    expect(samples[0]).toMatchObject({ utilizationGpuPct: 50, powerDrawW: 200 });
  });

  it('never re-makes samples where raw history exists', () => {
    const samples = samplesForSpan([raw(60_000, 90), raw(65_000, 90)], [{ gpuUuid: 'g', minute: 60_000, utilizationAvg: 50, powerAvg: 200, coveredSeconds: 60 }], 60_000, 70_000, 5000);
    expect(samples.map((s) => s.utilizationGpuPct)).toEqual([90, 90]);
  });
});
