import { describe, expect, it } from 'vitest';
import { approach, clamp, lerp, roundTo } from './physics.js';

describe('approach (first-order lag)', () => {
  it.each<[string, number, number, number]>([
    ['no time passed', 0, 40_000, 30],
    ['negative time (clock stepped back)', -5_000, 40_000, 30],
    ['NaN time', Number.NaN, 40_000, 30],
    ['one time constant: 63 % of the way', 40_000, 40_000, 30 + 50 * (1 - Math.exp(-1))],
    ['a day: on the target', 86_400_000, 40_000, 80],
    ['an infinite gap: on the target', Number.POSITIVE_INFINITY, 40_000, 80],
    ['no time constant: on the target', 1, 0, 80],
  ])('%s', (_name, elapsed, tau, expected) => {
    expect(approach(30, 80, elapsed, tau)).toBeCloseTo(expected, 9);
  });

  it('does not depend on how the time is sliced', () => {
    let sliced = 30;
    for (let i = 0; i < 12; i++) sliced = approach(sliced, 80, 5_000, 40_000);
    expect(sliced).toBeCloseTo(approach(30, 80, 60_000, 40_000), 9);
  });

  it('never overshoots, warming or cooling', () => {
    for (const elapsed of [1, 100, 10_000, 1e9]) {
      expect(approach(30, 80, elapsed, 40_000)).toBeLessThanOrEqual(80);
      expect(approach(80, 30, elapsed, 40_000)).toBeGreaterThanOrEqual(30);
    }
  });
});

describe('helpers', () => {
  it.each([
    [clamp(5, 0, 10), 5],
    [clamp(-1, 0, 10), 0],
    [clamp(11, 0, 10), 10],
    [lerp(10, 20, 0), 10],
    [lerp(10, 20, 0.25), 12.5],
    [lerp(10, 20, 1), 20],
    [roundTo(123.456, 2), 123.46],
    [roundTo(123.456, 0), 123],
  ])('%d = %d', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});
