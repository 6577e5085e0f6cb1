import type { TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { SampleBuffer } from './sample-buffer.js';

const sample = (at: number): TelemetrySample => ({
  gpuUuid: 'GPU-1', at, utilizationGpuPct: 1, utilizationMemoryPct: null, memoryUsedMiB: null, memoryTotalMiB: null,
  temperatureC: null, powerDrawW: null, powerLimitW: null, clocksSmMHz: null, fanSpeedPct: null, pstate: null,
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => sample(from + i));
const times = (samples: readonly TelemetrySample[]) => samples.map((s) => s.at);

describe('SampleBuffer', () => {
  it('keeps the newest samples within capacity and counts what it dropped', () => {
    const buffer = new SampleBuffer(3);
    buffer.push(range(1, 3));
    buffer.push(range(3, 6));
    expect(buffer.size).toBe(3);
    expect(times(buffer.take(10).samples)).toEqual([3, 4, 5]);
    expect(buffer.takeDropped()).toBe(2);
    expect(buffer.takeDropped()).toBe(0);
    expect(buffer.dropped).toBe(2);
  });

  it('removes exactly the acknowledged samples', () => {
    const buffer = new SampleBuffer(10);
    buffer.push(range(1, 4));
    const slice = buffer.take(2);
    expect(times(slice.samples)).toEqual([1, 2]);
    expect(times(buffer.take(5).samples)).toEqual([3]);
    buffer.acknowledge(slice.upTo);
    expect(buffer.size).toBe(1);
  });

  it('never deletes unsent samples when overflow dropped part of an in-flight batch', () => {
    const buffer = new SampleBuffer(10);
    buffer.push(range(0, 5));
    const inFlight = buffer.take(512); // 0..4 on their way
    buffer.push(range(5, 15)); // overflow pushes 0..4 out of the buffer
    expect(buffer.takeDropped()).toBe(0); // they were copied into the batch: nothing lost
    buffer.acknowledge(inFlight.upTo);
    expect(times(buffer.take(512).samples)).toEqual(range(5, 15).map((s) => s.at));
  });

  it('counts only samples that never made it into a batch', () => {
    const buffer = new SampleBuffer(4);
    buffer.push(range(0, 2));
    buffer.take(512); // 0, 1 in flight
    buffer.push(range(2, 9)); // 0..4 dropped: 0, 1 were in flight, 2..4 are lost
    expect(buffer.takeDropped()).toBe(3);
    expect(times(buffer.take(512).samples)).toEqual([5, 6, 7, 8]);
  });
});
