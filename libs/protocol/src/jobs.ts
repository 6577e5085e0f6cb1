import { z } from 'zod';
import { ProcessCommandNameSchema, RuntimeSchema } from './agent-events.js';

/** A dataset version a job reads. */
export const DatasetRefSchema = z.strictObject({ datasetId: z.uuid(), version: z.number().int().positive() });
export type DatasetRef = z.infer<typeof DatasetRefSchema>;

/** What a job needs from a GPU and its agent. */
export const RequirementsSchema = z.strictObject({
  minVramMiB: z.number().int().min(0).max(10_000_000).default(0),
  gpuCount: z.number().int().min(1).max(64).default(1),
  /** e.g. "8.0"; compared numerically (major, then minor). */
  minComputeCapability: z.string().regex(/^\d{1,2}\.\d$/).optional(),
  /** e.g. "535.104"; compared numerically part by part. */
  minDriverVersion: z.string().regex(/^\d+(\.\d+)*$/).optional(),
  minCudaVersion: z.string().regex(/^\d+(\.\d+)*$/).optional(),
  runtime: RuntimeSchema.default('builtin'),
  /** With runtime `process`: the donor-approved command to run (docs/process-runtime.md); only agents whose donor approved it get the job. */
  command: ProcessCommandNameSchema.optional(),
  /** Agents below this trust level never get the job (see the credits issue). */
  minTrustLevel: z.number().int().min(0).max(100).default(0),
  /** Donors (user ids) whose agents never get the job: validation runs exclude the donor whose result they check. */
  excludeDonors: z.array(z.uuid()).max(32).default([]),
  /** Wall-clock limit of one attempt; the coordinator ends the attempt (and fails the job) when it runs longer. */
  maxRuntimeSeconds: z.number().int().min(1).max(7 * 86_400).default(86_400),
});
export type Requirements = z.infer<typeof RequirementsSchema>;

/** Field problems of requirements that each field's schema cannot see: a `process` job names its command, other runtimes none. */
export function requirementsProblems(requirements: Requirements): { field: 'runtime' | 'command'; message: string }[] {
  if (requirements.runtime === 'process' && requirements.command === undefined) return [{ field: 'command', message: 'a process job names the donor-approved command it needs' }];
  if (requirements.runtime !== 'process' && requirements.command !== undefined) return [{ field: 'command', message: `only process jobs name a command (this job's runtime is ${requirements.runtime})` }];
  return [];
}

export const LoraHyperparametersSchema = z.strictObject({
  steps: z.number().int().min(1).max(1_000_000).default(200),
  learningRate: z.number().positive().max(1).default(0.01),
  batchSize: z.number().int().min(1).max(4096).default(8),
  rank: z.number().int().min(1).max(256).default(8),
  alpha: z.number().positive().max(1024).default(16),
  warmupSteps: z.number().int().min(0).max(100_000).default(10),
  weightDecay: z.number().min(0).max(1).default(0),
});
export type LoraHyperparameters = z.infer<typeof LoraHyperparametersSchema>;

export const FineTuneSpecSchema = z.strictObject({
  kind: z.literal('fine-tune'),
  baseModel: z.string().min(1).max(128),
  datasets: z.array(DatasetRefSchema).min(1).max(16),
  method: z.enum(['lora', 'full']).default('lora'),
  hyperparameters: LoraHyperparametersSchema.default(LoraHyperparametersSchema.parse({})),
  /** Share of rows held out for the validation loss (chosen by a hash of each row). */
  heldOutFraction: z.number().min(0.01).max(0.5).default(0.1),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  /** Steps between checkpoints (a lost donor's successor resumes from the last one). */
  checkpointEvery: z.number().int().min(1).max(1_000_000).default(50),
});
export type FineTuneSpec = z.infer<typeof FineTuneSpecSchema>;

export const EvalSpecSchema = z.strictObject({
  kind: z.literal('eval'),
  baseModel: z.string().min(1).max(128),
  /** The adapter to evaluate: a fine-tune job's output; the base model alone when omitted. */
  adapterFromJob: z.uuid().optional(),
  dataset: DatasetRefSchema,
  /** Evaluate only the held-out split of the dataset, as the fine-tune chose it. */
  split: z.enum(['held-out', 'all']).default('held-out'),
  heldOutFraction: z.number().min(0.01).max(0.5).default(0.1),
  metrics: z.array(z.enum(['loss', 'perplexity', 'token-accuracy'])).min(1).default(['loss', 'perplexity', 'token-accuracy']),
});
export type EvalSpec = z.infer<typeof EvalSpecSchema>;

export const DatasetOperationSchema = z.discriminatedUnion('operation', [
  z.strictObject({ operation: z.literal('dedupe') }),
  z.strictObject({
    operation: z.literal('filter'),
    /** Keep rows whose text length (characters) is within bounds and that contain none of these substrings. */
    minChars: z.number().int().min(0).default(0),
    maxChars: z.number().int().min(1).max(100_000_000).default(100_000_000),
    exclude: z.array(z.string().min(1).max(200)).max(100).default([]),
  }),
  z.strictObject({ operation: z.literal('shard'), shards: z.number().int().min(2).max(1024), index: z.number().int().min(0) }),
  z.strictObject({ operation: z.literal('convert'), to: z.enum(['chat', 'instruction', 'text']) }),
]);
export type DatasetOperation = z.infer<typeof DatasetOperationSchema>;

export const DatasetJobSpecSchema = z.strictObject({
  kind: z.literal('dataset'),
  input: DatasetRefSchema,
  transform: DatasetOperationSchema,
  /** The dataset that receives the result as a new version (created if needed, owned by the job's owner). */
  outputName: z.string().trim().min(1).max(100).regex(/^[\w.-]+$/),
});
export type DatasetJobSpec = z.infer<typeof DatasetJobSpecSchema>;

export const StepSpecSchema = z.discriminatedUnion('kind', [FineTuneSpecSchema, EvalSpecSchema, DatasetJobSpecSchema]);
export type StepSpec = z.infer<typeof StepSpecSchema>;

const StepIdSchema = z.string().regex(/^[\w-]{1,32}$/);

/** Inside a pipeline, a dataset reference may name an earlier dataset step's output: `{ "fromStep": "prepare" }`. */
export const DatasetInputSchema = z.union([DatasetRefSchema, z.strictObject({ fromStep: StepIdSchema })]);
export type DatasetInput = z.infer<typeof DatasetInputSchema>;

/** Pipeline step specs: as the standalone ones, plus placeholders resolved when the step is dispatched. */
export const PipelineStepSpecSchema = z.discriminatedUnion('kind', [
  FineTuneSpecSchema.extend({ datasets: z.array(DatasetInputSchema).min(1).max(16) }),
  EvalSpecSchema.extend({
    dataset: DatasetInputSchema,
    /** The adapter an earlier fine-tune step of this pipeline produced (instead of `adapterFromJob`). */
    adapterFromStep: StepIdSchema.optional(),
  }),
  DatasetJobSpecSchema.extend({ input: DatasetInputSchema }),
]);
export type PipelineStepSpec = z.infer<typeof PipelineStepSpecSchema>;

/** The dataset inputs a step reads: a fine-tune's datasets, an eval's dataset, a dataset job's input (in a pipeline, some may be placeholders). */
export function stepInputs(step: StepSpec | PipelineStepSpec): DatasetInput[] {
  return step.kind === 'fine-tune' ? step.datasets : step.kind === 'eval' ? [step.dataset] : [step.input];
}

/** Whether an input names a dataset version (not an earlier pipeline step's output). */
export const isDatasetRef = (input: DatasetInput): input is DatasetRef => 'datasetId' in input;

/**
 * Steps run in order, each after the previous one succeeded. A step refers to an earlier
 * step's output by its id: a dataset reference `{ "fromStep": "<id>" }` is the dataset
 * version that dataset step produced; an eval's `"adapterFromStep": "<id>"` is the adapter
 * that fine-tune step produced. Placeholders are resolved when the step is dispatched.
 */
export const PipelineSpecSchema = z.strictObject({
  kind: z.literal('pipeline'),
  steps: z
    .array(z.strictObject({ id: StepIdSchema, spec: PipelineStepSpecSchema, requirements: RequirementsSchema.optional() }))
    .min(1)
    .max(16),
});
export type PipelineSpec = z.infer<typeof PipelineSpecSchema>;

export const JobSpecSchema = z.discriminatedUnion('kind', [FineTuneSpecSchema, EvalSpecSchema, DatasetJobSpecSchema, PipelineSpecSchema]);
export type JobSpec = z.infer<typeof JobSpecSchema>;
export type JobKind = JobSpec['kind'];

export const CreateJobBodySchema = z.strictObject({
  spec: JobSpecSchema,
  requirements: RequirementsSchema.default(RequirementsSchema.parse({})),
  /** Higher runs earlier among the same builder's jobs (fairness between builders comes first). */
  priority: z.number().int().min(-100).max(100).default(0),
  /** Resubmitting with the same key returns the existing job instead of creating another. */
  idempotencyKey: z.string().min(1).max(128).optional(),
});
export type CreateJobBody = z.infer<typeof CreateJobBodySchema>;
export type CreateJobInput = z.input<typeof CreateJobBodySchema>;

export const JobStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const JobViewSchema = z.object({
  id: z.uuid(),
  ownerHandle: z.string(),
  kind: z.enum(['fine-tune', 'eval', 'dataset', 'pipeline']),
  status: JobStatusSchema,
  /** A pipeline step shows its placeholders until it is dispatched, then the resolved spec. */
  spec: z.union([JobSpecSchema, PipelineStepSpecSchema]),
  requirements: RequirementsSchema,
  priority: z.number().int(),
  parentJobId: z.uuid().nullable(),
  stepJobIds: z.array(z.uuid()),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});
export type JobView = z.infer<typeof JobViewSchema>;

/** Most jobs one batch may create. */
export const MAX_JOBS_PER_BATCH = 1000;
/**
 * Many standalone jobs at once (a hyperparameter sweep): all are checked before any is created,
 * and all are created together or none. Pipelines are created one at a time.
 */
export const CreateJobsBatchBodySchema = z.strictObject({
  jobs: z.array(CreateJobBodySchema).min(1).max(MAX_JOBS_PER_BATCH),
});
export type CreateJobsBatchBody = z.infer<typeof CreateJobsBatchBodySchema>;
export type CreateJobsBatchInput = z.input<typeof CreateJobsBatchBodySchema>;
/** The batch's jobs in the order given; `created` counts those made now (the rest existed by idempotency key). */
export const JobsBatchViewSchema = z.object({ jobs: z.array(JobViewSchema), created: z.number().int().min(0) });
export type JobsBatchView = z.infer<typeof JobsBatchViewSchema>;

export const JobListQuerySchema = z.strictObject({
  status: JobStatusSchema.optional(),
  kind: z.enum(['fine-tune', 'eval', 'dataset', 'pipeline']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type JobListQuery = z.infer<typeof JobListQuerySchema>;

/** A base model the coordinator knows (parameter count drives credit). */
export const BaseModelSchema = z.object({
  id: z.string(),
  description: z.string(),
  parameters: z.number().int().positive(),
  contextLength: z.number().int().positive(),
  runtimes: z.array(RuntimeSchema),
  minVramMiB: z.number().int().nonnegative(),
});
export type BaseModel = z.infer<typeof BaseModelSchema>;

/** Why a waiting job did not go to a given agent (first failing rule). */
export const WhyNotSchema = z.enum([
  'agent-offline',
  'agent-paused',
  'agent-draining',
  'no-free-gpu',
  'gpu-count',
  'vram',
  'compute-capability',
  'driver',
  'cuda',
  'runtime',
  'process-command',
  'trust',
  'excluded-donor',
]);
export type WhyNot = z.infer<typeof WhyNotSchema>;

export const WhyNoJobSchema = z.object({
  agentId: z.uuid(),
  /** `queue-empty` when nothing waits at all. */
  summary: z.string(),
  jobs: z.array(z.object({ jobId: z.uuid(), kind: z.string(), rule: WhyNotSchema, detail: z.string() })),
});
export type WhyNoJob = z.infer<typeof WhyNoJobSchema>;

/** "Why is this job waiting?": the online fleet checked against the job's requirements. */
export const JobWhySchema = z.object({
  jobId: z.uuid(),
  /** One sentence: how many agents fit now, or what keeps them all away. */
  summary: z.string(),
  /** Agents seen recently (within the offline threshold) that were examined. */
  agentsExamined: z.number().int().nonnegative(),
  /** Agents that fit now: the job goes to one of them when the fairness order reaches it. */
  agentsFitting: z.number().int().nonnegative(),
  /** Per rule, how many agents it kept away, with one example of its detail; most agents first. */
  rules: z.array(z.object({ rule: WhyNotSchema, agents: z.number().int().positive(), example: z.string() })),
});
export type JobWhy = z.infer<typeof JobWhySchema>;
