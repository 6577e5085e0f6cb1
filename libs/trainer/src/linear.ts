/**
 * A projection y = x·Wᵀ, optionally with a LoRA adapter:
 *   y = x·Wᵀ + u·Bᵀ,  u = s·(x·Aᵀ),  s = alpha / rank,
 * A: [rank, in], B: [out, rank]. Backward, with g = dy·B:
 *   ∂B += dyᵀ·u,  ∂A += (s·g)ᵀ·x,  ∂x = dy·W + (s·g)·A,  ∂W += dyᵀ·x (full fine-tune only).
 */
import { type MacCounter, matmulDyTX, matmulDyW, matmulXWt, scaleInPlace } from './kernels.js';

/** LoRA factors of one projection, with gradient buffers when trained. */
export interface LoraFactors {
  readonly rank: number;
  readonly scale: number;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly ga: Float64Array | null;
  readonly gb: Float64Array | null;
}

/** One projection: frozen or trained weight, optional LoRA. */
export interface Linear {
  readonly inDim: number;
  readonly outDim: number;
  readonly w: Float64Array;
  /** Gradient of w when the weight itself is trained (method `full`). */
  readonly gw: Float64Array | null;
  readonly lora: LoraFactors | null;
}

/** y = x·Wᵀ (+ LoRA) for `rows` rows; `u` receives s·(x·Aᵀ) for the backward pass. */
export function linearForward(lin: Linear, x: Float64Array, rows: number, y: Float64Array, u: Float64Array, counter: MacCounter): void {
  matmulXWt(x, rows, lin.inDim, lin.w, lin.outDim, y, false, counter);
  const lora = lin.lora;
  if (lora === null) return;
  matmulXWt(x, rows, lin.inDim, lora.a, lora.rank, u, false, counter);
  scaleInPlace(u, rows * lora.rank, lora.scale);
  matmulXWt(u, rows, lora.rank, lora.b, lin.outDim, y, true, counter);
}

/** Where the input gradient goes: nowhere, into a fresh buffer, or added to one. */
export type InputGradient = { readonly into: Float64Array; readonly accumulate: boolean } | null;

/**
 * Accumulates parameter gradients of `lin` for output gradient `dy` and, when asked,
 * writes or adds the input gradient. `g` is scratch of at least rows·rank.
 */
export function linearBackward(
  lin: Linear,
  x: Float64Array,
  u: Float64Array,
  dy: Float64Array,
  rows: number,
  dx: InputGradient,
  g: Float64Array,
  counter: MacCounter,
): void {
  if (lin.gw !== null) matmulDyTX(dy, rows, lin.outDim, x, lin.inDim, lin.gw, counter);
  if (dx !== null) matmulDyW(dy, rows, lin.outDim, lin.w, lin.inDim, dx.into, dx.accumulate, counter);
  const lora = lin.lora;
  if (lora === null) return;
  matmulDyW(dy, rows, lin.outDim, lora.b, lora.rank, g, false, counter);
  scaleInPlace(g, rows * lora.rank, lora.scale);
  if (lora.gb !== null) matmulDyTX(dy, rows, lin.outDim, u, lora.rank, lora.gb, counter);
  if (lora.ga !== null) matmulDyTX(g, rows, lora.rank, x, lin.inDim, lora.ga, counter);
  if (dx !== null) matmulDyW(g, rows, lora.rank, lora.a, lin.inDim, dx.into, true, counter);
}
