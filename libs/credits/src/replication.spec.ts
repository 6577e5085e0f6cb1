import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDITS_CONFIG as config } from './config.js';
import { CreditsError } from './errors.js';
import { lossesAgree, nextConsecutiveValid, replicationDecision, type ReplicationDecision } from './replication.js';

describe('replicationDecision', () => {
  it.each<[number, number, ReplicationDecision]>([
    [0, 0.99, { replicate: true, quorum: 2, probability: 1, reason: 'untrusted' }],
    [9, 0.99, { replicate: true, quorum: 2, probability: 1, reason: 'untrusted' }],
    [10, 0.05, { replicate: true, quorum: 2, probability: 0.1, reason: 'sampled' }],
    [10, 0.1, { replicate: false, quorum: 1, probability: 0.1, reason: 'skipped' }],
    [10, 0.5, { replicate: false, quorum: 1, probability: 0.1, reason: 'skipped' }],
    [20, 0.049, { replicate: true, quorum: 2, probability: 0.05, reason: 'sampled' }],
    [20, 0.05, { replicate: false, quorum: 1, probability: 0.05, reason: 'skipped' }],
    [1000, 0, { replicate: true, quorum: 2, probability: 0.001, reason: 'sampled' }],
  ])('CV %d, draw %d', (cv, random, expected) => {
    expect(replicationDecision(cv, random, config)).toEqual(expected);
  });

  it.each<[number, number]>([
    [-1, 0.5],
    [1.5, 0.5],
    [10, 1],
    [10, -0.1],
    [10, Number.NaN],
  ])('refuses CV %d with draw %d', (cv, random) => {
    expect(() => replicationDecision(cv, random, config)).toThrow(CreditsError);
  });

  it('a valid result adds one to CV, an invalid one resets it', () => {
    expect(nextConsecutiveValid(9, true)).toBe(10);
    expect(nextConsecutiveValid(57, false)).toBe(0);
  });
});

describe('lossesAgree', () => {
  it.each<[number, number, boolean, number]>([
    [0.5, 0.5, true, 0.01],
    [0.5, 0.509, true, 0.01], // within the absolute 0.01
    [0.5, 0.52, false, 0.01],
    [1.05, 1.0591, true, 0.010591], // 1 % of the reproduced loss is more than 0.01
    [6.04, 6.0, true, 0.06], // relative 1 % of the reproduced loss
    [6.07, 6.0, false, 0.06],
    [Number.NaN, 1, false, 0.01],
    [1, Number.POSITIVE_INFINITY, false, Number.POSITIVE_INFINITY],
  ])('reported %d vs reproduced %d → %s', (reported, reproduced, agree, tolerance) => {
    const result = lossesAgree(reported, reproduced, config);
    expect(result.agree).toBe(agree);
    expect(result.tolerance).toBeCloseTo(tolerance, 12);
  });
});
