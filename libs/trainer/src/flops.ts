/**
 * FLOP accounting.
 *
 * Convention: FLOPs = 2 × the multiply-accumulates (MACs) of the matrix products the
 * implementation performs: every projection (frozen, LoRA A and B), attention scores
 * q·kᵀ and mixing p·v, and in the backward pass every input gradient, weight gradient
 * and LoRA gradient it actually computes. Elementwise work (embedding lookup, RMSNorm,
 * softmax, ReLU, residual adds, loss, bias, optimiser) is not counted; it is O(d) per
 * token against O(d²) for the products.
 *
 * The kernels count as they run (kernels.ts); `windowMacs` below is the same count in
 * closed form, for documentation and for the test that keeps the two in step.
 */
import { BLOCK_LINEARS, linearDims } from './base-weights.js';
import type { ModelArchitecture } from './models.js';
import type { AdapterLayout, LoraTarget } from './network.js';

export type WorkKind = 'lora' | 'full' | 'eval';

/** The CREDITS.md estimate: 2·N·T (eval), 4·N·T (LoRA), 6·N·T (full fine-tune). */
export function creditFormulaFlops(kind: WorkKind, parameters: number, tokens: number): number {
  const factor = kind === 'full' ? 6 : kind === 'lora' ? 4 : 2;
  return factor * parameters * tokens;
}

interface LinearWork {
  readonly inDim: number;
  readonly outDim: number;
  readonly rows: number;
  readonly lora: boolean;
  readonly needInput: boolean;
}

function linearForwardMacs(l: LinearWork, rank: number): number {
  return l.rows * l.inDim * l.outDim + (l.lora ? l.rows * rank * (l.inDim + l.outDim) : 0);
}

function linearBackwardMacs(l: LinearWork, rank: number, full: boolean): number {
  let macs = 0;
  if (full) macs += l.rows * l.inDim * l.outDim; // ∂W
  if (l.needInput) macs += l.rows * l.inDim * l.outDim; // ∂x through W
  if (l.lora) {
    macs += 2 * l.rows * l.outDim * rank; // g = dy·B and ∂B
    macs += l.rows * rank * l.inDim; // ∂A
    if (l.needInput) macs += l.rows * rank * l.inDim; // ∂x through A
  }
  return macs;
}

/** Forward and backward MACs of one window of `rows` positions, `scored` of them scored. */
export function windowMacs(arch: ModelArchitecture, layout: AdapterLayout, rows: number, scored: number): { forward: number; backward: number } {
  const full = layout.method === 'full';
  const rank = full ? 0 : layout.rank;
  const isLora = (target: LoraTarget): boolean => !full && layout.targets.includes(target);
  let forward = 0;
  let backward = 0;
  for (let l = 0; l < arch.layers; l += 1) {
    for (const name of BLOCK_LINEARS) {
      const { inDim, outDim } = linearDims(arch, name);
      const firstInputs = l === 0 && !full && (name === 'q' || name === 'k' || name === 'v');
      const work = { inDim, outDim, rows, lora: isLora(name), needInput: !firstInputs };
      forward += linearForwardMacs(work, rank);
      backward += linearBackwardMacs(work, rank, full);
    }
    forward += arch.dModel * rows * (rows + 1);
    backward += 2 * arch.dModel * rows * (rows + 1);
  }
  const head = { inDim: arch.dModel, outDim: arch.vocabSize, rows: scored, lora: isLora('head'), needInput: true };
  forward += linearForwardMacs(head, rank);
  backward += linearBackwardMacs(head, rank, full);
  return { forward, backward };
}

/** FLOPs split by pass. */
export interface FlopCount {
  readonly forward: number;
  readonly backward: number;
  readonly total: number;
}

export function flopCount(forwardMacs: number, backwardMacs: number): FlopCount {
  return { forward: 2 * forwardMacs, backward: 2 * backwardMacs, total: 2 * (forwardMacs + backwardMacs) };
}
