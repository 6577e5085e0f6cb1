/**
 * Binds the frozen base tensors and the trained tensors (LoRA factors, head bias, or
 * every weight for a full fine-tune) into the structure the forward and backward
 * passes walk. Also owns the layout of the trained tensors: names, shapes, init.
 */
import { BLOCK_LINEARS, type BlockLinear, blockWeightName, linearDims } from './base-weights.js';
import type { Linear } from './linear.js';
import type { ModelArchitecture } from './models.js';
import { type Tensor, tensorNamed } from './tensor.js';

export type Method = 'lora' | 'full';
export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'up', 'down', 'head'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** What is trained and how: the adapter's shape, independent of the data. */
export interface AdapterLayout {
  readonly method: Method;
  /** LoRA rank r (ignored for `full`). */
  readonly rank: number;
  /** LoRA alpha; the update is scaled by alpha / rank. */
  readonly alpha: number;
  /** Projections that get LoRA factors (ignored for `full`). */
  readonly targets: readonly LoraTarget[];
  /** Whether a bias on the output logits is trained (starts at zero). */
  readonly headBias: boolean;
}

/** How a trained tensor starts: LoRA A is uniform ±1/√in, LoRA B and biases zero, full weights copy the base. */
export type TensorInit = 'lora_a' | 'zeros' | 'base';

export interface TrainedTensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: TensorInit;
  /** Whether AdamW weight decay applies (matrices yes, biases no). */
  readonly decay: boolean;
}

export interface Block {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly up: Linear;
  readonly down: Linear;
}

export interface Network {
  readonly arch: ModelArchitecture;
  readonly tokEmb: Float64Array;
  readonly posEmb: Float64Array;
  readonly gTokEmb: Float64Array | null;
  readonly gPosEmb: Float64Array | null;
  readonly blocks: readonly Block[];
  readonly head: Linear;
  readonly headBias: Float64Array | null;
  readonly gHeadBias: Float64Array | null;
  /** Largest LoRA rank in use (sizes scratch buffers), 0 without LoRA. */
  readonly rank: number;
}

function linearName(layer: number | null, linear: BlockLinear | 'head'): string {
  return layer === null ? 'head' : blockWeightName(layer, linear as BlockLinear);
}

function eachLinear(arch: ModelArchitecture): { layer: number | null; linear: BlockLinear | 'head' }[] {
  const all: { layer: number | null; linear: BlockLinear | 'head' }[] = [];
  for (let l = 0; l < arch.layers; l += 1) for (const linear of BLOCK_LINEARS) all.push({ layer: l, linear });
  all.push({ layer: null, linear: 'head' });
  return all;
}

/** Trained tensors of a layout, in their fixed storage order. */
export function trainedTensorLayout(arch: ModelArchitecture, layout: AdapterLayout): TrainedTensorSpec[] {
  const specs: TrainedTensorSpec[] = [];
  if (layout.method === 'full') {
    specs.push({ name: 'tok_emb', shape: [arch.vocabSize, arch.dModel], init: 'base', decay: true });
    specs.push({ name: 'pos_emb', shape: [arch.contextLength, arch.dModel], init: 'base', decay: true });
    for (const { layer, linear } of eachLinear(arch)) {
      const { inDim, outDim } = linearDims(arch, linear);
      specs.push({ name: linearName(layer, linear), shape: [outDim, inDim], init: 'base', decay: true });
    }
  } else {
    for (const { layer, linear } of eachLinear(arch)) {
      if (!layout.targets.includes(linear)) continue;
      const { inDim, outDim } = linearDims(arch, linear);
      const name = linearName(layer, linear);
      specs.push({ name: `${name}.lora_a`, shape: [layout.rank, inDim], init: 'lora_a', decay: true });
      specs.push({ name: `${name}.lora_b`, shape: [outDim, layout.rank], init: 'zeros', decay: true });
    }
  }
  if (layout.headBias) specs.push({ name: 'head.bias', shape: [arch.vocabSize], init: 'zeros', decay: false });
  return specs;
}

/**
 * The network for base + trained tensors. `grads` (same names as `trained`) turns on
 * gradient accumulation; without it the network is for evaluation only.
 */
export function buildNetwork(
  arch: ModelArchitecture,
  base: readonly Tensor[],
  layout: AdapterLayout,
  trained: readonly Tensor[],
  grads: readonly Tensor[] | null,
): Network {
  const full = layout.method === 'full';
  const weight = (name: string): Float64Array => tensorNamed(full ? trained : base, name).data;
  const grad = (name: string): Float64Array | null => (grads === null ? null : tensorNamed(grads, name).data);
  const has = (name: string): boolean => trained.some((t) => t.name === name);

  const linear = (layer: number | null, which: BlockLinear | 'head'): Linear => {
    const name = linearName(layer, which);
    const { inDim, outDim } = linearDims(arch, which);
    const lora =
      !full && layout.targets.includes(which)
        ? {
            rank: layout.rank,
            scale: layout.alpha / layout.rank,
            a: tensorNamed(trained, `${name}.lora_a`).data,
            b: tensorNamed(trained, `${name}.lora_b`).data,
            ga: grad(`${name}.lora_a`),
            gb: grad(`${name}.lora_b`),
          }
        : null;
    return { inDim, outDim, w: weight(name), gw: full ? grad(name) : null, lora };
  };

  const blocks: Block[] = [];
  for (let l = 0; l < arch.layers; l += 1) {
    blocks.push({ q: linear(l, 'q'), k: linear(l, 'k'), v: linear(l, 'v'), o: linear(l, 'o'), up: linear(l, 'up'), down: linear(l, 'down') });
  }
  return {
    arch,
    tokEmb: weight('tok_emb'),
    posEmb: weight('pos_emb'),
    gTokEmb: full ? grad('tok_emb') : null,
    gPosEmb: full ? grad('pos_emb') : null,
    blocks,
    head: linear(null, 'head'),
    headBias: has('head.bias') ? tensorNamed(trained, 'head.bias').data : null,
    gHeadBias: has('head.bias') ? grad('head.bias') : null,
    rank: !full && layout.targets.length > 0 ? layout.rank : 0,
  };
}
