/**
 * Softmax cross-entropy over the vocabulary, in nats, with deterministic exp/log.
 */
import { detExp, detLog } from './det-math.js';

/** Counts rows whose argmax logit (ties: the lowest index) is the target. */
export interface HitCounter {
  hits: number;
}

/**
 * For each row r < rows: adds bias (if any) to logits[r], returns Σ_r weight·loss_r
 * (loss_r = logsumexp(z_r) − z_r[target_r]) and, when `gradScale` is given, turns the
 * logits into their gradient (softmax − onehot)·gradScale in place. With `hits`, counts
 * the rows whose argmax prediction is the target (before the logits are overwritten).
 */
export function softmaxCrossEntropy(
  logits: Float64Array,
  rows: number,
  vocab: number,
  targets: ArrayLike<number>,
  bias: Float64Array | null,
  gradScale: number | null,
  hits?: HitCounter,
): number {
  let total = 0;
  for (let r = 0; r < rows; r += 1) {
    const o = r * vocab;
    let max = Number.NEGATIVE_INFINITY;
    let argmax = 0;
    for (let i = 0; i < vocab; i += 1) {
      const z = bias === null ? logits[o + i]! : logits[o + i]! + bias[i]!;
      logits[o + i] = z;
      if (z > max) {
        max = z;
        argmax = i;
      }
    }
    const target = targets[r]!;
    if (hits !== undefined && argmax === target) hits.hits += 1;
    const zTarget = logits[o + target]!;
    let sum = 0;
    for (let i = 0; i < vocab; i += 1) {
      const e = detExp(logits[o + i]! - max);
      logits[o + i] = e;
      sum += e;
    }
    total += detLog(sum) + max - zTarget;
    if (gradScale !== null) {
      const invSum = 1 / sum;
      for (let i = 0; i < vocab; i += 1) logits[o + i] = logits[o + i]! * invSum * gradScale;
      logits[o + target] = logits[o + target]! - gradScale;
    }
  }
  return total;
}
