import { describe, expect, it } from 'vitest';
import { baseWeights } from './base-weights.js';
import { creditFormulaFlops, windowMacs } from './flops.js';
import { MODEL_REGISTRY, TINY_BYTE_V1, findModel, parameterCount } from './models.js';
import { type AdapterLayout, LORA_TARGETS, buildNetwork, trainedTensorLayout } from './network.js';
import { zeros } from './tensor.js';
import { backwardWindow, forwardWindow } from './transformer.js';
import { createWorkspace } from './workspace.js';

const model = findModel(TINY_BYTE_V1)!;
const arch = model.architecture;

function counted(layout: AdapterLayout, rows: number, scoredEvery: number): { forward: number; backward: number; scored: number } {
  const trained = trainedTensorLayout(arch, layout).map((s) => zeros(s.name, s.shape));
  const grads = trained.map((t) => zeros(t.name, t.shape));
  const net = buildNetwork(arch, baseWeights(model), layout, trained, grads);
  const ws = createWorkspace(net);
  const mask = Uint8Array.from({ length: rows }, (_, i) => (i % scoredEvery === 0 ? 1 : 0));
  const window = { inputs: new Uint16Array(rows).fill(65), targets: new Uint16Array(rows).fill(66), mask, scored: mask.reduce((a, b) => a + b, 0) };
  const forward = { macs: 0 };
  const backward = { macs: 0 };
  forwardWindow(net, ws, window, 1, forward);
  backwardWindow(net, ws, window, backward);
  return { forward: forward.macs, backward: backward.macs, scored: window.scored };
}

describe('FLOP counting', () => {
  const layouts: AdapterLayout[] = [
    { method: 'lora', rank: 8, alpha: 16, targets: [...LORA_TARGETS], headBias: true },
    { method: 'lora', rank: 4, alpha: 4, targets: ['v', 'head'], headBias: false },
    { method: 'lora', rank: 8, alpha: 16, targets: [], headBias: true },
    { method: 'full', rank: 0, alpha: 0, targets: [], headBias: true },
  ];

  it.each(layouts)('the kernels count exactly what the closed form says (%o)', (layout) => {
    for (const [rows, every] of [
      [1, 1],
      [17, 1],
      [64, 3],
      [40, 7],
    ] as const) {
      const { forward, backward, scored } = counted(layout, rows, every);
      expect({ forward, backward }).toEqual(windowMacs(arch, layout, rows, scored));
    }
  });

  it('matches the documented formula for the tiny model, LoRA r=8 on everything, T=64 all scored', () => {
    // d=32, F=128, V=259, L=1, r=8. Forward: projections T·(4d² + 2dF) + head T·d·V
    // + LoRA T·r·(in+out) per target + attention d·T(T+1).
    const T = 64;
    const d = 32;
    const F = 128;
    const V = 259;
    const r = 8;
    const projections = T * (4 * d * d + 2 * d * F);
    const head = T * d * V;
    const loraForward = T * r * (4 * 2 * d + 2 * (d + F) + (d + V));
    const attention = d * T * (T + 1);
    expect(windowMacs(arch, layouts[0]!, T, T).forward).toBe(projections + head + loraForward + attention);
    // Backward: input gradients through every frozen projection except block 0's q, k, v
    // (nothing trainable lies below them), LoRA: 2·T·out·r + T·r·in, plus T·r·in where the
    // input gradient is needed, attention 2·d·T(T+1).
    const inputGrads = T * (d * d + 2 * d * F) + head;
    const loraBackward =
      3 * (2 * T * d * r + T * r * d) + // q, k, v (no input gradient)
      (2 * T * d * r + 2 * T * r * d) + // o
      (2 * T * F * r + 2 * T * r * d) + // up
      (2 * T * d * r + 2 * T * r * F) + // down
      (2 * T * V * r + 2 * T * r * d); // head
    expect(windowMacs(arch, layouts[0]!, T, T).backward).toBe(inputGrads + loraBackward + 2 * attention);
  });

  it('full fine-tune costs ≈ 6·N·T and LoRA ≈ 4·N·T, as CREDITS.md estimates', () => {
    const T = 64;
    const lora = windowMacs(arch, layouts[0]!, T, T);
    const full = windowMacs(arch, layouts[3]!, T, T);
    const loraFlops = 2 * (lora.forward + lora.backward);
    const fullFlops = 2 * (full.forward + full.backward);
    expect(creditFormulaFlops('lora', model.parameters, T)).toBe(4 * model.parameters * T);
    expect(creditFormulaFlops('full', model.parameters, T)).toBe(6 * model.parameters * T);
    expect(creditFormulaFlops('eval', model.parameters, T)).toBe(2 * model.parameters * T);
    // The embeddings are N but cost no products; attention and LoRA cost products but are not N.
    expect(loraFlops / creditFormulaFlops('lora', model.parameters, T)).toBeGreaterThan(0.6);
    expect(loraFlops / creditFormulaFlops('lora', model.parameters, T)).toBeLessThan(1.2);
    expect(fullFlops / creditFormulaFlops('full', model.parameters, T)).toBeGreaterThan(0.6);
    expect(fullFlops / creditFormulaFlops('full', model.parameters, T)).toBeLessThan(1.2);
  });

  it('counts parameters exactly', () => {
    expect(model.parameters).toBe(259 * 32 + 64 * 32 + (4 * 32 * 32 + 2 * 32 * 128) + 259 * 32);
    expect(model.parameters).toBe(30_912);
    for (const entry of MODEL_REGISTRY.values()) {
      expect(entry.parameters).toBe(parameterCount(entry.architecture));
      expect(entry.parameters).toBe(baseWeights(entry).reduce((n, t) => n + t.data.length, 0));
      expect(entry.runtimes).toEqual(['builtin']);
    }
  });

});
