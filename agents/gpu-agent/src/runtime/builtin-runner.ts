import { createHash } from 'node:crypto';
import type { FineTuneResult, FineTuneSpec, JobAssignment, JobProgress } from '@potluck/protocol';
import { parseCheckpoint, train, type TrainerCheckpoint, type TrainerSpecInput } from '@potluck/trainer';

/** What the runner needs from the outside world (the agent provides it; tests fake it). */
export interface RunnerIo {
  download(path: string): Promise<Uint8Array>;
  upload(path: string, bytes: Uint8Array): Promise<{ sha256: string; bytes: number }>;
  progress(progress: JobProgress): void;
  /** Stores a checkpoint with the coordinator (so a successor can resume); awaited before training goes on. */
  saveCheckpoint(step: number, tokens: number, bytes: Uint8Array): Promise<void>;
  shouldStop(): boolean;
}

/** A failure with a code and whether another attempt could succeed. */
export class RunFailure extends Error {
  override name = 'RunFailure';
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The protocol's fine-tune spec in the trainer's terms. */
export function trainerSpecOf(spec: FineTuneSpec): TrainerSpecInput {
  const { hyperparameters: h } = spec;
  return {
    baseModel: spec.baseModel,
    method: spec.method,
    rank: h.rank,
    alpha: h.alpha,
    learningRate: h.learningRate,
    weightDecay: h.weightDecay,
    steps: h.steps,
    batchSize: h.batchSize,
    warmupFraction: Math.min(1, h.warmupSteps / h.steps),
    seed: spec.seed,
    heldOutFraction: spec.heldOutFraction,
    checkpointEvery: spec.checkpointEvery,
  };
}

function rowsOf(bytes: Uint8Array, label: string): unknown[] {
  const rows: unknown[] = [];
  Buffer.from(bytes)
    .toString('utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        rows.push(JSON.parse(line) as unknown);
      } catch {
        throw new RunFailure('INVALID_DATASET', `${label}: line ${index + 1} is not JSON`, false);
      }
    });
  return rows;
}

async function fetchCheckpoint(resume: NonNullable<JobAssignment['resumeFrom']>, io: RunnerIo): Promise<TrainerCheckpoint> {
  const bytes = await io.download(resume.path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== resume.sha256) throw new RunFailure('INPUT_CORRUPT', `checkpoint ${resume.checkpointId}: sha256 ${sha256} ≠ ${resume.sha256}`, true);
  try {
    return parseCheckpoint(JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown);
  } catch (error) {
    throw new RunFailure('INVALID_CHECKPOINT', `checkpoint ${resume.checkpointId}: ${(error as Error).message}`, false);
  }
}

/**
 * The builtin runtime: fetches the attempt's datasets (checking their sha256), runs the
 * reference trainer (libs/trainer) on CPU, uploads the adapter and returns the result.
 */
export async function runBuiltinFineTune(assignment: JobAssignment, io: RunnerIo): Promise<FineTuneResult> {
  const started = Date.now();
  if (assignment.spec.hyperparameters.rank > 64) throw new RunFailure('UNSUPPORTED_SPEC', 'the builtin runtime supports LoRA ranks up to 64', false);
  const rows: unknown[] = [];
  for (const input of assignment.inputs) {
    const bytes = await io.download(input.path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== input.sha256) throw new RunFailure('INPUT_CORRUPT', `dataset ${input.datasetId} v${input.version}: sha256 ${sha256} ≠ ${input.sha256}`, true);
    rows.push(...rowsOf(bytes, `dataset ${input.datasetId} v${input.version}`));
  }
  const checkpoint = assignment.resumeFrom ? await fetchCheckpoint(assignment.resumeFrom, io) : undefined;
  let lastSent = 0;
  const outcome = await train({
    spec: trainerSpecOf(assignment.spec),
    rows,
    checkpoint,
    onCheckpoint: (state) => io.saveCheckpoint(state.step, state.tokens, Buffer.from(JSON.stringify(state), 'utf8')),
    shouldStop: () => io.shouldStop(),
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastSent < 1000 && p.step < p.totalSteps) return;
      lastSent = now;
      const perStep = (now - started) / Math.max(1, p.step);
      io.progress({ attemptId: assignment.attemptId, step: p.step, totalSteps: p.totalSteps, tokens: p.tokens, loss: p.loss, learningRate: p.learningRate, flops: p.flops, etaMs: Math.round(perStep * (p.totalSteps - p.step)) });
    },
  }).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    throw new RunFailure(typeof code === 'string' ? code.toUpperCase() : 'TRAINER_FAILED', (error as Error).message, false);
  });
  if (outcome.status !== 'completed') throw new RunFailure('CANCELLED', 'the run was stopped', false);
  if (!outcome.heldOut || outcome.trainLoss.first === null || outcome.trainLoss.last === null) {
    throw new RunFailure('NO_HELD_OUT', 'the dataset is too small to hold out rows for validation', false);
  }
  const uploaded = await io.upload(assignment.uploadPath, outcome.adapterBytes);
  if (uploaded.sha256 !== outcome.adapterSha256) throw new RunFailure('UPLOAD_CORRUPT', 'the coordinator stored different adapter bytes', true);
  return {
    adapterSha256: outcome.adapterSha256,
    adapterBytes: outcome.adapterBytes.length,
    steps: outcome.steps,
    tokens: outcome.tokens,
    flops: outcome.flops.total,
    formulaFlops: outcome.formulaFlops,
    trainLossFirst: outcome.trainLoss.first,
    trainLossLast: outcome.trainLoss.last,
    heldOutLoss: outcome.heldOut.adapter.loss,
    baseHeldOutLoss: outcome.heldOut.base.loss,
    uniformLoss: outcome.heldOut.uniform,
    durationMs: Date.now() - started,
  };
}
