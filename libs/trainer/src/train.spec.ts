import { describe, expect, it } from 'vitest';
import { adapterFromBytes, adapterToBytes } from './adapter.js';
import { type TrainerCheckpoint, parseCheckpoint } from './checkpoint.js';
import { TrainerError } from './errors.js';
import { evaluate } from './evaluate.js';
import { TrainingSession } from './session.js';
import type { TrainerSpecInput } from './spec.js';
import { sampleChatRows } from './sample-data.js';
import { type TrainCompleted, type TrainResult, train } from './train.js';

const ROWS = sampleChatRows(120);
const SMALL: TrainerSpecInput = { steps: 24, batchSize: 4, checkpointEvery: 8, seed: 7 };

function completed(result: TrainResult): TrainCompleted {
  if (result.status !== 'completed') throw new Error(`run ${result.status}`);
  return result;
}

/** A JSON round trip, as a checkpoint travels to another machine. */
function overTheWire(checkpoint: TrainerCheckpoint): TrainerCheckpoint {
  return parseCheckpoint(JSON.parse(JSON.stringify(checkpoint)));
}

describe('determinism', () => {
  it('gives the same adapter bytes for the same seed and different ones for another seed', async () => {
    const a = completed(await train({ spec: SMALL, rows: ROWS }));
    const b = completed(await train({ spec: SMALL, rows: ROWS }));
    const c = completed(await train({ spec: { ...SMALL, seed: 8 }, rows: ROWS }));
    expect(b.adapterSha256).toBe(a.adapterSha256);
    expect(Buffer.from(b.adapterBytes).equals(Buffer.from(a.adapterBytes))).toBe(true);
    expect(c.adapterSha256).not.toBe(a.adapterSha256);
    expect(a.heldOut?.adapter.loss).toBe(b.heldOut?.adapter.loss);
  });

  it('does not depend on the checkpoint interval', async () => {
    const a = completed(await train({ spec: SMALL, rows: ROWS }));
    const b = completed(await train({ spec: { ...SMALL, checkpointEvery: 0 }, rows: ROWS }));
    expect(b.adapterSha256).toBe(a.adapterSha256);
  });
});

describe('resumption', () => {
  it('resumed from any checkpoint (through JSON) ends with the bytes of an uninterrupted run', async () => {
    const checkpoints: TrainerCheckpoint[] = [];
    const steps: number[] = [];
    const uninterrupted = completed(
      await train({ spec: SMALL, rows: ROWS, onCheckpoint: (cp) => void checkpoints.push(cp), onProgress: (p) => void steps.push(p.step) }),
    );
    expect(checkpoints.map((cp) => cp.step)).toEqual([8, 16]);
    expect(steps).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    for (const checkpoint of checkpoints) {
      const resumedSteps: number[] = [];
      const resumed = completed(
        await train({ spec: SMALL, rows: ROWS, checkpoint: overTheWire(checkpoint), onProgress: (p) => void resumedSteps.push(p.step) }),
      );
      expect(resumedSteps[0]).toBe(checkpoint.step + 1);
      expect(resumed.adapterSha256).toBe(uninterrupted.adapterSha256);
      expect(resumed.tokens).toBe(uninterrupted.tokens);
      expect(resumed.flops).toEqual(uninterrupted.flops);
      expect(resumed.trainLoss).toEqual(uninterrupted.trainLoss);
    }
  });

  it('a stopped run hands back a checkpoint that finishes the same run', async () => {
    let polls = 0;
    const stopped = await train({ spec: SMALL, rows: ROWS, shouldStop: () => ++polls > 11 });
    expect(stopped.status).toBe('stopped');
    if (stopped.status !== 'stopped') return;
    expect(stopped.steps).toBe(11);
    const finished = completed(await train({ spec: SMALL, rows: ROWS, checkpoint: overTheWire(stopped.checkpoint) }));
    const uninterrupted = completed(await train({ spec: SMALL, rows: ROWS }));
    expect(finished.adapterSha256).toBe(uninterrupted.adapterSha256);
  });

  it('yields to the event loop between steps, so a cancel set by a callback is seen at once', async () => {
    let stop = false;
    const result = await train({
      spec: SMALL,
      rows: ROWS,
      onProgress: (p) => {
        if (p.step === 3) setImmediate(() => (stop = true));
      },
      shouldStop: () => stop,
    });
    expect(result.status).toBe('stopped');
    expect(result.steps).toBe(3);
  });

  it('refuses a checkpoint from another spec or other rows', () => {
    const session = new TrainingSession({ spec: SMALL, rows: ROWS });
    session.runStep();
    const checkpoint = session.checkpoint();
    expect(() => new TrainingSession({ spec: { ...SMALL, learningRate: 0.5 }, rows: ROWS, checkpoint })).toThrow(/different spec/);
    expect(() => new TrainingSession({ spec: SMALL, rows: ROWS.slice(1), checkpoint })).toThrow(/different rows/);
    expect(() => parseCheckpoint({ ...checkpoint, format: 'other' })).toThrow(TrainerError);
    const truncated = { ...checkpoint, params: checkpoint.params.map((t) => ({ ...t, data: t.data.slice(0, 8) })) };
    expect(() => new TrainingSession({ spec: SMALL, rows: ROWS, checkpoint: truncated })).toThrow(/does not match/);
    // A different checkpoint interval is the same run.
    expect(() => new TrainingSession({ spec: { ...SMALL, checkpointEvery: 3 }, rows: ROWS, checkpoint })).not.toThrow();
  });
});

describe('learning', () => {
  it('lowers the training loss and beats the base model and a uniform guess on held-out rows', async () => {
    const rows = sampleChatRows(300);
    const losses: number[] = [];
    const started = performance.now();
    const result = completed(await train({ spec: { steps: 150, batchSize: 8 }, rows, onProgress: (p) => void losses.push(p.loss) }));
    const seconds = (performance.now() - started) / 1000;
    const heldOut = result.heldOut!;
    expect(heldOut).not.toBeNull();
    expect(result.trainLoss.first).toBe(losses[0]);
    expect(result.trainLoss.recentMean!).toBeLessThan(result.trainLoss.first! - 3);
    expect(heldOut.uniform).toBeCloseTo(Math.log(259), 12);
    expect(heldOut.adapter.loss).toBeLessThan(heldOut.base.loss - 3);
    expect(heldOut.adapter.loss).toBeLessThan(heldOut.uniform - 3);
    expect(heldOut.adapter.perplexity).toBeCloseTo(Math.exp(heldOut.adapter.loss), 10);
    expect(heldOut.adapter.tokens).toBe(heldOut.base.tokens);
    expect(result.flops.total).toBeGreaterThan(0);
    expect(result.formulaFlops).toBe(4 * result.parameters * result.tokens);
    expect(seconds).toBeLessThan(30);
  }, 60_000);

  it('a full fine-tune learns too', async () => {
    const result = completed(await train({ spec: { method: 'full', steps: 40, batchSize: 4, learningRate: 0.003 }, rows: ROWS }));
    expect(result.adapter.tensors.map((t) => t.name)).toContain('tok_emb');
    expect(result.heldOut!.adapter.loss).toBeLessThan(result.heldOut!.base.loss - 1);
    expect(result.formulaFlops).toBe(6 * result.parameters * result.tokens);
  });
});

describe('adapter artifact', () => {
  it('round-trips through bytes and evaluates identically', async () => {
    const result = completed(await train({ spec: SMALL, rows: ROWS }));
    const loaded = adapterFromBytes(result.adapterBytes);
    expect(Buffer.from(adapterToBytes(loaded)).equals(Buffer.from(result.adapterBytes))).toBe(true);
    const heldOut = ROWS.slice(0, 20);
    expect(evaluate({ adapter: loaded, rows: heldOut }).loss).toBe(evaluate({ adapter: result.adapter, rows: heldOut }).loss);
  });

  it('refuses corrupted or mismatched bytes', async () => {
    const { adapterBytes } = completed(await train({ spec: { ...SMALL, steps: 2 }, rows: ROWS }));
    expect(() => adapterFromBytes(adapterBytes.subarray(0, adapterBytes.length - 8))).toThrow(/expected/);
    const badMagic = Uint8Array.from(adapterBytes);
    badMagic[0] = 0;
    expect(() => adapterFromBytes(badMagic)).toThrow(/magic/);
    expect(() => evaluate({ baseModel: 'potluck-small-byte-v1', adapter: adapterFromBytes(adapterBytes), rows: ROWS })).toThrow(/trained on/);
  });
});

describe('inputs', () => {
  it('refuses unknown models, unknown spec fields and empty datasets with codes', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return error instanceof TrainerError ? error.code : 'other';
      }
      return undefined;
    };
    expect(code(() => new TrainingSession({ spec: { baseModel: 'nope' }, rows: ROWS }))).toBe('unknown_model');
    expect(code(() => new TrainingSession({ spec: { learningrate: 1 } as TrainerSpecInput, rows: ROWS }))).toBe('invalid_spec');
    expect(code(() => new TrainingSession({ spec: {}, rows: [] }))).toBe('empty_dataset');
    expect(code(() => new TrainingSession({ spec: { heldOutFraction: 0 }, rows: [{ messages: [{ role: 'user', content: 'no reply' }] }] }))).toBe('empty_dataset');
    expect(code(() => new TrainingSession({ spec: {}, rows: [{ nope: 1 }] }))).toBe('invalid_row');
    expect(code(() => evaluate({ rows: ROWS }))).toBe('unknown_model');
  });

  it('scores token accuracy: deterministic, a share of the scored tokens, better after training', async () => {
    const heldOut = ROWS.slice(0, 20);
    const trained = completed(await train({ spec: { ...SMALL, steps: 60 }, rows: ROWS }));
    const base = evaluate({ baseModel: 'potluck-tiny-byte-v1', rows: heldOut });
    const adapted = evaluate({ adapter: trained.adapter, rows: heldOut });
    for (const result of [base, adapted]) {
      expect(result.tokenAccuracy).toBeGreaterThanOrEqual(0);
      expect(result.tokenAccuracy).toBeLessThanOrEqual(1);
      expect(result.tokenAccuracy * result.tokens).toBeCloseTo(Math.round(result.tokenAccuracy * result.tokens), 6); // hits / scored tokens
    }
    expect(adapted.tokenAccuracy).toBeGreaterThan(base.tokenAccuracy + 0.1);
    expect(evaluate({ adapter: trained.adapter, rows: heldOut }).tokenAccuracy).toBe(adapted.tokenAccuracy);
  });

  it('evaluates the base model alone', () => {
    const result = evaluate({ baseModel: 'potluck-tiny-byte-v1', rows: ROWS.slice(0, 10) });
    expect(result.rows).toBe(10);
    expect(result.tokens).toBeGreaterThan(0);
    expect(result.positions).toBeGreaterThanOrEqual(result.tokens);
    expect(result.flops).toBeGreaterThan(0);
    expect(result.formulaFlops).toBe(2 * 30_912 * result.positions);
  });
});
