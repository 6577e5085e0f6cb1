import { describe, expect, it } from 'vitest';
import { adamWStep, clipGradients } from './optimizer.js';
import { learningRateAt } from './schedule.js';

describe('learning-rate schedule', () => {
  const spec = { learningRate: 0.01, schedule: 'cosine' as const, warmupFraction: 0.1, minLearningRateFraction: 0.1 };

  it('warms up linearly, then decays by a cosine to the floor at the last step', () => {
    expect(learningRateAt(spec, 0, 100)).toBeCloseTo(0.001, 15);
    expect(learningRateAt(spec, 9, 100)).toBeCloseTo(0.01, 15);
    expect(learningRateAt(spec, 10, 100)).toBeCloseTo(0.01, 15);
    expect(learningRateAt(spec, 99, 100)).toBeCloseTo(0.001, 15);
    const middle = 10 + 89 / 2;
    expect(learningRateAt(spec, middle, 100)).toBeCloseTo(0.0055, 12);
    for (let s = 11; s < 100; s += 1) expect(learningRateAt(spec, s, 100)).toBeLessThanOrEqual(learningRateAt(spec, s - 1, 100));
  });

  it('supports linear decay, a constant rate and single-step runs', () => {
    expect(learningRateAt({ ...spec, schedule: 'linear' }, 10 + 89 / 2, 100)).toBeCloseTo(0.0055, 12);
    expect(learningRateAt({ ...spec, schedule: 'constant' }, 80, 100)).toBe(0.01);
    expect(learningRateAt({ ...spec, warmupFraction: 0 }, 0, 1)).toBeCloseTo(0.01, 15); // one step after warmup: the peak
  });
});

describe('optimiser', () => {
  const tensor = (values: number[]): { name: string; shape: number[]; data: Float64Array } => ({ name: 't', shape: [values.length], data: Float64Array.from(values) });

  it('clips the global gradient norm', () => {
    const grads = [tensor([3, 0]), tensor([4])];
    expect(clipGradients(grads, 1)).toBe(5);
    expect(grads[0]!.data[0]).toBeCloseTo(0.6, 15);
    expect(grads[0]!.data[1]).toBe(0);
    expect(grads[1]!.data[0]).toBeCloseTo(0.8, 15);
    const small = [tensor([0.1])];
    clipGradients(small, 1);
    expect(small[0]!.data[0]).toBe(0.1);
  });

  it('takes a bias-corrected AdamW step (first step moves each weight by lr·sign(g) + decay)', () => {
    const params = [tensor([1, -1, 2])];
    const grads = [tensor([0.5, -2, 0])];
    const m = [tensor([0, 0, 0])];
    const v = [tensor([0, 0, 0])];
    adamWStep(params, grads, m, v, [true], { beta1: 0.9, beta2: 0.999, epsilon: 0, weightDecay: 0.1 }, 0.01, 1);
    expect(params[0]!.data[0]).toBeCloseTo(1 - 0.01 * (1 + 0.1), 12);
    expect(params[0]!.data[1]).toBeCloseTo(-1 - 0.01 * (-1 - 0.1), 12);
    expect(Number.isNaN(params[0]!.data[2])).toBe(true); // 0/0 with ε = 0: why ε exists
    expect(m[0]!.data[0]).toBeCloseTo(0.05, 15);
    expect(v[0]!.data[1]).toBeCloseTo(0.004, 15);
  });
});
