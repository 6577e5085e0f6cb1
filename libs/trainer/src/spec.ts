/**
 * What to train: a zod schema with defaults, local to the trainer (the coordinator maps
 * its job spec onto it). Unknown fields are refused, so a typo never silently falls
 * back to a default.
 */
import { z } from 'zod';
import { TINY_BYTE_V1 } from './models.js';
import { LORA_TARGETS } from './network.js';

export const TrainerSpecSchema = z.strictObject({
  /** Registry id of the frozen base model. */
  baseModel: z.string().min(1).default(TINY_BYTE_V1),
  /** `lora`: train LoRA factors (and the head bias); `full`: train every weight. */
  method: z.enum(['lora', 'full']).default('lora'),
  rank: z.number().int().min(1).max(64).default(8),
  alpha: z.number().positive().max(1024).default(16),
  /** Projections that get LoRA factors. */
  targets: z.array(z.enum(LORA_TARGETS)).default([...LORA_TARGETS]),
  /** Train a bias on the output logits (starts at zero). */
  headBias: z.boolean().default(true),
  /** Peak learning rate of AdamW. */
  learningRate: z.number().positive().max(1).default(0.01),
  /** Decoupled weight decay (not applied to biases). */
  weightDecay: z.number().min(0).max(1).default(0),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
  /** Global gradient-norm clip; 0 turns clipping off. */
  maxGradNorm: z.number().min(0).default(1),
  schedule: z.enum(['cosine', 'linear', 'constant']).default('cosine'),
  /** Share of the steps spent warming up linearly from 0. */
  warmupFraction: z.number().min(0).max(1).default(0.05),
  /** Where the decay ends, as a share of the peak rate. */
  minLearningRateFraction: z.number().min(0).max(1).default(0.1),
  /** Optimiser steps; when absent, `epochs` passes over the training windows decide. */
  steps: z.number().int().min(1).max(10_000_000).optional(),
  epochs: z.number().positive().max(10_000).default(3),
  /** Windows (sequences of up to the context length) per step. */
  batchSize: z.number().int().min(1).max(4096).default(8),
  /** Seeds the adapter initialisation and the data order. */
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** Share of rows held out for evaluation (chosen by a hash of the row, not the seed). */
  heldOutFraction: z.number().min(0).max(0.9).default(0.1),
  /** Salt of the held-out hash, to draw a different split of the same rows. */
  splitSalt: z.string().max(200).default(''),
  /** Score only assistant turns / completions, or every token. */
  lossOn: z.enum(['completion', 'all']).default('completion'),
  /** Steps between checkpoints; 0: none. Does not change the result. */
  checkpointEvery: z.number().int().min(0).default(50),
});

/** A parsed spec: every field present. */
export type TrainerSpec = z.output<typeof TrainerSpecSchema>;
/** What callers may pass: any field may be left to its default. */
export type TrainerSpecInput = z.input<typeof TrainerSpecSchema>;

/** The fields that decide the result (everything but the checkpoint interval). */
export function resultDefiningSpec(spec: TrainerSpec): Omit<TrainerSpec, 'checkpointEvery'> {
  const { checkpointEvery: _ignored, ...rest } = spec;
  return rest;
}
