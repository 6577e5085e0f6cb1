import { TelemetrySampleSchema, type TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { decodeSample, encodeSample, STORED_SAMPLE_FIELDS } from './sample-codec.js';

const full: TelemetrySample = { gpuUuid: 'GPU-1', at: 1_795_869_778_123, utilizationGpuPct: 90.5, utilizationMemoryPct: 40, memoryUsedMiB: 8000, memoryTotalMiB: 24_576, temperatureC: 70, powerDrawW: 212.37, powerLimitW: 350, clocksSmMHz: 1800, fanSpeedPct: 60, pstate: 'P2' };

describe('sample codec', () => {
  it('stores every field of the protocol\'s sample but the GPU uuid', () => {
    expect([...STORED_SAMPLE_FIELDS].sort()).toEqual(Object.keys(TelemetrySampleSchema.shape).filter((key) => key !== 'gpuUuid').sort());
  });

  it('round-trips a sample, nulls included, with the uuid it is stored under', () => {
    expect(decodeSample('GPU-1', encodeSample(full))).toEqual(full);
    const sparse: TelemetrySample = { ...full, utilizationMemoryPct: null, powerDrawW: null, fanSpeedPct: null, pstate: null };
    expect(decodeSample('GPU-1', encodeSample(sparse))).toEqual(sparse);
  });

  it('is about a fifth of the object\'s JSON', () => {
    expect(encodeSample(full).length).toBeLessThan(JSON.stringify(full).length / 3);
  });

  it('decodes a sample stored as an object before this encoding', () => {
    expect(decodeSample('GPU-1', JSON.stringify(full))).toEqual(full);
  });
});
