/**
 * Learning rate at a step: linear warmup to the peak over the first
 * round(warmupFraction · total) steps, then cosine or linear decay to
 * minLearningRateFraction · peak at the last step (a single step after warmup runs at
 * the peak), or constant.
 */
import { detCosHalfTurn } from './det-math.js';

export interface ScheduleSpec {
  readonly learningRate: number;
  readonly schedule: 'cosine' | 'linear' | 'constant';
  readonly warmupFraction: number;
  readonly minLearningRateFraction: number;
}

/** Learning rate for 0-based step `step` of `totalSteps`. */
export function learningRateAt(spec: ScheduleSpec, step: number, totalSteps: number): number {
  const peak = spec.learningRate;
  const warmup = Math.round(spec.warmupFraction * totalSteps);
  if (step < warmup) return (peak * (step + 1)) / warmup;
  if (spec.schedule === 'constant') return peak;
  const min = peak * spec.minLearningRateFraction;
  const decaySteps = totalSteps - warmup - 1;
  const progress = decaySteps <= 0 ? 0 : Math.min(1, (step - warmup) / decaySteps);
  if (spec.schedule === 'linear') return peak + (min - peak) * progress;
  return min + (peak - min) * 0.5 * (1 + detCosHalfTurn(Math.PI * progress));
}
