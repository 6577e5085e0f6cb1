/**
 * The three matrix products everything else is built from, on row-major Float64Arrays.
 * Loop order, and therefore rounding, is fixed. Each call adds its multiply-accumulates
 * to a counter (FLOPs = 2 · MACs, see flops.ts).
 */

/** Running count of multiply-accumulates performed. */
export interface MacCounter {
  macs: number;
}

/** y[t,o] = (accumulate ? y[t,o] : 0) + Σ_i x[t,i]·w[o,i] for t < rows; w is [outDim, inDim]. */
export function matmulXWt(
  x: Float64Array,
  rows: number,
  inDim: number,
  w: Float64Array,
  outDim: number,
  y: Float64Array,
  accumulate: boolean,
  counter: MacCounter,
): void {
  for (let t = 0; t < rows; t += 1) {
    const xo = t * inDim;
    const yo = t * outDim;
    for (let o = 0; o < outDim; o += 1) {
      const wo = o * inDim;
      let acc = 0;
      for (let i = 0; i < inDim; i += 1) acc += x[xo + i]! * w[wo + i]!;
      y[yo + o] = accumulate ? y[yo + o]! + acc : acc;
    }
  }
  counter.macs += rows * inDim * outDim;
}

/** dx[t,i] = (accumulate ? dx[t,i] : 0) + Σ_o dy[t,o]·w[o,i]; w is [outDim, inDim]. */
export function matmulDyW(
  dy: Float64Array,
  rows: number,
  outDim: number,
  w: Float64Array,
  inDim: number,
  dx: Float64Array,
  accumulate: boolean,
  counter: MacCounter,
): void {
  for (let t = 0; t < rows; t += 1) {
    const xo = t * inDim;
    const yo = t * outDim;
    if (!accumulate) dx.fill(0, xo, xo + inDim);
    for (let o = 0; o < outDim; o += 1) {
      const g = dy[yo + o]!;
      const wo = o * inDim;
      for (let i = 0; i < inDim; i += 1) dx[xo + i] = dx[xo + i]! + g * w[wo + i]!;
    }
  }
  counter.macs += rows * inDim * outDim;
}

/** gw[o,i] += Σ_t dy[t,o]·x[t,i] (weight gradient; t outermost). */
export function matmulDyTX(
  dy: Float64Array,
  rows: number,
  outDim: number,
  x: Float64Array,
  inDim: number,
  gw: Float64Array,
  counter: MacCounter,
): void {
  for (let t = 0; t < rows; t += 1) {
    const xo = t * inDim;
    const yo = t * outDim;
    for (let o = 0; o < outDim; o += 1) {
      const g = dy[yo + o]!;
      const wo = o * inDim;
      for (let i = 0; i < inDim; i += 1) gw[wo + i] = gw[wo + i]! + g * x[xo + i]!;
    }
  }
  counter.macs += rows * inDim * outDim;
}

/** v[i] *= s for i < n. */
export function scaleInPlace(v: Float64Array, n: number, s: number): void {
  for (let i = 0; i < n; i += 1) v[i] = v[i]! * s;
}
