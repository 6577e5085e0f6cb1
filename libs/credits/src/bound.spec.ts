import type { TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { applyBound, telemetryBound, telemetryEnergy } from './bound.js';
import { DEFAULT_CREDITS_CONFIG as config } from './config.js';
import { CreditsError } from './errors.js';

const RTX_4090_FP32 = 82.6e12;

function sample(at: number, utilizationGpuPct: number | null, powerDrawW: number | null = null, gpuUuid = 'GPU-a'): TelemetrySample {
  return {
    gpuUuid,
    at,
    utilizationGpuPct,
    utilizationMemoryPct: null,
    memoryUsedMiB: null,
    memoryTotalMiB: null,
    temperatureC: null,
    powerDrawW,
    powerLimitW: null,
    clocksSmMHz: null,
    fanSpeedPct: null,
    pstate: null,
  };
}

/** Samples every 5 s from t = 0 with the given utilisations. */
const every5s = (...utilizations: (number | null)[]) => utilizations.map((u, i) => sample(i * 5000, u));

describe('telemetryBound', () => {
  it.each<[string, TelemetrySample[], { flops: string; busySeconds: string; coveredSeconds: string; samples: number }]>([
    ['no samples', [], { flops: '0', busySeconds: '0', coveredSeconds: '0', samples: 0 }],
    ['one sample opens no interval', every5s(100), { flops: '0', busySeconds: '0', coveredSeconds: '0', samples: 1 }],
    // 5 s × 100 % × 82.6e12 × 0.75
    ['full utilisation for 5 s', every5s(100, 0), { flops: '309750000000000', busySeconds: '5', coveredSeconds: '5', samples: 2 }],
    // (1 + 0.5 + 0) × 5 s = 7.5 busy seconds; the last sample opens nothing
    ['a null utilisation counts as 0', every5s(100, 50, null, 80), { flops: '464625000000000', busySeconds: '7.5', coveredSeconds: '15', samples: 4 }],
    // the 60 s gap counts as 15 s
    ['a gap longer than the max counts as the max', [sample(0, 100), sample(60_000, 100)], { flops: '929250000000000', busySeconds: '15', coveredSeconds: '15', samples: 2 }],
    ['order and duplicate timestamps do not matter', [sample(5000, 0), sample(0, 100), sample(0, 100)], { flops: '309750000000000', busySeconds: '5', coveredSeconds: '5', samples: 2 }],
    ['utilisation is clamped to 0..100', every5s(250, -5, 0), { flops: '309750000000000', busySeconds: '5', coveredSeconds: '10', samples: 3 }],
  ])('%s', (_name, samples, expected) => {
    expect(telemetryBound(samples, RTX_4090_FP32, config)).toEqual(expected);
  });

  it('rounds fractional FLOPs down', () => {
    // 0.001 s × 1,000,000,001 FLOPS × 0.75 = 750,000.00075
    expect(telemetryBound([sample(0, 100), sample(1, 0)], 1_000_000_001, config).flops).toBe('750000');
  });

  it('sums each GPU with its own peak', () => {
    const samples = [sample(0, 100, null, 'GPU-a'), sample(5000, 0, null, 'GPU-a'), sample(0, 50, null, 'GPU-b'), sample(5000, 0, null, 'GPU-b')];
    // a: 5 s × 1e12 × 0.75; b: 2.5 s × 2e12 × 0.75
    expect(telemetryBound(samples, { 'GPU-a': 1e12, 'GPU-b': 2e12 }, config).flops).toBe('7500000000000');
    expect(() => telemetryBound(samples, { 'GPU-a': 1e12 }, config)).toThrow(CreditsError);
  });
});

describe('applyBound', () => {
  it.each<[string, string | number, string | number, { grantedFlops: string; capped: boolean; boundFlops: string; excessFlops: string }]>([
    ['a claim under the bound stands', '5939060736', '309750000000000', { grantedFlops: '5939060736', capped: false, boundFlops: '309750000000000', excessFlops: '0' }],
    ['a claim equal to the bound stands', 100, 100, { grantedFlops: '100', capped: false, boundFlops: '100', excessFlops: '0' }],
    ['ten times the work is capped to the bound', '3097500000000000', '309750000000000', { grantedFlops: '309750000000000', capped: true, boundFlops: '309750000000000', excessFlops: '2787750000000000' }],
    ['nothing busy, nothing granted', '1', '0', { grantedFlops: '0', capped: true, boundFlops: '0', excessFlops: '1' }],
    ['beyond 2^53 stays exact', '42000000000000000001', '42000000000000000000', { grantedFlops: '42000000000000000000', capped: true, boundFlops: '42000000000000000000', excessFlops: '1' }],
  ])('%s', (_name, claimed, bound, expected) => {
    expect(applyBound(claimed, bound)).toEqual(expected);
  });

  it('refuses negative amounts', () => {
    expect(() => applyBound('-1', '0')).toThrow(CreditsError);
  });
});

describe('telemetryEnergy', () => {
  const power = (...points: [number, number | null][]) => points.map(([at, watts]) => sample(at, null, watts));
  it.each<[string, TelemetrySample[], { wattHours: string; coveredSeconds: string }]>([
    ['no samples', [], { wattHours: '0', coveredSeconds: '0' }],
    ['360 W for 10 s is 1 Wh', power([0, 360], [5000, 360], [10_000, 0]), { wattHours: '1', coveredSeconds: '10' }],
    // 300 W × 5 s + 200 W × 5 s = 2500 J; null counts nothing; the 45 s gap is missing data
    ['nulls and long gaps count nothing', power([0, 300], [5000, 200], [10_000, null], [15_000, 100], [60_000, 400]), { wattHours: '0.694444444444444444', coveredSeconds: '10' }],
    ['a gap equal to the max still counts', power([0, 360], [15_000, 0]), { wattHours: '1.5', coveredSeconds: '15' }],
  ])('%s', (_name, samples, expected) => {
    expect(telemetryEnergy(samples, config)).toEqual(expected);
  });

  it('integrates each GPU separately', () => {
    const samples = [sample(0, null, 360, 'a'), sample(0, null, 720, 'b'), sample(10_000, null, 0, 'a'), sample(10_000, null, 0, 'b')];
    expect(telemetryEnergy(samples, config)).toEqual({ wattHours: '3', coveredSeconds: '20' });
  });
});
