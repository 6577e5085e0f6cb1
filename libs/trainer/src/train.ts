/**
 * `train`: the loop the builtin runtime runs. Steps a `TrainingSession`, reports
 * progress, hands out checkpoints, polls for cancellation between steps (yielding to
 * the event loop so a socket can deliver the cancel), and finishes with the adapter,
 * its bytes and sha256, and the held-out losses of the adapter, the base and a
 * uniform guess.
 */
import { type Adapter, adapterToBytes } from './adapter.js';
import type { TrainerCheckpoint } from './checkpoint.js';
import { windowsOfRows } from './data.js';
import { type EvalResult, evaluate, uniformLoss } from './evaluate.js';
import type { FlopCount } from './flops.js';
import { sha256Hex } from './hash.js';
import { type SessionInput, type StepReport, TrainingSession } from './session.js';
import type { TrainerSpec } from './spec.js';

export type TrainProgress = StepReport;

export interface TrainOptions extends SessionInput {
  /** Steps between checkpoints; overrides `spec.checkpointEvery` (0: none). */
  readonly checkpointEvery?: number | undefined;
  readonly onProgress?: ((progress: TrainProgress) => void) | undefined;
  /** Awaited before training continues, so an upload can finish first. */
  readonly onCheckpoint?: ((checkpoint: TrainerCheckpoint) => void | Promise<void>) | undefined;
  /** Polled before every step; true stops the run with a checkpoint. */
  readonly shouldStop?: (() => boolean) | undefined;
  /** Yield to the event loop between steps (default true). */
  readonly yieldBetweenSteps?: boolean | undefined;
}

/** Held-out losses in nats per scored token. */
export interface HeldOutReport {
  readonly rows: number;
  readonly adapter: EvalResult;
  readonly base: EvalResult;
  /** ln V: what guessing uniformly over the vocabulary scores. */
  readonly uniform: number;
}

interface RunTotals {
  readonly spec: TrainerSpec;
  readonly steps: number;
  readonly totalSteps: number;
  readonly tokens: number;
  readonly flops: FlopCount;
  readonly formulaFlops: number;
  /** Base parameter count N. */
  readonly parameters: number;
}

export interface TrainCompleted extends RunTotals {
  readonly status: 'completed';
  readonly adapter: Adapter;
  readonly adapterBytes: Uint8Array;
  readonly adapterSha256: string;
  readonly trainRows: number;
  readonly trainWindows: number;
  /** Loss of the first step, of the last step, and the mean of the last ten steps. */
  readonly trainLoss: { readonly first: number | null; readonly last: number | null; readonly recentMean: number | null };
  /** Null when no held-out row has a scored token. */
  readonly heldOut: HeldOutReport | null;
}

export interface TrainStopped extends RunTotals {
  readonly status: 'stopped';
  /** Resume from this to finish the same run. */
  readonly checkpoint: TrainerCheckpoint;
}

export type TrainResult = TrainCompleted | TrainStopped;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function heldOutReport(session: TrainingSession, adapter: Adapter): HeldOutReport | null {
  const rows = session.heldOutRows;
  const lossOn = session.spec.lossOn;
  if (windowsOfRows(rows, lossOn, session.model.contextLength).length === 0) return null;
  return {
    rows: rows.length,
    adapter: evaluate({ adapter, rows, lossOn }),
    base: evaluate({ baseModel: session.model.id, rows, lossOn }),
    uniform: uniformLoss(session.model.architecture.vocabSize),
  };
}

/** Runs (or resumes) a fine-tune to the end or until `shouldStop` says so. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const session = new TrainingSession(options);
  const every = options.checkpointEvery ?? session.spec.checkpointEvery;
  const pause = options.yieldBetweenSteps ?? true;
  let stopped = false;
  while (!session.done) {
    if (options.shouldStop?.() === true) {
      stopped = true;
      break;
    }
    const report = session.runStep();
    options.onProgress?.(report);
    if (every > 0 && report.step % every === 0 && !session.done) await options.onCheckpoint?.(session.checkpoint());
    if (pause) await yieldToEventLoop();
  }
  const totals: RunTotals = {
    spec: session.spec,
    steps: session.step,
    totalSteps: session.totalSteps,
    tokens: session.tokens,
    flops: session.flops,
    formulaFlops: session.formulaFlops,
    parameters: session.model.parameters,
  };
  if (stopped) return { status: 'stopped', ...totals, checkpoint: session.checkpoint() };
  const adapter = session.adapter();
  const adapterBytes = adapterToBytes(adapter);
  const { first, recent } = session.losses;
  return {
    status: 'completed',
    ...totals,
    adapter,
    adapterBytes,
    adapterSha256: sha256Hex(adapterBytes),
    trainRows: session.trainRows.length,
    trainWindows: session.trainWindows.length,
    trainLoss: {
      first,
      last: recent[recent.length - 1] ?? null,
      recentMean: recent.length === 0 ? null : recent.reduce((a, b) => a + b, 0) / recent.length,
    },
    heldOut: heldOutReport(session, adapter),
  };
}
