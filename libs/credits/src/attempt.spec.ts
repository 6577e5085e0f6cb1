import type { TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { assessAttempt } from './attempt.js';
import { DEFAULT_CREDITS_CONFIG as config } from './config.js';
import { CreditsError } from './errors.js';

const GPU = 'GPU-4090';
function samples(utilization: number, watts: number, count: number): TelemetrySample[] {
  return Array.from({ length: count }, (_, i) => ({
    gpuUuid: GPU,
    at: 1_700_000_000_000 + i * 5000,
    utilizationGpuPct: utilization,
    utilizationMemoryPct: null,
    memoryUsedMiB: null,
    memoryTotalMiB: null,
    temperatureC: null,
    powerDrawW: watts,
    powerLimitW: null,
    clocksSmMHz: null,
    fanSpeedPct: null,
    pstate: null,
  }));
}

describe('assessAttempt (the worked examples of docs/credits.md)', () => {
  it('a LoRA fine-tune of the tiny builtin model on an RTX 4090 is far under the bound', () => {
    const result = assessAttempt(
      {
        work: { kind: 'fine-tune', method: 'lora', parameters: 30_912, tokens: 48_000 },
        precision: 'fp32',
        gpus: { [GPU]: { name: 'NVIDIA GeForce RTX 4090' } },
        samples: samples(20, 90, 2), // one 5 s interval at 20 %, 90 W
      },
      config,
    );
    expect(result.claimed).toEqual({ flops: '5935104000', source: 'formula', formulaFlops: '5935104000' });
    expect(result.peaks[GPU]).toEqual({ flops: 82.6e12, fallback: false, model: 'GeForce RTX 4090', smFraction: 1 });
    // 0.2 × 5 s × 82.6e12 × 0.75
    expect(result.bound.flops).toBe('61950000000000');
    expect(result.bounded).toMatchObject({ grantedFlops: '5935104000', capped: false });
    expect(result.credits).toBe('0.000005935104');
    expect(result.energy).toEqual({ wattHours: '0.125', coveredSeconds: '5' });
  });

  it('a claim of ten times the tokens is capped to the bound and flagged', () => {
    const result = assessAttempt(
      {
        work: { kind: 'fine-tune', method: 'lora', parameters: 7_000_000_000, tokens: 10 * 360_000 },
        precision: 'bf16',
        gpus: { [GPU]: { name: 'NVIDIA GeForce RTX 4090' } },
        samples: samples(100, 450, 61), // 300 s at 100 %
      },
      config,
    );
    // claim 4 × 7e9 × 3.6e6 = 1.008e17; bound 300 s × 165.2e12 × 0.75 = 3.717e16
    expect(result.claimed.flops).toBe('100800000000000000');
    expect(result.bounded).toEqual({ grantedFlops: '37170000000000000', capped: true, boundFlops: '37170000000000000', excessFlops: '63630000000000000' });
    expect(result.credits).toBe('37.17');
    expect(result.energy.wattHours).toBe('37.5');
  });

  it('needs a name for every GPU in the samples', () => {
    expect(() =>
      assessAttempt({ work: { kind: 'eval', parameters: 1, tokens: 1 }, precision: 'fp32', gpus: {}, samples: samples(100, 100, 2) }, config),
    ).toThrow(CreditsError);
  });
});
