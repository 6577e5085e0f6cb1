import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDITS_CONFIG, parseCreditsConfig } from './config.js';
import { CreditsError } from './errors.js';

describe('parseCreditsConfig', () => {
  it('has the defaults of CREDITS.md', () => {
    expect(DEFAULT_CREDITS_CONFIG).toEqual({
      flopsPerCredit: '1000000000000000',
      maxEfficiency: 0.75,
      maxTelemetryGapMs: 15_000,
      fallbackPeakFlops: { fp32: 10e12, tf32: 10e12, fp16: 25e12, bf16: 25e12 },
      datasetJobFlopsPerRow: '1000',
      datasetJobFlopsPerByte: '100',
      dataCreditAlpha: '0.10',
      lineageParentShare: '0.5',
      lineageMaxDepth: 8,
      quorumFreeAfterConsecutiveValid: 10,
      replicationQuorum: 2,
      replicationProbabilityScale: 1,
      lossToleranceAbsolute: 0.01,
      lossToleranceRelative: 0.01,
      recentAverageHalfLifeMs: 7 * 86_400_000,
    });
  });

  it('keeps decimal constants as strings, numbers included', () => {
    expect(parseCreditsConfig({ dataCreditAlpha: 0.2, flopsPerCredit: 1e12 })).toMatchObject({ dataCreditAlpha: '0.2', flopsPerCredit: '1000000000000' });
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown key', { alpha: 0.1 }],
    ['efficiency above 1', { maxEfficiency: 1.5 }],
    ['efficiency 0', { maxEfficiency: 0 }],
    ['a negative decimal', { dataCreditAlpha: '-0.1' }],
    ['α above 1', { dataCreditAlpha: '1.5' }],
    ['a parent share above 1', { lineageParentShare: 2 }],
    ['a zero credit unit', { flopsPerCredit: '0' }],
    ['a quorum of 1', { replicationQuorum: 1 }],
    ['a non-numeric decimal', { datasetJobFlopsPerByte: 'ten' }],
  ])('refuses %s', (_name, input) => {
    expect(() => parseCreditsConfig(input)).toThrow(CreditsError);
  });
});
