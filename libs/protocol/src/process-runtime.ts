import { z } from 'zod';
import { StepSpecSchema } from './jobs.js';

/**
 * The `process` runtime's contract (docs/process-runtime.md): the agent writes a job file
 * (`ProcessJobFile`) and runs a command its donor approved; the command reads the file,
 * writes its outputs into `outputDir` (checkpoints into `checkpointDir`) and reports on
 * stdout, one JSON object per line (`ProcessEvent`).
 */

/** A file the command wrote: a plain name inside its folder (no slashes, no "..", no hidden files). */
export const ProcessFileNameSchema = z.string().regex(/^[\w][\w.-]{0,127}$/, 'a plain file name inside the folder (letters, digits, "_", "-", "."), at most 128 characters');

/** The longest stdout line the agent reads; a longer one is skipped and counted as malformed. */
export const MAX_PROCESS_LINE_BYTES = 64 * 1024;

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

/** The job file the agent writes before it starts the command (`POTLUCK_JOB_FILE`, also the last argument). */
export const ProcessJobFileSchema = z.object({
  format: z.literal('potluck-process-job/1'),
  jobId: z.uuid(),
  attemptId: z.uuid(),
  attemptNo: z.number().int().positive(),
  /** The job spec (fine-tune, eval or dataset job) with the protocol's defaults filled in. */
  spec: StepSpecSchema,
  /** The dataset versions the job reads, downloaded and sha256-checked by the agent (JSONL files). */
  datasets: z.array(z.object({ datasetId: z.uuid(), version: z.number().int().positive(), sha256: Sha256Schema, bytes: z.number().int().nonnegative(), path: z.string() })),
  /** An eval of an adapter: the adapter file a process fine-tune produced, downloaded and checked. */
  adapter: z.object({ sha256: Sha256Schema, bytes: z.number().int().nonnegative(), path: z.string() }).nullable(),
  /** Resume from this checkpoint file (one the command wrote in an earlier attempt), downloaded and checked. */
  resumeFrom: z.object({ step: z.number().int().nonnegative(), sha256: Sha256Schema, path: z.string() }).nullable(),
  /** Where the command writes its output (the file named by its `result` event). */
  outputDir: z.string(),
  /** Where the command writes checkpoints (each announced with a `checkpoint` event). */
  checkpointDir: z.string(),
  /** The attempt's time limit; the agent stops the command when it is reached. */
  maxRuntimeMs: z.number().int().positive(),
});
export type ProcessJobFile = z.infer<typeof ProcessJobFileSchema>;

const count = z.number().int().nonnegative();
const finite = z.number().finite();

/** Progress of the run (renews the attempt's lease); the agent forwards at most one a second. */
export const ProcessProgressEventSchema = z.strictObject({
  type: z.literal('progress'),
  step: count,
  totalSteps: count,
  tokens: count,
  loss: finite.nullable().default(null),
  learningRate: finite.nullable().default(null),
  /** Work done so far (FLOPs), when the command counts it. */
  flops: z.number().nonnegative().default(0),
  /** Estimated time left; the agent estimates it from the step rate when absent. */
  etaMs: count.nullable().default(null),
});

/** A line for the job's log (the coordinator keeps the last 500 per job). */
export const ProcessLogEventSchema = z.strictObject({
  type: z.literal('log'),
  level: z.enum(['info', 'warn', 'error']).default('info'),
  message: z.string().max(2000),
});

/** A checkpoint file the command finished writing in `checkpointDir` (the agent uploads it with its sha256). */
export const ProcessCheckpointEventSchema = z.strictObject({
  type: z.literal('checkpoint'),
  file: ProcessFileNameSchema,
  step: z.number().int().positive(),
  tokens: count,
});

/** A fine-tune's metrics (the output file is the adapter). */
export const ProcessFineTuneMetricsSchema = z.strictObject({
  steps: count,
  tokens: count,
  flops: z.number().nonnegative(),
  /** The credit formula's estimate, when the command computes it; `flops` otherwise. */
  formulaFlops: z.number().nonnegative().optional(),
  trainLossFirst: finite,
  trainLossLast: finite,
  heldOutLoss: finite,
  baseHeldOutLoss: finite,
  uniformLoss: finite,
});

/** An eval's metrics (the output file is the eval report). */
export const ProcessEvalMetricsSchema = z.strictObject({
  loss: finite,
  perplexity: finite.optional(),
  uniformLoss: finite,
  tokenAccuracy: z.number().min(0).max(1),
  rows: count,
  tokens: count,
  flops: z.number().nonnegative(),
  formulaFlops: z.number().nonnegative().optional(),
});

/** A dataset job's metrics (the output file is the new JSONL). */
export const ProcessDatasetMetricsSchema = z.strictObject({
  rowsIn: count,
  rowsOut: count,
  dropped: count,
  reasons: z.record(z.string().max(40), count).default({}),
});

/** The run succeeded: `output` names the file in `outputDir`; `metrics` are checked against the job's kind. */
export const ProcessResultEventSchema = z.strictObject({
  type: z.literal('result'),
  output: ProcessFileNameSchema,
  metrics: z.record(z.string(), z.unknown()),
});

/** The run failed for a known reason; `retryable: false` when another attempt cannot succeed (invalid spec, unsupported model). */
export const ProcessErrorEventSchema = z.strictObject({
  type: z.literal('error'),
  code: z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/),
  message: z.string().max(2000),
  retryable: z.boolean().default(true),
});

export const ProcessEventSchema = z.discriminatedUnion('type', [
  ProcessProgressEventSchema,
  ProcessLogEventSchema,
  ProcessCheckpointEventSchema,
  ProcessResultEventSchema,
  ProcessErrorEventSchema,
]);
export type ProcessEvent = z.infer<typeof ProcessEventSchema>;
export type ProcessProgressEvent = z.infer<typeof ProcessProgressEventSchema>;
export type ProcessCheckpointEvent = z.infer<typeof ProcessCheckpointEventSchema>;
export type ProcessResultEvent = z.infer<typeof ProcessResultEventSchema>;
export type ProcessErrorEvent = z.infer<typeof ProcessErrorEventSchema>;
