import { describe, expect, it } from 'vitest';
import { generateBaseWeights } from './base-weights.js';
import type { ModelArchitecture } from './models.js';
import { type AdapterLayout, buildNetwork, trainedTensorLayout } from './network.js';
import { Prng } from './prng.js';
import { formatExample } from './rows.js';
import { type Tensor, cloneTensor, tensorNamed, zeros } from './tensor.js';
import { VOCAB_SIZE } from './tokenizer.js';
import { backwardWindow, forwardWindow } from './transformer.js';
import { type Window, windowsOf } from './windows.js';
import { createWorkspace } from './workspace.js';

const ARCH: ModelArchitecture = { vocabSize: VOCAB_SIZE, dModel: 8, heads: 2, ffDim: 12, layers: 2, contextLength: 7 };

const WINDOWS: Window[] = [
  ...windowsOf(formatExample({ prompt: 'hi there', completion: 'hello you' }, 'completion'), ARCH.contextLength),
  ...windowsOf(formatExample({ text: 'abc abd' }, 'all'), ARCH.contextLength),
];

/** Mean loss over the windows; with `grads`, also accumulates the analytic gradient. */
function meanLoss(layout: AdapterLayout, base: readonly Tensor[], trained: readonly Tensor[], grads: readonly Tensor[] | null): number {
  const net = buildNetwork(ARCH, base, layout, trained, grads);
  const ws = createWorkspace(net);
  const scored = WINDOWS.reduce((n, w) => n + w.scored, 0);
  const counter = { macs: 0 };
  let sum = 0;
  for (const w of WINDOWS) {
    sum += forwardWindow(net, ws, w, grads === null ? null : 1 / scored, counter);
    if (grads !== null) backwardWindow(net, ws, w, counter);
  }
  return sum / scored;
}

/** Random trained tensors (B non-zero, so that every gradient is informative). */
function randomTrained(layout: AdapterLayout, base: readonly Tensor[]): Tensor[] {
  const prng = Prng.fromLabel('gradient-check');
  return trainedTensorLayout(ARCH, layout).map((spec) => {
    const t = spec.init === 'base' ? cloneTensor(tensorNamed(base, spec.name)) : zeros(spec.name, spec.shape);
    for (let i = 0; i < t.data.length; i += 1) t.data[i] = t.data[i]! + prng.nextSymmetric(0.3);
    return t;
  });
}

function checkGradients(layout: AdapterLayout): number {
  const base = generateBaseWeights('gradient-check', ARCH);
  const trained = randomTrained(layout, base);
  const grads = trained.map((t) => zeros(t.name, t.shape));
  meanLoss(layout, base, trained, grads);
  const prng = Prng.fromLabel('gradient-check-indices');
  const h = 1e-5;
  let checked = 0;
  for (let k = 0; k < trained.length; k += 1) {
    const param = trained[k]!.data;
    const grad = grads[k]!.data;
    let largest = 0;
    for (let i = 1; i < grad.length; i += 1) if (Math.abs(grad[i]!) > Math.abs(grad[largest]!)) largest = i;
    const indices = [largest, ...Array.from({ length: 6 }, () => prng.nextInt(param.length))];
    for (const i of indices) {
      const saved = param[i]!;
      param[i] = saved + h;
      const plus = meanLoss(layout, base, trained, null);
      param[i] = saved - h;
      const minus = meanLoss(layout, base, trained, null);
      param[i] = saved;
      const numeric = (plus - minus) / (2 * h);
      const analytic = grad[i]!;
      const tolerance = 1e-8 + 1e-5 * Math.max(Math.abs(numeric), Math.abs(analytic));
      expect(Math.abs(numeric - analytic), `${trained[k]!.name}[${i}]: numeric ${numeric}, analytic ${analytic}`).toBeLessThan(tolerance);
      checked += 1;
    }
  }
  return checked;
}

describe('gradients against central finite differences', () => {
  it('LoRA on every projection, with the head bias', () => {
    const layout: AdapterLayout = { method: 'lora', rank: 3, alpha: 6, targets: ['q', 'k', 'v', 'o', 'up', 'down', 'head'], headBias: true };
    expect(checkGradients(layout)).toBe(trainedTensorLayout(ARCH, layout).length * 7);
  });

  it('LoRA on some projections only', () => {
    checkGradients({ method: 'lora', rank: 2, alpha: 2, targets: ['v', 'down'], headBias: false });
  });

  it('full fine-tune: every weight, embeddings included', () => {
    const layout: AdapterLayout = { method: 'full', rank: 0, alpha: 0, targets: [], headBias: true };
    expect(trainedTensorLayout(ARCH, layout).map((t) => t.name)).toContain('tok_emb');
    checkGradients(layout);
  });
});
