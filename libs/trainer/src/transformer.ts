/**
 * Forward and backward pass of the decoder over one window:
 *   x₀ = tok_emb[token] + pos_emb[position]
 *   per block: x += o(attn(q, k, v of rmsnorm(x)));  x += down(relu(up(rmsnorm(x))))
 *   logits = head(rmsnorm(x)) + bias, only at scored positions.
 */
import { attentionBackward, attentionForward } from './attention.js';
import type { MacCounter } from './kernels.js';
import { linearBackward, linearForward } from './linear.js';
import { type HitCounter, softmaxCrossEntropy } from './loss.js';
import type { Network } from './network.js';
import { reluBackwardInPlace, reluInPlace, rmsNormBackward, rmsNormForward } from './norm.js';
import type { Window } from './windows.js';
import type { Workspace } from './workspace.js';

/**
 * Runs the window and returns the summed loss (nats) over its scored targets. With
 * `gradScale` (1 / scored targets in the batch) the logits buffer is left holding
 * ∂loss/∂logits for `backwardWindow`. With `hits`, counts the scored targets the model's
 * argmax predicts.
 */
export function forwardWindow(net: Network, ws: Workspace, window: Window, gradScale: number | null, counter: MacCounter, hits?: HitCounter): number {
  const { dModel: d, ffDim: f, vocabSize: vocab, heads, contextLength: context } = net.arch;
  const rows = window.inputs.length;
  const x = ws.x;
  for (let t = 0; t < rows; t += 1) {
    const to = window.inputs[t]! * d;
    const po = t * d;
    for (let i = 0; i < d; i += 1) x[po + i] = net.tokEmb[to + i]! + net.posEmb[po + i]!;
  }
  const shape = { rows, dModel: d, heads, context };
  for (let l = 0; l < net.blocks.length; l += 1) {
    const b = net.blocks[l]!;
    const c = ws.blocks[l]!;
    rmsNormForward(x, rows, d, c.n1, c.inv1);
    linearForward(b.q, c.n1, rows, c.q, c.uq, counter);
    linearForward(b.k, c.n1, rows, c.k, c.uk, counter);
    linearForward(b.v, c.n1, rows, c.v, c.uv, counter);
    attentionForward(shape, c.q, c.k, c.v, c.p, c.att, counter);
    linearForward(b.o, c.att, rows, ws.tmp, c.uo, counter);
    for (let i = 0; i < rows * d; i += 1) x[i] = x[i]! + ws.tmp[i]!;
    rmsNormForward(x, rows, d, c.n2, c.inv2);
    linearForward(b.up, c.n2, rows, c.act, c.uup, counter);
    reluInPlace(c.act, rows * f);
    linearForward(b.down, c.act, rows, ws.tmp, c.udown, counter);
    for (let i = 0; i < rows * d; i += 1) x[i] = x[i]! + ws.tmp[i]!;
  }
  rmsNormForward(x, rows, d, ws.nf, ws.invf);
  let scored = 0;
  for (let t = 0; t < rows; t += 1) {
    if (window.mask[t] !== 1) continue;
    ws.selected[scored] = t;
    ws.selectedTargets[scored] = window.targets[t]!;
    ws.nfSel.set(ws.nf.subarray(t * d, (t + 1) * d), scored * d);
    scored += 1;
  }
  ws.rows = rows;
  ws.scored = scored;
  linearForward(net.head, ws.nfSel, scored, ws.logits, ws.uhead, counter);
  return softmaxCrossEntropy(ws.logits, scored, vocab, ws.selectedTargets, net.headBias, gradScale, hits);
}

/** Accumulates the parameter gradients of the window last run by `forwardWindow`. */
export function backwardWindow(net: Network, ws: Workspace, window: Window, counter: MacCounter): void {
  const { dModel: d, ffDim: f, vocabSize: vocab, heads, contextLength: context } = net.arch;
  const { rows, scored } = ws;
  const dz = ws.logits;
  if (net.gHeadBias !== null) {
    const gb = net.gHeadBias;
    for (let s = 0; s < scored; s += 1) for (let o = 0; o < vocab; o += 1) gb[o] = gb[o]! + dz[s * vocab + o]!;
  }
  linearBackward(net.head, ws.nfSel, ws.uhead, dz, scored, { into: ws.dnfSel, accumulate: false }, ws.g, counter);
  ws.dnf.fill(0, 0, rows * d);
  for (let s = 0; s < scored; s += 1) ws.dnf.set(ws.dnfSel.subarray(s * d, (s + 1) * d), ws.selected[s]! * d);
  const dx = ws.dx;
  dx.fill(0, 0, rows * d);
  rmsNormBackward(ws.dnf, ws.nf, ws.invf, rows, d, dx);

  const shape = { rows, dModel: d, heads, context };
  const embeddingsTrained = net.gTokEmb !== null;
  for (let l = net.blocks.length - 1; l >= 0; l -= 1) {
    const b = net.blocks[l]!;
    const c = ws.blocks[l]!;
    linearBackward(b.down, c.act, c.udown, dx, rows, { into: ws.dact, accumulate: false }, ws.g, counter);
    reluBackwardInPlace(ws.dact, c.act, rows * f);
    linearBackward(b.up, c.n2, c.uup, ws.dact, rows, { into: ws.dn, accumulate: false }, ws.g, counter);
    rmsNormBackward(ws.dn, c.n2, c.inv2, rows, d, dx);
    linearBackward(b.o, c.att, c.uo, dx, rows, { into: ws.datt, accumulate: false }, ws.g, counter);
    attentionBackward(shape, c.q, c.k, c.v, c.p, ws.datt, ws.dq, ws.dk, ws.dv, ws.dp, counter);
    // Block 0's input gradient only feeds the embeddings: skip it unless they are trained.
    const needInput = l > 0 || embeddingsTrained;
    linearBackward(b.q, c.n1, c.uq, ws.dq, rows, needInput ? { into: ws.dn, accumulate: false } : null, ws.g, counter);
    linearBackward(b.k, c.n1, c.uk, ws.dk, rows, needInput ? { into: ws.dn, accumulate: true } : null, ws.g, counter);
    linearBackward(b.v, c.n1, c.uv, ws.dv, rows, needInput ? { into: ws.dn, accumulate: true } : null, ws.g, counter);
    if (needInput) rmsNormBackward(ws.dn, c.n1, c.inv1, rows, d, dx);
  }
  if (net.gTokEmb !== null && net.gPosEmb !== null) {
    for (let t = 0; t < rows; t += 1) {
      const to = window.inputs[t]! * d;
      const po = t * d;
      for (let i = 0; i < d; i += 1) {
        net.gTokEmb[to + i] = net.gTokEmb[to + i]! + dx[po + i]!;
        net.gPosEmb[po + i] = net.gPosEmb[po + i]! + dx[po + i]!;
      }
    }
  }
}
