/**
 * A fine-tune as a state machine: create it (fresh or from a checkpoint), run steps,
 * take checkpoints, read the adapter. Synchronous and deterministic: the same spec,
 * rows and starting checkpoint give the same bits on every machine.
 */
import type { Adapter } from './adapter.js';
import { type TrainerCheckpoint, CHECKPOINT_FORMAT, parseCheckpoint } from './checkpoint.js';
import { decodeTensor, encodeTensor } from './codec.js';
import { parseRows, windowsOfRows } from './data.js';
import { TrainerError } from './errors.js';
import { type FlopCount, creditFormulaFlops, flopCount } from './flops.js';
import { canonicalJson, sha256Hex, sha256OfValues } from './hash.js';
import { baseWeights } from './base-weights.js';
import type { MacCounter } from './kernels.js';
import { type ModelEntry, findModel } from './models.js';
import { type AdapterLayout, type Network, type TrainedTensorSpec, buildNetwork, trainedTensorLayout } from './network.js';
import { adamWStep, clipGradients } from './optimizer.js';
import { Prng, permutation } from './prng.js';
import type { DatasetRow } from './rows.js';
import { learningRateAt } from './schedule.js';
import { type TrainerSpec, type TrainerSpecInput, TrainerSpecSchema, resultDefiningSpec } from './spec.js';
import { splitRows } from './split.js';
import { type Tensor, cloneTensor, tensorNamed, zeros } from './tensor.js';
import { backwardWindow, forwardWindow } from './transformer.js';
import type { Window } from './windows.js';
import { type Workspace, createWorkspace } from './workspace.js';

/** What one optimiser step reports. */
export interface StepReport {
  /** Steps completed, 1-based after the first. */
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  /** Positions processed so far (the T of the credit formula). */
  readonly tokens: number;
  /** Mean loss (nats per scored token) of this step's batch. */
  readonly loss: number;
  readonly learningRate: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Exact FLOPs so far (see flops.ts). */
  readonly flops: number;
  /** The CREDITS.md estimate for the same tokens (4·N·T, or 6·N·T for full). */
  readonly formulaFlops: number;
}

export interface SessionInput {
  readonly spec: TrainerSpecInput;
  readonly rows: readonly unknown[];
  readonly checkpoint?: TrainerCheckpoint | undefined;
}

const RECENT_LOSSES = 10;

/** Parses the spec or throws `invalid_spec`. */
export function parseSpec(input: TrainerSpecInput): TrainerSpec {
  const parsed = TrainerSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new TrainerError('invalid_spec', `invalid trainer spec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The registry entry of `id`, or `unknown_model`. */
export function requireModel(id: string): ModelEntry {
  const model = findModel(id);
  if (model === undefined) throw new TrainerError('unknown_model', `base model ${id} is not in the registry`);
  return model;
}

/** The adapter layout a spec asks for. */
export function layoutOf(spec: TrainerSpec): AdapterLayout {
  return { method: spec.method, rank: spec.rank, alpha: spec.alpha, targets: spec.method === 'full' ? [] : spec.targets, headBias: spec.headBias };
}

function initialTensors(model: ModelEntry, specs: readonly TrainedTensorSpec[], seed: number): Tensor[] {
  const prng = Prng.fromLabel(`potluck-trainer-init:${seed}`);
  const base = baseWeights(model);
  return specs.map((spec) => {
    if (spec.init === 'base') return cloneTensor(tensorNamed(base, spec.name));
    const tensor = zeros(spec.name, spec.shape);
    if (spec.init === 'lora_a') {
      const bound = 1 / Math.sqrt(spec.shape[1]!);
      for (let i = 0; i < tensor.data.length; i += 1) tensor.data[i] = prng.nextSymmetric(bound);
    }
    return tensor;
  });
}

export class TrainingSession {
  readonly spec: TrainerSpec;
  readonly model: ModelEntry;
  readonly layout: AdapterLayout;
  readonly totalSteps: number;
  readonly trainRows: readonly DatasetRow[];
  readonly heldOutRows: readonly DatasetRow[];
  readonly trainWindows: readonly Window[];
  private readonly specHash: string;
  private readonly dataHash: string;
  private readonly params: Tensor[];
  private readonly grads: Tensor[];
  private readonly m: Tensor[];
  private readonly v: Tensor[];
  private readonly decay: boolean[];
  private readonly net: Network;
  private readonly ws: Workspace;
  private readonly macs: { forward: MacCounter; backward: MacCounter };
  private stepsDone = 0;
  private tokensDone = 0;
  private epoch = 0;
  private index = 0;
  private order: Uint32Array;
  private firstLoss: number | null = null;
  private recentLosses: number[] = [];

  constructor(input: SessionInput) {
    this.spec = parseSpec(input.spec);
    this.model = requireModel(this.spec.baseModel);
    this.layout = layoutOf(this.spec);
    const rows = parseRows(input.rows);
    const split = splitRows(rows, this.spec.heldOutFraction, this.spec.splitSalt);
    this.trainRows = split.train;
    this.heldOutRows = split.heldOut;
    this.trainWindows = windowsOfRows(split.train, this.spec.lossOn, this.model.contextLength);
    if (this.trainWindows.length === 0) throw new TrainerError('empty_dataset', 'no training row has a scored token');
    this.totalSteps = this.spec.steps ?? Math.max(1, Math.ceil((this.spec.epochs * this.trainWindows.length) / this.spec.batchSize));
    this.specHash = sha256Hex(canonicalJson(resultDefiningSpec(this.spec)));
    this.dataHash = sha256OfValues(rows);

    const specs = trainedTensorLayout(this.model.architecture, this.layout);
    this.decay = specs.map((s) => s.decay);
    this.grads = specs.map((s) => zeros(s.name, s.shape));
    this.macs = { forward: { macs: 0 }, backward: { macs: 0 } };
    if (input.checkpoint === undefined) {
      this.params = initialTensors(this.model, specs, this.spec.seed);
      this.m = specs.map((s) => zeros(s.name, s.shape));
      this.v = specs.map((s) => zeros(s.name, s.shape));
    } else {
      const cp = parseCheckpoint(input.checkpoint);
      this.checkCompatible(cp);
      const restore = (encoded: TrainerCheckpoint['params']): Tensor[] =>
        specs.map((s, i) => {
          const tensor = encoded[i] === undefined ? null : decodeTensor(encoded[i]);
          if (tensor === null || tensor.name !== s.name || tensor.shape.join('x') !== s.shape.join('x')) {
            throw new TrainerError('invalid_checkpoint', `checkpoint tensor ${i} does not match ${s.name}`);
          }
          return tensor;
        });
      this.params = restore(cp.params);
      this.m = restore(cp.m);
      this.v = restore(cp.v);
      this.stepsDone = cp.step;
      this.tokensDone = cp.tokens;
      this.macs.forward.macs = cp.macs.forward;
      this.macs.backward.macs = cp.macs.backward;
      this.epoch = cp.cursor.epoch;
      this.index = cp.cursor.index;
      this.firstLoss = cp.losses.first;
      this.recentLosses = [...cp.losses.recent];
    }
    this.order = this.orderOf(this.epoch);
    if (this.index > this.order.length) throw new TrainerError('invalid_checkpoint', 'checkpoint cursor is past the end of its epoch');
    this.net = buildNetwork(this.model.architecture, baseWeights(this.model), this.layout, this.params, this.grads);
    this.ws = createWorkspace(this.net);
  }

  private checkCompatible(cp: TrainerCheckpoint): void {
    if (cp.format !== CHECKPOINT_FORMAT || cp.baseModel !== this.model.id) {
      throw new TrainerError('checkpoint_mismatch', `checkpoint is for ${cp.baseModel}, the spec asks for ${this.model.id}`);
    }
    if (cp.specHash !== this.specHash) throw new TrainerError('checkpoint_mismatch', 'checkpoint was taken with a different spec');
    if (cp.dataHash !== this.dataHash) throw new TrainerError('checkpoint_mismatch', 'checkpoint was taken on different rows');
    if (cp.totalSteps !== this.totalSteps || cp.step > cp.totalSteps) throw new TrainerError('checkpoint_mismatch', 'checkpoint step count does not match the spec');
  }

  private orderOf(epoch: number): Uint32Array {
    return permutation(Prng.fromLabel(`potluck-trainer-data:${this.spec.seed}:${epoch}`), this.trainWindows.length);
  }

  get step(): number {
    return this.stepsDone;
  }

  get tokens(): number {
    return this.tokensDone;
  }

  get done(): boolean {
    return this.stepsDone >= this.totalSteps;
  }

  get flops(): FlopCount {
    return flopCount(this.macs.forward.macs, this.macs.backward.macs);
  }

  /** The CREDITS.md estimate for the tokens so far. */
  get formulaFlops(): number {
    return creditFormulaFlops(this.spec.method, this.model.parameters, this.tokensDone);
  }

  get losses(): { first: number | null; recent: readonly number[] } {
    return { first: this.firstLoss, recent: this.recentLosses };
  }

  private nextBatch(): Window[] {
    const batch: Window[] = [];
    while (batch.length < this.spec.batchSize) {
      if (this.index >= this.order.length) {
        this.epoch += 1;
        this.index = 0;
        this.order = this.orderOf(this.epoch);
      }
      batch.push(this.trainWindows[this.order[this.index]!]!);
      this.index += 1;
    }
    return batch;
  }

  /** Runs one optimiser step. */
  runStep(): StepReport {
    if (this.done) throw new Error('the fine-tune has already run all its steps');
    for (const g of this.grads) g.data.fill(0);
    const batch = this.nextBatch();
    const scored = batch.reduce((n, w) => n + w.scored, 0);
    const gradScale = 1 / scored;
    let lossSum = 0;
    let positions = 0;
    for (const window of batch) {
      lossSum += forwardWindow(this.net, this.ws, window, gradScale, this.macs.forward);
      backwardWindow(this.net, this.ws, window, this.macs.backward);
      positions += window.inputs.length;
    }
    const loss = lossSum / scored;
    const gradNorm = clipGradients(this.grads, this.spec.maxGradNorm);
    const learningRate = learningRateAt(this.spec, this.stepsDone, this.totalSteps);
    adamWStep(this.params, this.grads, this.m, this.v, this.decay, this.spec, learningRate, this.stepsDone + 1);
    this.stepsDone += 1;
    this.tokensDone += positions;
    this.firstLoss ??= loss;
    this.recentLosses = [...this.recentLosses, loss].slice(-RECENT_LOSSES);
    return {
      step: this.stepsDone,
      totalSteps: this.totalSteps,
      epoch: this.epoch,
      tokens: this.tokensDone,
      loss,
      learningRate,
      gradNorm,
      flops: this.flops.total,
      formulaFlops: this.formulaFlops,
    };
  }

  /** A checkpoint of the state after the last completed step. */
  checkpoint(): TrainerCheckpoint {
    return {
      format: CHECKPOINT_FORMAT,
      baseModel: this.model.id,
      specHash: this.specHash,
      dataHash: this.dataHash,
      step: this.stepsDone,
      totalSteps: this.totalSteps,
      tokens: this.tokensDone,
      macs: { forward: this.macs.forward.macs, backward: this.macs.backward.macs },
      cursor: { epoch: this.epoch, index: this.index },
      losses: { first: this.firstLoss, recent: [...this.recentLosses] },
      params: this.params.map(encodeTensor),
      m: this.m.map(encodeTensor),
      v: this.v.map(encodeTensor),
    };
  }

  /** The adapter as trained so far (a copy). */
  adapter(): Adapter {
    return { baseModel: this.model.id, layout: this.layout, tensors: this.params.map(cloneTensor) };
  }
}
