/**
 * The three matrix products everything else is built from, on row-major Float64Arrays.
 * Loop order, and therefore rounding, is fixed: every output element is one sum in
 * index order, whatever blocking the loops use for speed. Each call adds its multiply-accumulates
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
    let o = 0;
    // Four outputs at a time share the loads of x; each sum still runs over i in order.
    for (; o + 3 < outDim; o += 4) {
      const w0 = o * inDim;
      const w1 = w0 + inDim;
      const w2 = w1 + inDim;
      const w3 = w2 + inDim;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let i = 0; i < inDim; i += 1) {
        const xi = x[xo + i]!;
        a0 += xi * w[w0 + i]!;
        a1 += xi * w[w1 + i]!;
        a2 += xi * w[w2 + i]!;
        a3 += xi * w[w3 + i]!;
      }
      if (accumulate) {
        y[yo + o] = y[yo + o]! + a0;
        y[yo + o + 1] = y[yo + o + 1]! + a1;
        y[yo + o + 2] = y[yo + o + 2]! + a2;
        y[yo + o + 3] = y[yo + o + 3]! + a3;
      } else {
        y[yo + o] = a0;
        y[yo + o + 1] = a1;
        y[yo + o + 2] = a2;
        y[yo + o + 3] = a3;
      }
    }
    for (; o < outDim; o += 1) {
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
    let o = 0;
    // Four rows of w per pass over dx; the additions into dx keep the order of o.
    for (; o + 3 < outDim; o += 4) {
      const g0 = dy[yo + o]!;
      const g1 = dy[yo + o + 1]!;
      const g2 = dy[yo + o + 2]!;
      const g3 = dy[yo + o + 3]!;
      const w0 = o * inDim;
      const w1 = w0 + inDim;
      const w2 = w1 + inDim;
      const w3 = w2 + inDim;
      for (let i = 0; i < inDim; i += 1) {
        let acc = dx[xo + i]! + g0 * w[w0 + i]!;
        acc += g1 * w[w1 + i]!;
        acc += g2 * w[w2 + i]!;
        dx[xo + i] = acc + g3 * w[w3 + i]!;
      }
    }
    for (; o < outDim; o += 1) {
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
  let t = 0;
  // Four rows of x per pass over gw; the additions into gw keep the order of t.
  for (; t + 3 < rows; t += 4) {
    const x0 = t * inDim;
    const x1 = x0 + inDim;
    const x2 = x1 + inDim;
    const x3 = x2 + inDim;
    const y0 = t * outDim;
    const y1 = y0 + outDim;
    const y2 = y1 + outDim;
    const y3 = y2 + outDim;
    for (let o = 0; o < outDim; o += 1) {
      const g0 = dy[y0 + o]!;
      const g1 = dy[y1 + o]!;
      const g2 = dy[y2 + o]!;
      const g3 = dy[y3 + o]!;
      const wo = o * inDim;
      for (let i = 0; i < inDim; i += 1) {
        let acc = gw[wo + i]! + g0 * x[x0 + i]!;
        acc += g1 * x[x1 + i]!;
        acc += g2 * x[x2 + i]!;
        gw[wo + i] = acc + g3 * x[x3 + i]!;
      }
    }
  }
  for (; t < rows; t += 1) {
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
