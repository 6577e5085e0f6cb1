/**
 * Everything a fine-tune needs to continue elsewhere, as plain JSON: trained tensors,
 * AdamW moments, step, counters, and the data cursor. The data order of epoch e is a
 * shuffle seeded by (seed, e), so (epoch, index) is the whole random state there is:
 * nothing else draws random numbers after initialisation.
 */
import { z } from 'zod';
import { EncodedTensorSchema } from './codec.js';
import { TrainerError } from './errors.js';

export const CHECKPOINT_FORMAT = 'potluck-trainer-checkpoint/1';

const count = z.number().int().min(0);

export const TrainerCheckpointSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  baseModel: z.string().min(1),
  /** sha256 of the canonical JSON of the result-defining spec fields. */
  specHash: z.string(),
  /** sha256 of the rows (canonical JSON, one per line). */
  dataHash: z.string(),
  /** Steps completed. */
  step: count,
  totalSteps: z.number().int().min(1),
  /** Positions processed so far. */
  tokens: count,
  /** Multiply-accumulates so far (FLOPs = 2 × MACs). */
  macs: z.object({ forward: count, backward: count }),
  /** Next window: index into the shuffled order of `epoch`. */
  cursor: z.object({ epoch: count, index: count }),
  /** Loss of step 1 and of the latest (up to 10) steps, for the final report. */
  losses: z.object({ first: z.number().nullable(), recent: z.array(z.number()).max(10) }),
  params: z.array(EncodedTensorSchema),
  m: z.array(EncodedTensorSchema),
  v: z.array(EncodedTensorSchema),
});

export type TrainerCheckpoint = z.infer<typeof TrainerCheckpointSchema>;

/** Parses checkpoint JSON (already `JSON.parse`d), or throws `invalid_checkpoint`. */
export function parseCheckpoint(value: unknown): TrainerCheckpoint {
  const parsed = TrainerCheckpointSchema.safeParse(value);
  if (!parsed.success) {
    throw new TrainerError('invalid_checkpoint', `invalid checkpoint: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
