import { DEFAULT_CREDITS_CONFIG } from '@potluck/credits';
import { describe, expect, it } from 'vitest';
import { lossOf, replicaSpec, resultsAgree, trustLevelOf } from './validation.service.js';

describe('validation rules', () => {
  it('trust levels follow consecutive valid results', () => {
    expect([0, 1, 9, 10, 99, 100].map(trustLevelOf)).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it('reads the loss of a fine-tune or an eval result', () => {
    expect(lossOf({ heldOutLoss: 2.5 })).toBe(2.5);
    expect(lossOf({ kind: 'eval', loss: 3 })).toBe(3);
    expect(lossOf({ metrics: { loss: 1 } })).toBe(1);
    expect(lossOf({ adapterSha256: 'x' })).toBeNull();
  });

  it('compares losses within tolerance, else output digests', () => {
    expect(resultsAgree({ heldOutLoss: 2.5 }, { loss: 2.52 }, DEFAULT_CREDITS_CONFIG)).toMatchObject({ agree: true, tolerance: 0.0252 });
    expect(resultsAgree({ heldOutLoss: 1.5 }, { loss: 2.5 }, DEFAULT_CREDITS_CONFIG).agree).toBe(false);
    expect(resultsAgree({ outputSha256: 'a' }, { outputSha256: 'a' }, DEFAULT_CREDITS_CONFIG).agree).toBe(true);
    expect(resultsAgree({ outputSha256: 'a' }, { outputSha256: 'b' }, DEFAULT_CREDITS_CONFIG).agree).toBe(false);
    expect(resultsAgree({}, {}, DEFAULT_CREDITS_CONFIG).agree).toBe(false);
  });

  it('a dataset job\'s replica writes to a dataset of its own; a pipeline is not replicable', () => {
    const input = { datasetId: '6f1c0b1e-0000-4000-8000-000000000001', version: 1 };
    expect(replicaSpec({ kind: 'dataset', input, transform: { operation: 'dedupe' }, outputName: 'clean' })).toMatchObject({ outputName: 'clean.replica' });
    expect(replicaSpec({ kind: 'pipeline', steps: [] })).toBeNull();
  });
});
