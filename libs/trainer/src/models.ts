/**
 * The base models the builtin runtime knows. Their frozen weights are not downloaded:
 * they are generated from the model id (see base-weights.ts), so every machine has
 * the same bits.
 */
import type { Runtime } from '@potluck/protocol';
import { VOCAB_SIZE } from './tokenizer.js';

/** Shape of a decoder-only transformer with pre-RMSNorm blocks and untied embeddings. */
export interface ModelArchitecture {
  readonly vocabSize: number;
  readonly dModel: number;
  readonly heads: number;
  readonly ffDim: number;
  readonly layers: number;
  readonly contextLength: number;
}

/** A model registry entry. */
export interface ModelEntry {
  readonly id: string;
  readonly description: string;
  readonly architecture: ModelArchitecture;
  /** Exact number of base parameters N (the credit formulas use it). */
  readonly parameters: number;
  readonly contextLength: number;
  readonly runtimes: readonly Runtime[];
}

/** N = V·d (token embedding) + C·d (positions) + L·(4d² + 2·d·F) + V·d (output head). */
export function parameterCount(a: ModelArchitecture): number {
  const { vocabSize: v, dModel: d, ffDim: f, layers: l, contextLength: c } = a;
  return v * d + c * d + l * (4 * d * d + 2 * d * f) + v * d;
}

function entry(id: string, description: string, architecture: ModelArchitecture): ModelEntry {
  return { id, description, architecture, parameters: parameterCount(architecture), contextLength: architecture.contextLength, runtimes: ['builtin'] };
}

export const TINY_BYTE_V1 = 'potluck-tiny-byte-v1';
export const SMALL_BYTE_V1 = 'potluck-small-byte-v1';

/** Every model the builtin runtime can fine-tune and evaluate, by id. */
export const MODEL_REGISTRY: ReadonlyMap<string, ModelEntry> = new Map(
  [
    entry(TINY_BYTE_V1, 'Byte-level transformer, 1 layer, d=32, 2 heads, context 64; frozen base generated from its id', {
      vocabSize: VOCAB_SIZE,
      dModel: 32,
      heads: 2,
      ffDim: 128,
      layers: 1,
      contextLength: 64,
    }),
    entry(SMALL_BYTE_V1, 'Byte-level transformer, 2 layers, d=64, 4 heads, context 128; frozen base generated from its id', {
      vocabSize: VOCAB_SIZE,
      dModel: 64,
      heads: 4,
      ffDim: 256,
      layers: 2,
      contextLength: 128,
    }),
  ].map((e) => [e.id, e]),
);

/** The registry entry for `id`, or undefined. */
export function findModel(id: string): ModelEntry | undefined {
  return MODEL_REGISTRY.get(id);
}
