import { createHash } from 'node:crypto';
import { JsonlTransform } from '@potluck/datasets';
import type { DatasetJobSpec, DatasetResult, EvalResult, EvalSpec, FineTuneResult, FineTuneSpec, JobAssignment, JobProgress, JobResult } from '@potluck/protocol';
import { adapterFromBytes, evaluate, parseCheckpoint, parseRows, splitRows, train, uniformLoss, VOCAB_SIZE, type TrainerCheckpoint, type TrainerSpecInput } from '@potluck/trainer';

/** What a runner needs from the outside world (the agent provides it; tests fake it). */
export interface RunnerIo {
  download(path: string): Promise<Uint8Array>;
  upload(path: string, bytes: Uint8Array): Promise<{ sha256: string; bytes: number }>;
  progress(progress: JobProgress): void;
  /** Stores a checkpoint with the coordinator (so a successor can resume); awaited before training goes on. */
  saveCheckpoint(step: number, tokens: number, bytes: Uint8Array): Promise<void>;
  shouldStop(): boolean;
  /**
   * Asked when a run stopped early: whether to store where it got to first (the agent is
   * shutting down and a successor should resume there; not for a cancellation or a time limit).
   */
  checkpointOnStop?(): boolean;
  /** A line for the job's log (kept by the coordinator, bounded). */
  log?(level: 'info' | 'warn' | 'error', message: string): void;
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

export async function fetchChecked(path: string, sha256: string, label: string, io: RunnerIo): Promise<Uint8Array> {
  const bytes = await io.download(path);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new RunFailure('INPUT_CORRUPT', `${label}: sha256 ${actual} ≠ ${sha256}`, true);
  return bytes;
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
export async function runBuiltinFineTune(assignment: JobAssignment & { spec: FineTuneSpec }, io: RunnerIo): Promise<FineTuneResult> {
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
  if (outcome.status !== 'completed') {
    if (io.checkpointOnStop?.() === true) {
      const { checkpoint: last } = outcome;
      await io.saveCheckpoint(last.step, last.tokens, Buffer.from(JSON.stringify(last), 'utf8'));
    }
    throw new RunFailure('CANCELLED', 'the run was stopped', false);
  }
  if (!outcome.heldOut || outcome.trainLoss.first === null || outcome.trainLoss.last === null) {
    throw new RunFailure('NO_HELD_OUT', 'the dataset is too small to hold out rows for validation', false);
  }
  const uploaded = await io.upload(assignment.uploadPath, outcome.adapterBytes);
  if (uploaded.sha256 !== outcome.adapterSha256) throw new RunFailure('UPLOAD_CORRUPT', 'the coordinator stored different adapter bytes', true);
  return {
    kind: 'fine-tune',
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

/** Runs any job kind of the builtin runtime. */
export async function runBuiltin(assignment: JobAssignment, io: RunnerIo): Promise<JobResult> {
  const { spec } = assignment;
  switch (spec.kind) {
    case 'fine-tune':
      return runBuiltinFineTune({ ...assignment, spec }, io);
    case 'eval':
      return runBuiltinEval({ ...assignment, spec }, io);
    case 'dataset':
      return runBuiltinDatasetJob({ ...assignment, spec }, io);
  }
}

/** The failure a trainer error maps to (none of them is fixed by a retry). */
function trainerFailure(error: unknown): RunFailure {
  if (error instanceof RunFailure) return error;
  const code = (error as { code?: unknown }).code;
  return new RunFailure(typeof code === 'string' ? code.toUpperCase() : 'TRAINER_FAILED', (error as Error).message, false);
}

/**
 * Evaluates the base model, or base + adapter, on a dataset split: `held-out` takes the rows
 * a fine-tune with the same `heldOutFraction` held out (same hash, same salt), so the loss
 * is comparable with — and for the same adapter identical to — the fine-tune's held-out loss.
 */
export async function runBuiltinEval(assignment: JobAssignment & { spec: EvalSpec }, io: RunnerIo): Promise<EvalResult> {
  const started = Date.now();
  const { spec } = assignment;
  const [input] = assignment.inputs;
  if (!input) throw new RunFailure('INVALID_SPEC', 'an eval needs one dataset', false);
  const bytes = await fetchChecked(input.path, input.sha256, `dataset ${input.datasetId} v${input.version}`, io);
  if (spec.adapterFromJob && !assignment.adapter) throw new RunFailure('INVALID_SPEC', 'the adapter to evaluate was not sent', false);
  const adapterBytes = assignment.adapter ? await fetchChecked(assignment.adapter.path, assignment.adapter.sha256, 'adapter', io) : null;
  let result;
  let rows;
  try {
    const all = parseRows(rowsOf(bytes, `dataset ${input.datasetId} v${input.version}`));
    rows = spec.split === 'held-out' ? splitRows(all, spec.heldOutFraction).heldOut : all;
    const adapter = adapterBytes ? adapterFromBytes(adapterBytes) : null;
    io.log?.('info', `evaluating ${adapter ? 'the adapter' : 'the base model'} on ${rows.length} ${spec.split} rows of ${all.length}`);
    result = evaluate({ baseModel: spec.baseModel, adapter, rows });
  } catch (error) {
    throw trainerFailure(error);
  }
  io.progress({ attemptId: assignment.attemptId, step: 1, totalSteps: 1, tokens: result.tokens, loss: result.loss, learningRate: null, flops: result.flops, etaMs: 0 });
  const metrics = { loss: result.loss, perplexity: result.perplexity, tokenAccuracy: result.tokenAccuracy, uniformLoss: uniformLoss(VOCAB_SIZE) };
  const report = Buffer.from(
    `${JSON.stringify({ format: 'potluck-eval-report/1', jobId: assignment.jobId, spec, adapterSha256: assignment.adapter?.sha256 ?? null, dataset: { datasetId: input.datasetId, version: input.version, sha256: input.sha256 }, rows: result.rows, tokens: result.tokens, positions: result.positions, metrics, flops: result.flops, formulaFlops: result.formulaFlops })}\n`,
    'utf8',
  );
  const uploaded = await io.upload(assignment.uploadPath, report);
  const reportSha256 = createHash('sha256').update(report).digest('hex');
  if (uploaded.sha256 !== reportSha256) throw new RunFailure('UPLOAD_CORRUPT', 'the coordinator stored different report bytes', true);
  return {
    kind: 'eval',
    split: spec.split,
    adapterSha256: assignment.adapter?.sha256 ?? null,
    loss: result.loss,
    perplexity: result.perplexity,
    uniformLoss: metrics.uniformLoss,
    tokenAccuracy: result.tokenAccuracy,
    rows: result.rows,
    tokens: result.tokens,
    flops: result.flops,
    formulaFlops: result.formulaFlops,
    reportSha256,
    reportBytes: report.length,
    durationMs: Date.now() - started,
  };
}

/** Applies a libs/datasets transform to the input version, line by line, and uploads the output JSONL. */
export async function runBuiltinDatasetJob(assignment: JobAssignment & { spec: DatasetJobSpec }, io: RunnerIo): Promise<DatasetResult> {
  const started = Date.now();
  const [input] = assignment.inputs;
  if (!input) throw new RunFailure('INVALID_SPEC', 'a dataset job needs one input', false);
  const bytes = await fetchChecked(input.path, input.sha256, `dataset ${input.datasetId} v${input.version}`, io);
  let transform: JsonlTransform;
  const out: string[] = [];
  try {
    transform = new JsonlTransform(assignment.spec.transform);
    const lines = Buffer.from(bytes).toString('utf8').split('\n');
    for (const [index, line] of lines.entries()) {
      if (index === lines.length - 1 && line === '') break;
      out.push(...transform.pushLine(line));
      if (transform.failed) break;
      if (index % 1000 === 999 && io.shouldStop()) throw new RunFailure('CANCELLED', 'the run was stopped', false);
    }
    out.push(...transform.finish());
  } catch (error) {
    if (error instanceof RunFailure) throw error;
    const code = (error as { code?: unknown }).code;
    throw new RunFailure(typeof code === 'string' ? code.toUpperCase() : 'TRANSFORM_FAILED', (error as Error).message, false);
  }
  if (transform.errors.length > 0) {
    const first = transform.errors[0];
    throw new RunFailure('INVALID_DATASET', `line ${first?.line ?? '?'}: ${first?.message ?? 'invalid row'}`, false);
  }
  const stats = transform.stats();
  if (stats.rowsOut === 0) throw new RunFailure('EMPTY_OUTPUT', `the ${assignment.spec.transform.operation} left no rows (of ${stats.rowsIn})`, false);
  io.log?.('info', `${assignment.spec.transform.operation}: ${stats.rowsIn} rows in, ${stats.rowsOut} out`);
  const output = Buffer.from(`${out.join('\n')}\n`, 'utf8');
  io.progress({ attemptId: assignment.attemptId, step: 1, totalSteps: 1, tokens: 0, loss: null, learningRate: null, flops: 0, etaMs: 0 });
  const uploaded = await io.upload(assignment.uploadPath, output);
  const outputSha256 = createHash('sha256').update(output).digest('hex');
  if (uploaded.sha256 !== outputSha256) throw new RunFailure('UPLOAD_CORRUPT', 'the coordinator stored different output bytes', true);
  const reasons: Record<string, number> = {};
  for (const [reason, count] of Object.entries(stats.reasons)) if (count !== undefined) reasons[reason] = count;
  return { kind: 'dataset', outputSha256, outputBytes: output.length, rowsIn: stats.rowsIn, rowsOut: stats.rowsOut, dropped: stats.dropped, reasons, durationMs: Date.now() - started };
}
