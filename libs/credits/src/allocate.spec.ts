import { describe, expect, it } from 'vitest';
import { allocate } from './allocate.js';
import { CreditsError } from './errors.js';

describe('allocate', () => {
  it.each<[bigint, [string, string | number][], Record<string, bigint>]>([
    [10n, [['a', 1], ['b', 1]], { a: 5n, b: 5n }],
    [10n, [['a', 1], ['b', 1], ['c', 1]], { a: 4n, b: 3n, c: 3n }],
    [10n, [['c', 1], ['b', 1], ['a', 1]], { a: 4n, b: 3n, c: 3n }], // ties by id, not by input order
    [100n, [['a', '0.5'], ['b', '0.25'], ['c', '0.25']], { a: 50n, b: 25n, c: 25n }],
    [7n, [['a', 2], ['b', 1]], { a: 5n, b: 2n }], // 4.67 / 2.33: the larger remainder wins
    [5n, [['a', 0], ['b', 3]], { a: 0n, b: 5n }],
    [0n, [['a', 0]], { a: 0n }],
    [10n ** 38n + 1n, [['a', 1], ['b', 1]], { a: 5n * 10n ** 37n + 1n, b: 5n * 10n ** 37n }],
  ])('%d over %j', (units, weights, expected) => {
    const parts = allocate(units, new Map(weights));
    expect(Object.fromEntries(parts)).toEqual(expected);
    expect([...parts.values()].reduce((a, b) => a + b, 0n)).toBe(units);
  });

  it.each<[bigint, [string, string | number][]]>([
    [-1n, [['a', 1]]],
    [1n, [['a', 0]]],
    [1n, [['a', -1]]],
  ])('refuses %d over %j', (units, weights) => {
    expect(() => allocate(units, new Map(weights))).toThrow(CreditsError);
  });
});
