import { z } from 'zod';
import { ProcessCommandNameSchema, RuntimeSchema } from './agent-events.js';
import { DatasetRefSchema, StepSpecSchema } from './jobs.js';

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

const TransferPathSchema = z.string().regex(/^\/api\/v1\/transfer\/[\w-]{20,100}$/);

export const JobAssignmentSchema = z.object({
  attemptId: z.uuid(),
  jobId: z.uuid(),
  attemptNo: z.number().int().positive(),
  /** Fine-tune, eval or dataset job; a pipeline step arrives with its placeholders resolved. */
  spec: StepSpecSchema,
  /** The runtime to run it in (the job's `requirements.runtime`), and for `process` the approved command's name. */
  runtime: RuntimeSchema.default('builtin'),
  command: ProcessCommandNameSchema.nullable().default(null),
  deviceIds: z.array(z.string()).min(1),
  /** The agent must report progress before this many milliseconds pass, or the attempt is lost. */
  leaseMs: z.number().int().positive(),
  /** The attempt's time limit: the coordinator ends it after this long, and the agent stops by itself too. */
  maxRuntimeMs: z.number().int().positive().default(86_400_000),
  /** The dataset versions the job reads (fine-tune: its datasets; eval: its dataset; dataset job: its input). */
  inputs: z.array(TransferInputSchema).min(1),
  /** An eval of an adapter: one-time download of the adapter bytes. */
  adapter: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().positive(), path: TransferPathSchema }).nullable().default(null),
  /** One-time upload path for the output (fine-tune: the adapter; eval: the report; dataset job: the new JSONL), relative to the coordinator URL. */
  uploadPath: TransferPathSchema,
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
  /** Optional for agents of protocol 1 that sent no kind: a result without one is a fine-tune's. */
  kind: z.literal('fine-tune').default('fine-tune'),
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

/**
 * An eval's result. Stable for other consumers (credits validation): `loss` is the mean loss
 * in nats per scored token on the evaluated split — on `held-out` the same rows (and the same
 * number, bit for bit) as the fine-tune's `heldOutLoss`.
 */
export const EvalResultSchema = z.object({
  kind: z.literal('eval'),
  split: z.enum(['held-out', 'all']),
  /** The adapter evaluated (null: the base model alone). */
  adapterSha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  loss: z.number().finite(),
  perplexity: z.number().finite(),
  /** Loss of a uniform guess over the vocabulary, for scale. */
  uniformLoss: z.number().finite(),
  /** Share of scored tokens whose argmax prediction is the actual next token (ties: the lowest token id); null from agents that do not compute it. */
  tokenAccuracy: z.number().min(0).max(1).nullable().default(null),
  rows: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  flops: z.number().nonnegative(),
  formulaFlops: z.number().nonnegative(),
  /** The eval report (JSON, `potluck-eval-report/1`) uploaded to the assignment's upload path. */
  reportSha256: z.string().regex(/^[0-9a-f]{64}$/),
  reportBytes: z.number().int().positive(),
  durationMs: z.number().int().nonnegative(),
});
export type EvalResult = z.infer<typeof EvalResultSchema>;

/** A dataset job's result: the new JSONL uploaded to the assignment's upload path. */
export const DatasetResultSchema = z.object({
  kind: z.literal('dataset'),
  outputSha256: z.string().regex(/^[0-9a-f]{64}$/),
  outputBytes: z.number().int().nonnegative(),
  rowsIn: z.number().int().nonnegative(),
  rowsOut: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  /** Dropped rows by reason (libs/datasets `DropReason`). */
  reasons: z.record(z.string().max(40), z.number().int().nonnegative()),
  durationMs: z.number().int().nonnegative(),
});
export type DatasetResult = z.infer<typeof DatasetResultSchema>;

/** The result of a job for the development-only `noop` runtime (benchmarks): nothing was done, nothing is credited. */
export const NoopResultSchema = z.object({ kind: z.literal('noop') });
export type NoopResult = z.infer<typeof NoopResultSchema>;

/** A result by job kind (`kind`); a result without `kind` is a fine-tune's (protocol 1 agents). */
export const JobResultSchema = z.union([EvalResultSchema, DatasetResultSchema, NoopResultSchema, FineTuneResultSchema]);
export type JobResult = z.infer<typeof JobResultSchema>;

export const JobCompletedSchema = z.object({ attemptId: z.uuid(), result: JobResultSchema });
export type JobCompleted = z.infer<typeof JobCompletedSchema>;

export const JobFailedSchema = z.object({
  attemptId: z.uuid(),
  code: z.string().min(1).max(64),
  message: z.string().max(2000),
  /** False when no retry can help (invalid spec, unreadable dataset). */
  retryable: z.boolean(),
});
export type JobFailed = z.infer<typeof JobFailedSchema>;

/**
 * `JobFailed` codes of an attempt its donor handed back with a checkpoint: the agent shut down
 * (`AGENT_SHUTDOWN`), or a pause, the schedule, a cap or another program took the GPU back
 * (`GPU_RECLAIMED`). Retryable, and not the job's fault: they do not use up its attempts.
 */
export const HANDED_BACK_CODES = ['AGENT_SHUTDOWN', 'GPU_RECLAIMED'] as const;
export type HandedBackCode = (typeof HANDED_BACK_CODES)[number];

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
  log: 'job:log',
  why: 'job:why',
} as const;

/** Log lines of an attempt (the coordinator keeps the last few hundred per job). */
export const JobLogSchema = z.object({
  attemptId: z.uuid(),
  lines: z
    .array(z.object({ at: z.number().int().nonnegative(), level: z.enum(['info', 'warn', 'error']), message: z.string().max(2000) }))
    .min(1)
    .max(100),
});
export type JobLog = z.infer<typeof JobLogSchema>;
export type JobLogLine = JobLog['lines'][number];

/** A job's log (oldest first), bounded. */
export const JobLogViewSchema = z.object({ lines: z.array(z.object({ at: z.number().int(), attemptNo: z.number().int(), level: z.string(), message: z.string() })) });
export type JobLogView = z.infer<typeof JobLogViewSchema>;

/** Pushed to an idle agent when jobs wait that it cannot take: the rules keeping them away (at most 10). */
export const WhyPushSchema = z.object({
  at: z.number().int(),
  summary: z.string().max(500),
  jobs: z.array(z.object({ jobId: z.uuid(), kind: z.string(), rule: z.string(), detail: z.string().max(500) })).max(10),
});
export type WhyPush = z.infer<typeof WhyPushSchema>;

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
