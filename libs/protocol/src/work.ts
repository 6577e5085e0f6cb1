import { z } from 'zod';
import { DatasetRefSchema, FineTuneSpecSchema } from './jobs.js';

/**
 * Work on the `/agents` namespace: the coordinator assigns an attempt of a job to an
 * agent, the agent reports progress and the outcome. Files move over one-time URLs
 * (`/api/v1/transfer/:token`), never through the socket.
 */

export const TransferInputSchema = DatasetRefSchema.extend({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  /** One-time download path, relative to the coordinator URL (`/api/v1/transfer/…`). */
  path: z.string().regex(/^\/api\/v1\/transfer\/[\w-]{20,100}$/),
});
export type TransferInput = z.infer<typeof TransferInputSchema>;

export const JobAssignmentSchema = z.object({
  attemptId: z.uuid(),
  jobId: z.uuid(),
  attemptNo: z.number().int().positive(),
  spec: FineTuneSpecSchema,
  deviceIds: z.array(z.string()).min(1),
  /** The agent must report progress before this many milliseconds pass, or the attempt is lost. */
  leaseMs: z.number().int().positive(),
  inputs: z.array(TransferInputSchema).min(1),
  /** One-time upload path for the adapter, relative to the coordinator URL. */
  uploadPath: z.string().regex(/^\/api\/v1\/transfer\/[\w-]{20,100}$/),
  /** Resume from this checkpoint of an earlier attempt (its agent was lost). */
  resumeFrom: z
    .object({
      checkpointId: z.uuid(),
      step: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      path: z.string().regex(/^\/api\/v1\/transfer\/[\w-]{20,100}$/),
    })
    .nullable()
    .default(null),
});
export type JobAssignment = z.infer<typeof JobAssignmentSchema>;

export const JobProgressSchema = z.object({
  attemptId: z.uuid(),
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  loss: z.number().finite().nullable(),
  learningRate: z.number().finite().nullable(),
  flops: z.number().nonnegative(),
  etaMs: z.number().int().nonnegative().nullable(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const FineTuneResultSchema = z.object({
  adapterSha256: z.string().regex(/^[0-9a-f]{64}$/),
  adapterBytes: z.number().int().positive(),
  steps: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  flops: z.number().nonnegative(),
  formulaFlops: z.number().nonnegative(),
  trainLossFirst: z.number().finite(),
  trainLossLast: z.number().finite(),
  heldOutLoss: z.number().finite(),
  baseHeldOutLoss: z.number().finite(),
  uniformLoss: z.number().finite(),
  durationMs: z.number().int().nonnegative(),
});
export type FineTuneResult = z.infer<typeof FineTuneResultSchema>;

export const JobCompletedSchema = z.object({ attemptId: z.uuid(), result: FineTuneResultSchema });
export type JobCompleted = z.infer<typeof JobCompletedSchema>;

export const JobFailedSchema = z.object({
  attemptId: z.uuid(),
  code: z.string().min(1).max(64),
  message: z.string().max(2000),
  /** False when no retry can help (invalid spec, unreadable dataset). */
  retryable: z.boolean(),
});
export type JobFailed = z.infer<typeof JobFailedSchema>;

/** Asks for a one-time path to upload the next checkpoint of an attempt. */
export const CheckpointSlotSchema = z.object({ attemptId: z.uuid() });
export const CheckpointSlotResultSchema = z.object({ uploadPath: z.string() });

/** A checkpoint was uploaded (its bytes are in the artifact store under `sha256`). */
export const JobCheckpointSchema = z.object({
  attemptId: z.uuid(),
  step: z.number().int().positive(),
  tokens: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
});
export type JobCheckpoint = z.infer<typeof JobCheckpointSchema>;

export const JobCancelSchema = z.object({ attemptId: z.uuid(), reason: z.string().max(200) });
export type JobCancel = z.infer<typeof JobCancelSchema>;

export const WorkEvents = {
  assign: 'job:assign',
  progress: 'job:progress',
  completed: 'job:completed',
  failed: 'job:failed',
  cancel: 'job:cancel',
  checkpointSlot: 'job:checkpoint-slot',
  checkpoint: 'job:checkpoint',
} as const;

/** A job's live progress (latest report) and its loss curve (bounded). */
export const JobProgressViewSchema = z.object({
  latest: JobProgressSchema.extend({ at: z.number().int() }).nullable(),
  curve: z.array(z.object({ at: z.number().int(), step: z.number().int(), loss: z.number().nullable(), tokens: z.number().int() })),
});
export type JobProgressView = z.infer<typeof JobProgressViewSchema>;

export const AttemptViewSchema = z.object({
  id: z.uuid(),
  attemptNo: z.number().int(),
  agentId: z.uuid(),
  agentName: z.string(),
  donorHandle: z.string(),
  status: z.enum(['assigned', 'running', 'succeeded', 'failed', 'lost', 'cancelled']),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime().nullable(),
  endReason: z.string().nullable(),
  tokens: z.number().int(),
  resumedFromStep: z.number().int().nullable(),
  checkpoints: z.array(z.object({ step: z.number().int(), tokens: z.number().int(), at: z.iso.datetime() })),
});
export type AttemptView = z.infer<typeof AttemptViewSchema>;
