#!/usr/bin/env node
/**
 * A reference command for Potluck's `process` runtime (docs/process-runtime.md), with no
 * dependencies: a byte-level bigram model (a 256 × 256 table of logits that starts uniform)
 * fine-tuned with AdamW, deterministic for a given seed, with checkpoints and resumption,
 * and evaluated with loss, perplexity and token accuracy. Base model id: potluck-toy-bigram-v1.
 *
 *   node toy-trainer.mjs JOB_FILE        (the agent appends the job file's path; POTLUCK_JOB_FILE too)
 *
 * It reads the job file, writes its output into `outputDir` and its checkpoints into
 * `checkpointDir`, and reports on stdout, one JSON object per line.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MODEL = 'potluck-toy-bigram-v1';
const V = 256;
const UNIFORM_LOSS = Math.log(V);
/** Floating-point operations per scored byte pair: logits read, softmax (exp, sum, divide) and the gradient row. */
const FLOPS_PER_PAIR_FORWARD = 4 * V;
const FLOPS_PER_PAIR_TRAIN = 8 * V;

const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const log = (message, level = 'info') => emit({ type: 'log', level, message });

/** Ends the run with an error event no retry fixes (`retryable: false`) or one another attempt may get past. */
function fail(code, message, retryable = false) {
  emit({ type: 'error', code, message, retryable });
  process.exit(1);
}

const jobPath = process.argv.at(-1) ?? process.env.POTLUCK_JOB_FILE;
const job = JSON.parse(readFileSync(jobPath, 'utf8'));
if (job.format !== 'potluck-process-job/1') fail('UNSUPPORTED_JOB_FILE', `unknown job file format ${job.format}`);
const { spec } = job;
log(`toy-trainer pid ${process.pid}: ${spec.kind} job ${job.jobId}, attempt ${job.attemptNo}`);
if (spec.kind === 'dataset') fail('UNSUPPORTED_KIND', 'toy-trainer runs fine-tune and eval jobs only');
if (spec.baseModel !== MODEL) fail('UNSUPPORTED_MODEL', `toy-trainer runs ${MODEL}, not ${spec.baseModel}`);

/** A row's text in the dataset's form (chat, instruction or plain text), as bytes. */
function bytesOf(row) {
  if (typeof row.text === 'string') return Buffer.from(row.text, 'utf8');
  if (typeof row.prompt === 'string') return Buffer.from(`${row.prompt}\n${row.completion ?? ''}`, 'utf8');
  if (Array.isArray(row.messages)) return Buffer.from(row.messages.map((m) => `${m.role}: ${m.content}\n`).join(''), 'utf8');
  fail('INVALID_DATASET', 'a row has no text, prompt or messages');
}

/** Rows of every dataset file (already sha256-checked by the agent), each with its held-out share from a hash of its line. */
function readRows(paths) {
  const rows = [];
  for (const path of paths) {
    for (const [index, line] of readFileSync(path, 'utf8').split('\n').entries()) {
      if (line.trim() === '') continue;
      let row;
      try {
        row = JSON.parse(line);
      } catch {
        fail('INVALID_DATASET', `${path}: line ${index + 1} is not JSON`);
      }
      const bytes = bytesOf(row);
      if (bytes.length < 2) continue;
      rows.push({ bytes, share: createHash('sha256').update(line).digest().readUInt32BE(0) / 2 ** 32 });
    }
  }
  return rows;
}

/** mulberry32: a small deterministic PRNG whose whole state is one 32-bit number (saved in checkpoints). */
function prng(state) {
  return {
    get state() {
      return state;
    },
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** softmax of row `a` of the table into `p`; returns the index of the largest logit (ties: the lowest). */
function softmaxRow(table, a, p) {
  let max = -Infinity;
  let argmax = 0;
  for (let j = 0; j < V; j += 1) {
    const z = table[a * V + j];
    if (z > max) {
      max = z;
      argmax = j;
    }
  }
  let sum = 0;
  for (let j = 0; j < V; j += 1) {
    p[j] = Math.exp(table[a * V + j] - max);
    sum += p[j];
  }
  for (let j = 0; j < V; j += 1) p[j] /= sum;
  return argmax;
}

/** Loss (nats per scored pair), token accuracy and counts of the table on rows. */
function score(table, rows) {
  const p = new Float64Array(V);
  let loss = 0;
  let hits = 0;
  let tokens = 0;
  for (const { bytes } of rows) {
    for (let i = 0; i + 1 < bytes.length; i += 1) {
      const argmax = softmaxRow(table, bytes[i], p);
      loss -= Math.log(p[bytes[i + 1]]);
      if (argmax === bytes[i + 1]) hits += 1;
      tokens += 1;
    }
  }
  if (tokens === 0) fail('EMPTY_DATASET', 'no row has two bytes to score');
  return { loss: loss / tokens, tokenAccuracy: hits / tokens, tokens, rows: rows.length, flops: FLOPS_PER_PAIR_FORWARD * tokens };
}

function split(rows, fraction) {
  return { train: rows.filter((row) => row.share >= fraction), heldOut: rows.filter((row) => row.share < fraction) };
}

/** Writes a file atomically (a reader never sees half of it). */
function writeAtomically(path, text) {
  writeFileSync(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
}

function fineTune() {
  const h = spec.hyperparameters;
  const { train, heldOut } = split(readRows(job.datasets.map((d) => d.path)), spec.heldOutFraction);
  if (train.length === 0 || heldOut.length === 0) fail('NO_HELD_OUT', `the dataset is too small to split (${train.length} train, ${heldOut.length} held-out rows)`);
  let state = { step: 0, tokens: 0, rng: spec.seed >>> 0, table: new Array(V * V).fill(0), m: new Array(V * V).fill(0), v: new Array(V * V).fill(0), trainLossFirst: null, trainLossLast: null };
  if (job.resumeFrom) {
    state = JSON.parse(readFileSync(job.resumeFrom.path, 'utf8'));
    if (state.format !== 'toy-bigram-checkpoint/1') fail('INVALID_CHECKPOINT', 'not a toy-bigram checkpoint');
    log(`resuming from step ${state.step}`);
  }
  const table = Float64Array.from(state.table);
  const m = Float64Array.from(state.m);
  const v = Float64Array.from(state.v);
  const random = prng(state.rng);
  const grad = new Float64Array(V * V);
  const touched = new Uint8Array(V);
  const p = new Float64Array(V);
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  let { step, tokens, trainLossFirst, trainLossLast } = state;
  while (step < h.steps) {
    step += 1;
    grad.fill(0);
    touched.fill(0);
    let loss = 0;
    let pairs = 0;
    for (let b = 0; b < h.batchSize; b += 1) {
      const { bytes } = train[Math.floor(random.next() * train.length)];
      for (let i = 0; i + 1 < bytes.length; i += 1) {
        const a = bytes[i];
        softmaxRow(table, a, p);
        loss -= Math.log(p[bytes[i + 1]]);
        p[bytes[i + 1]] -= 1;
        for (let j = 0; j < V; j += 1) grad[a * V + j] += p[j];
        touched[a] = 1;
        pairs += 1;
      }
    }
    loss /= pairs;
    tokens += pairs;
    trainLossFirst ??= loss;
    trainLossLast = loss;
    const warmup = h.warmupSteps > 0 ? Math.min(1, step / h.warmupSteps) : 1;
    const lr = h.learningRate * warmup;
    for (let a = 0; a < V; a += 1) {
      if (!touched[a]) continue; // rows no pair used this step keep their moments (a sparse AdamW)
      for (let j = 0; j < V; j += 1) {
        const k = a * V + j;
        const g = grad[k] / pairs;
        m[k] = beta1 * m[k] + (1 - beta1) * g;
        v[k] = beta2 * v[k] + (1 - beta2) * g * g;
        const mHat = m[k] / (1 - beta1 ** step);
        const vHat = v[k] / (1 - beta2 ** step);
        table[k] -= lr * (mHat / (Math.sqrt(vHat) + eps) + h.weightDecay * table[k]);
      }
    }
    emit({ type: 'progress', step, totalSteps: h.steps, tokens, loss, learningRate: lr, flops: FLOPS_PER_PAIR_TRAIN * tokens });
    if (step % spec.checkpointEvery === 0 && step < h.steps) {
      const file = `step-${step}.json`;
      const checkpoint = { format: 'toy-bigram-checkpoint/1', step, tokens, rng: random.state, table: [...table], m: [...m], v: [...v], trainLossFirst, trainLossLast };
      writeAtomically(join(job.checkpointDir, file), JSON.stringify(checkpoint));
      emit({ type: 'checkpoint', file, step, tokens });
    }
  }
  const adapter = { format: 'toy-bigram-adapter/1', baseModel: MODEL, steps: step, table: [...table] };
  writeAtomically(join(job.outputDir, 'adapter.json'), JSON.stringify(adapter));
  const tuned = score(table, heldOut);
  const base = score(new Float64Array(V * V), heldOut);
  log(`held-out loss ${tuned.loss.toFixed(3)} (base ${base.loss.toFixed(3)}), token accuracy ${(100 * tuned.tokenAccuracy).toFixed(1)} %`);
  emit({
    type: 'result',
    output: 'adapter.json',
    metrics: { steps: step, tokens, flops: FLOPS_PER_PAIR_TRAIN * tokens, trainLossFirst, trainLossLast, heldOutLoss: tuned.loss, baseHeldOutLoss: base.loss, uniformLoss: UNIFORM_LOSS },
  });
}

function evaluate() {
  const rows = readRows(job.datasets.map((d) => d.path));
  const scored = spec.split === 'held-out' ? split(rows, spec.heldOutFraction).heldOut : rows;
  let table = new Float64Array(V * V);
  if (job.adapter) {
    const adapter = JSON.parse(readFileSync(job.adapter.path, 'utf8'));
    if (adapter.format !== 'toy-bigram-adapter/1' || adapter.baseModel !== MODEL) fail('ADAPTER_MISMATCH', 'the adapter is not a toy-bigram adapter');
    table = Float64Array.from(adapter.table);
  }
  log(`evaluating ${job.adapter ? 'the adapter' : 'the base model'} on ${scored.length} ${spec.split} rows of ${rows.length}`);
  const result = score(table, scored);
  emit({ type: 'progress', step: 1, totalSteps: 1, tokens: result.tokens, loss: result.loss, flops: result.flops });
  const metrics = { loss: result.loss, perplexity: Math.exp(result.loss), uniformLoss: UNIFORM_LOSS, tokenAccuracy: result.tokenAccuracy, rows: result.rows, tokens: result.tokens, flops: result.flops };
  const report = { format: 'potluck-eval-report/1', jobId: job.jobId, spec, adapterSha256: job.adapter?.sha256 ?? null, datasets: job.datasets.map(({ datasetId, version, sha256 }) => ({ datasetId, version, sha256 })), metrics };
  writeAtomically(join(job.outputDir, 'report.json'), `${JSON.stringify(report)}\n`);
  emit({ type: 'result', output: 'report.json', metrics });
}

if (spec.kind === 'fine-tune') fineTune();
else evaluate();
