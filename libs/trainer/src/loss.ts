/**
 * Softmax cross-entropy over the vocabulary, in nats, with deterministic exp/log.
 */
import { detExp, detLog } from './det-math.js';

/**
 * For each row r < rows: adds bias (if any) to logits[r], returns Σ_r weight·loss_r
 * (loss_r = logsumexp(z_r) − z_r[target_r]) and, when `gradScale` is given, turns the
 * logits into their gradient (softmax − onehot)·gradScale in place.
 */
export function softmaxCrossEntropy(
  logits: Float64Array,
  rows: number,
  vocab: number,
  targets: ArrayLike<number>,
  bias: Float64Array | null,
  gradScale: number | null,
): number {
  let total = 0;
  for (let r = 0; r < rows; r += 1) {
    const o = r * vocab;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < vocab; i += 1) {
      const z = bias === null ? logits[o + i]! : logits[o + i]! + bias[i]!;
      logits[o + i] = z;
      if (z > max) max = z;
    }
    const target = targets[r]!;
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
