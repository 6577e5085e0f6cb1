/**
 * AdamW with decoupled weight decay, and global-norm gradient clipping. Tensors are
 * visited in their fixed storage order, elements in index order.
 */
import { powInt } from './det-math.js';
import type { Tensor } from './tensor.js';

export interface AdamWHyper {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
}

/** Scales gradients so their global L2 norm is at most `maxNorm` (0: no clipping); returns the norm before. */
export function clipGradients(grads: readonly Tensor[], maxNorm: number): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.data.length; i += 1) sum += g.data[i]! * g.data[i]!;
  const norm = Math.sqrt(sum);
  if (maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / norm;
    for (const g of grads) for (let i = 0; i < g.data.length; i += 1) g.data[i] = g.data[i]! * scale;
  }
  return norm;
}

/**
 * One AdamW update at 1-based step `t`:
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
 *   p ← p − lr·( m/(1−β₁ᵗ) / (√(v/(1−β₂ᵗ)) + ε) + λ·p )   (λ only where `decay[i]`).
 */
export function adamWStep(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  m: readonly Tensor[],
  v: readonly Tensor[],
  decay: readonly boolean[],
  hyper: AdamWHyper,
  lr: number,
  t: number,
): void {
  const { beta1, beta2, epsilon } = hyper;
  const correction1 = 1 - powInt(beta1, t);
  const correction2 = 1 - powInt(beta2, t);
  for (let k = 0; k < params.length; k += 1) {
    const p = params[k]!.data;
    const g = grads[k]!.data;
    const mk = m[k]!.data;
    const vk = v[k]!.data;
    const lambda = decay[k] === true ? hyper.weightDecay : 0;
    for (let i = 0; i < p.length; i += 1) {
      const gi = g[i]!;
      const mi = beta1 * mk[i]! + (1 - beta1) * gi;
      const vi = beta2 * vk[i]! + (1 - beta2) * gi * gi;
      mk[i] = mi;
      vk[i] = vi;
      const update = mi / correction1 / (Math.sqrt(vi / correction2) + epsilon) + lambda * p[i]!;
      p[i] = p[i]! - lr * update;
    }
  }
}
