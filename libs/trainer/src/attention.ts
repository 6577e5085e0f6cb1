/**
 * Causal multi-head self-attention over one window, on projected q, k, v ([T, d],
 * head h owns columns h·hd … (h+1)·hd − 1). Probabilities are kept in
 * p[(h·C + t)·C + j] (C = context length) for the backward pass.
 * MACs: forward d·T(T+1) (scores and mixing), backward 2·d·T(T+1).
 */
import { detExp } from './det-math.js';
import type { MacCounter } from './kernels.js';

export interface AttentionShape {
  readonly rows: number;
  readonly dModel: number;
  readonly heads: number;
  readonly context: number;
}

/** att[t] = Σ_{j≤t} softmax_j(q[t]·k[j] / √hd) · v[j], per head. */
export function attentionForward(
  s: AttentionShape,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  p: Float64Array,
  att: Float64Array,
  counter: MacCounter,
): void {
  const { rows, dModel: d, heads, context: c } = s;
  const hd = d / heads;
  const scale = 1 / Math.sqrt(hd);
  att.fill(0, 0, rows * d);
  for (let h = 0; h < heads; h += 1) {
    const off = h * hd;
    for (let t = 0; t < rows; t += 1) {
      const base = (h * c + t) * c;
      const qo = t * d + off;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j <= t; j += 1) {
        const ko = j * d + off;
        let acc = 0;
        for (let i = 0; i < hd; i += 1) acc += q[qo + i]! * k[ko + i]!;
        const score = acc * scale;
        p[base + j] = score;
        if (score > max) max = score;
      }
      let sum = 0;
      for (let j = 0; j <= t; j += 1) {
        const e = detExp(p[base + j]! - max);
        p[base + j] = e;
        sum += e;
      }
      const invSum = 1 / sum;
      for (let j = 0; j <= t; j += 1) {
        const pj = p[base + j]! * invSum;
        p[base + j] = pj;
        const vo = j * d + off;
        for (let i = 0; i < hd; i += 1) att[qo + i] = att[qo + i]! + pj * v[vo + i]!;
      }
    }
  }
  counter.macs += d * rows * (rows + 1);
}

/** dq, dk, dv (overwritten) from datt; `dp` is scratch of at least C. */
export function attentionBackward(
  s: AttentionShape,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  p: Float64Array,
  datt: Float64Array,
  dq: Float64Array,
  dk: Float64Array,
  dv: Float64Array,
  dp: Float64Array,
  counter: MacCounter,
): void {
  const { rows, dModel: d, heads, context: c } = s;
  const hd = d / heads;
  const scale = 1 / Math.sqrt(hd);
  dq.fill(0, 0, rows * d);
  dk.fill(0, 0, rows * d);
  dv.fill(0, 0, rows * d);
  for (let h = 0; h < heads; h += 1) {
    const off = h * hd;
    for (let t = 0; t < rows; t += 1) {
      const base = (h * c + t) * c;
      const to = t * d + off;
      let weighted = 0;
      for (let j = 0; j <= t; j += 1) {
        const vo = j * d + off;
        let acc = 0;
        for (let i = 0; i < hd; i += 1) acc += datt[to + i]! * v[vo + i]!;
        dp[j] = acc;
        weighted += p[base + j]! * acc;
      }
      for (let j = 0; j <= t; j += 1) {
        const pj = p[base + j]!;
        const jo = j * d + off;
        const ds = pj * (dp[j]! - weighted) * scale;
        for (let i = 0; i < hd; i += 1) {
          dv[jo + i] = dv[jo + i]! + pj * datt[to + i]!;
          dq[to + i] = dq[to + i]! + ds * k[jo + i]!;
          dk[jo + i] = dk[jo + i]! + ds * q[to + i]!;
        }
      }
    }
  }
  counter.macs += 2 * d * rows * (rows + 1);
}
