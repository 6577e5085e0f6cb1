/**
 * RMSNorm without a gain, y = x / √(mean(x²) + ε), and ReLU. Elementwise work: not
 * counted as FLOPs (see flops.ts).
 */

export const RMS_EPSILON = 1e-5;

/** y[t] = x[t]·inv[t] with inv[t] = 1/√(mean(x[t]²) + ε); keeps inv for the backward pass. */
export function rmsNormForward(x: Float64Array, rows: number, dim: number, y: Float64Array, inv: Float64Array): void {
  for (let t = 0; t < rows; t += 1) {
    const o = t * dim;
    let sum = 0;
    for (let i = 0; i < dim; i += 1) sum += x[o + i]! * x[o + i]!;
    const r = 1 / Math.sqrt(sum / dim + RMS_EPSILON);
    inv[t] = r;
    for (let i = 0; i < dim; i += 1) y[o + i] = x[o + i]! * r;
  }
}

/** dx[t] += inv[t]·(dy[t] − y[t]·mean(dy[t]⊙y[t])). */
export function rmsNormBackward(dy: Float64Array, y: Float64Array, inv: Float64Array, rows: number, dim: number, dx: Float64Array): void {
  for (let t = 0; t < rows; t += 1) {
    const o = t * dim;
    let dot = 0;
    for (let i = 0; i < dim; i += 1) dot += dy[o + i]! * y[o + i]!;
    const mean = dot / dim;
    const r = inv[t]!;
    for (let i = 0; i < dim; i += 1) dx[o + i] = dx[o + i]! + r * (dy[o + i]! - y[o + i]! * mean);
  }
}

/** v = max(v, 0) in place. */
export function reluInPlace(v: Float64Array, n: number): void {
  for (let i = 0; i < n; i += 1) if (!(v[i]! > 0)) v[i] = 0;
}

/** dv[i] = 0 where the ReLU output out[i] is 0. */
export function reluBackwardInPlace(dv: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i += 1) if (!(out[i]! > 0)) dv[i] = 0;
}
