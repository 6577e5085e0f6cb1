/**
 * Frozen base weights, generated from the model id: sfc32 seeded with
 * sha256("potluck-base:" + id) fills the tensors in the fixed order below with
 * uniform values of the stated standard deviation (bound = std·√3). No download, same
 * bits everywhere; generated once per process and shared read-only.
 */
import type { ModelArchitecture, ModelEntry } from './models.js';
import { Prng } from './prng.js';
import { type Tensor, sizeOf } from './tensor.js';

/** The projections of one block, in storage order. Shapes are [out, in]. */
export const BLOCK_LINEARS = ['q', 'k', 'v', 'o', 'up', 'down'] as const;
export type BlockLinear = (typeof BLOCK_LINEARS)[number];

/** Input and output width of a projection. */
export function linearDims(a: ModelArchitecture, linear: BlockLinear | 'head'): { inDim: number; outDim: number } {
  switch (linear) {
    case 'up':
      return { inDim: a.dModel, outDim: a.ffDim };
    case 'down':
      return { inDim: a.ffDim, outDim: a.dModel };
    case 'head':
      return { inDim: a.dModel, outDim: a.vocabSize };
    default:
      return { inDim: a.dModel, outDim: a.dModel };
  }
}

/** Name of a block projection's weight tensor. */
export function blockWeightName(layer: number, linear: BlockLinear): string {
  return `layers.${layer}.${linear}`;
}

/** Names, shapes and init standard deviations of the base tensors, in generation order. */
export function baseTensorLayout(a: ModelArchitecture): { name: string; shape: number[]; std: number }[] {
  const layout = [
    { name: 'tok_emb', shape: [a.vocabSize, a.dModel], std: 1 },
    { name: 'pos_emb', shape: [a.contextLength, a.dModel], std: 1 },
  ];
  for (let l = 0; l < a.layers; l += 1) {
    for (const linear of BLOCK_LINEARS) {
      const { inDim, outDim } = linearDims(a, linear);
      layout.push({ name: blockWeightName(l, linear), shape: [outDim, inDim], std: 1 / Math.sqrt(inDim) });
    }
  }
  layout.push({ name: 'head', shape: [a.vocabSize, a.dModel], std: 1 / Math.sqrt(a.dModel) });
  return layout;
}

const cache = new Map<string, readonly Tensor[]>();

/** Generates base tensors for an architecture from a label (the model id for registry models). */
export function generateBaseWeights(label: string, arch: ModelArchitecture): Tensor[] {
  const prng = Prng.fromLabel(`potluck-base:${label}`);
  return baseTensorLayout(arch).map(({ name, shape, std }) => {
    const data = new Float64Array(sizeOf(shape));
    const bound = std * Math.sqrt(3);
    for (let i = 0; i < data.length; i += 1) data[i] = prng.nextSymmetric(bound);
    return { name, shape, data };
  });
}

/** The frozen base tensors of `model` (shared; never write to them). */
export function baseWeights(model: ModelEntry): readonly Tensor[] {
  const cached = cache.get(model.id);
  if (cached !== undefined) return cached;
  const tensors = generateBaseWeights(model.id, model.architecture);
  cache.set(model.id, tensors);
  return tensors;
}
