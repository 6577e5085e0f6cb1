import type { TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { SampleBuffer } from './sample-buffer.js';

const sample = (at: number): TelemetrySample => ({
  gpuUuid: 'GPU-1', at, utilizationGpuPct: 1, utilizationMemoryPct: null, memoryUsedMiB: null, memoryTotalMiB: null,
  temperatureC: null, powerDrawW: null, powerLimitW: null, clocksSmMHz: null, fanSpeedPct: null, pstate: null,
});

describe('SampleBuffer', () => {
  it('keeps the newest samples within capacity and counts what it dropped', () => {
    const buffer = new SampleBuffer(3);
    buffer.push([sample(1), sample(2)]);
    buffer.push([sample(3), sample(4), sample(5)]);
    expect(buffer.size).toBe(3);
    expect(buffer.peek(10).map((s) => s.at)).toEqual([3, 4, 5]);
    expect(buffer.takeDropped()).toBe(2);
    expect(buffer.takeDropped()).toBe(0);
    expect(buffer.dropped).toBe(2);
  });

  it('removes samples only once acknowledged', () => {
    const buffer = new SampleBuffer(10);
    buffer.push([sample(1), sample(2), sample(3)]);
    expect(buffer.peek(2).map((s) => s.at)).toEqual([1, 2]);
    expect(buffer.size).toBe(3);
    buffer.acknowledge(2);
    expect(buffer.peek(5).map((s) => s.at)).toEqual([3]);
  });

  it('gives a drop count back when its batch was not delivered', () => {
    const buffer = new SampleBuffer(1);
    buffer.push([sample(1), sample(2)]);
    const dropped = buffer.takeDropped();
    buffer.restoreDropped(dropped);
    expect(buffer.takeDropped()).toBe(1);
  });
});
