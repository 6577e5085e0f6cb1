/**
 * Held-out evaluation: mean loss per scored token (nats), perplexity, token accuracy
 * (argmax next-token predictions that are right), and the exact forward FLOPs, for the base model alone or with an adapter.
 */
import { type Adapter, assertAdapterShape } from './adapter.js';
import { baseWeights } from './base-weights.js';
import { parseRows, windowsOfRows } from './data.js';
import { detExp, detLog } from './det-math.js';
import { TrainerError } from './errors.js';
import { creditFormulaFlops } from './flops.js';
import { findModel } from './models.js';
import { type AdapterLayout, buildNetwork } from './network.js';
import type { LossOn } from './rows.js';
import { forwardWindow } from './transformer.js';
import { createWorkspace } from './workspace.js';

export interface EvaluateOptions {
  /** Base model id; optional when an adapter is given (it names its base). */
  readonly baseModel?: string | undefined;
  /** The adapter to apply; absent or null evaluates the frozen base model. */
  readonly adapter?: Adapter | null | undefined;
  readonly rows: readonly unknown[];
  readonly lossOn?: LossOn | undefined;
}

export interface EvalResult {
  /** Mean loss in nats per scored token. */
  readonly loss: number;
  /** e^loss. */
  readonly perplexity: number;
  /** Share of scored tokens whose argmax prediction (ties: the lowest token id) is the actual next token. */
  readonly tokenAccuracy: number;
  /** Scored tokens (the denominator of `loss`). */
  readonly tokens: number;
  /** Positions run through the model (the T of the credit formula). */
  readonly positions: number;
  readonly rows: number;
  /** Exact forward FLOPs. */
  readonly flops: number;
  /** 2·N·positions, the CREDITS.md estimate. */
  readonly formulaFlops: number;
}

const NO_ADAPTER: AdapterLayout = { method: 'lora', rank: 0, alpha: 0, targets: [], headBias: false };

/** Loss of a uniform guess over the vocabulary: ln V nats per token. */
export function uniformLoss(vocabSize: number): number {
  return detLog(vocabSize);
}

/** Evaluates the base model, or base + adapter, on rows. */
export function evaluate(options: EvaluateOptions): EvalResult {
  const adapter = options.adapter ?? null;
  const modelId = options.baseModel ?? adapter?.baseModel;
  if (modelId === undefined) throw new TrainerError('unknown_model', 'evaluate needs a base model or an adapter');
  if (adapter !== null && adapter.baseModel !== modelId) {
    throw new TrainerError('adapter_mismatch', `adapter was trained on ${adapter.baseModel}, not ${modelId}`);
  }
  const model = findModel(modelId);
  if (model === undefined) throw new TrainerError('unknown_model', `base model ${modelId} is not in the registry`);
  if (adapter !== null) assertAdapterShape(adapter);
  const rows = parseRows(options.rows);
  const windows = windowsOfRows(rows, options.lossOn ?? 'completion', model.contextLength);
  if (windows.length === 0) throw new TrainerError('empty_dataset', 'no evaluation row has a scored token');

  const net = buildNetwork(model.architecture, baseWeights(model), adapter?.layout ?? NO_ADAPTER, adapter?.tensors ?? [], null);
  const ws = createWorkspace(net);
  const counter = { macs: 0 };
  const hits = { hits: 0 };
  let lossSum = 0;
  let tokens = 0;
  let positions = 0;
  for (const window of windows) {
    lossSum += forwardWindow(net, ws, window, null, counter, hits);
    tokens += window.scored;
    positions += window.inputs.length;
  }
  const loss = lossSum / tokens;
  return {
    loss,
    perplexity: detExp(loss),
    tokenAccuracy: hits.hits / tokens,
    tokens,
    positions,
    rows: rows.length,
    flops: 2 * counter.macs,
    formulaFlops: creditFormulaFlops('eval', model.parameters, positions),
  };
}
