import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDITS_CONFIG as config, parseCreditsConfig } from './config.js';
import { CreditsError } from './errors.js';
import { claimedFlops, formulaFlops, type JobWork } from './flops.js';

describe('formulaFlops', () => {
  const N = 30_912; // potluck-tiny-byte-v1
  const T = 48_032; // positions of the default LoRA run on the sample data (docs/trainer.md)
  it.each<[string, JobWork, string]>([
    ['full fine-tune: 6·N·T', { kind: 'fine-tune', method: 'full', parameters: N, tokens: T }, '8908591104'],
    ['LoRA fine-tune: 4·N·T', { kind: 'fine-tune', method: 'lora', parameters: N, tokens: T }, '5939060736'],
    ['eval: 2·N·T', { kind: 'eval', parameters: N, tokens: T }, '2969530368'],
    ['model-based dataset job: 2·N·T', { kind: 'dataset', model: true, parameters: N, tokens: T }, '2969530368'],
    ['model-free dataset job: rows × 1000 + bytes × 100', { kind: 'dataset', model: false, rows: 300, bytes: 120_000 }, '12300000'],
    ['nothing processed', { kind: 'fine-tune', method: 'lora', parameters: N, tokens: 0 }, '0'],
    ['7B full fine-tune on 1B tokens (beyond 2^53)', { kind: 'fine-tune', method: 'full', parameters: 7_000_000_000, tokens: 1_000_000_000 }, '42000000000000000000'],
    ['bigint counts', { kind: 'eval', parameters: 70_000_000_000n, tokens: 10n ** 12n }, '140000000000000000000000'],
  ])('%s', (_name, work, expected) => {
    expect(formulaFlops(work, config)).toBe(expected);
  });

  it('uses the configured dataset rates and rounds down to a whole FLOP', () => {
    const custom = parseCreditsConfig({ datasetJobFlopsPerRow: '0', datasetJobFlopsPerByte: '0.5' });
    expect(formulaFlops({ kind: 'dataset', model: false, rows: 10, bytes: 3 }, custom)).toBe('1');
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('refuses the count %s', (tokens) => {
    expect(() => formulaFlops({ kind: 'eval', parameters: 1, tokens }, config)).toThrow(CreditsError);
  });
});

describe('claimedFlops', () => {
  const work: JobWork = { kind: 'fine-tune', method: 'lora', parameters: 30_912, tokens: 48_032 };
  it.each<[string, string | number | null | undefined, { flops: string; source: 'reported' | 'formula' }]>([
    ['takes the exact count the builtin trainer reports', '4780000000', { flops: '4780000000', source: 'reported' }],
    ['rounds a reported count down to a whole FLOP', 12.9, { flops: '12', source: 'reported' }],
    ['falls back to the formula when none is reported (null)', null, { flops: '5939060736', source: 'formula' }],
    ['falls back to the formula when none is reported (undefined)', undefined, { flops: '5939060736', source: 'formula' }],
  ])('%s', (_name, reported, expected) => {
    expect(claimedFlops(work, reported, config)).toEqual({ ...expected, formulaFlops: '5939060736' });
  });

  it.each(['-1', 'abc', 'Infinity'])('refuses the reported count %s', (reported) => {
    expect(() => claimedFlops(work, reported, config)).toThrow(CreditsError);
  });
});
