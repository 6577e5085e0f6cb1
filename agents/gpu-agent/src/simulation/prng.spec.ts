import { describe, expect, it } from 'vitest';
import { nextRandom, randomSource, seedState } from './prng.js';

const draws = (seed: number, count: number): number[] => {
  const random = randomSource(seedState(seed));
  return Array.from({ length: count }, () => random.next());
};

describe('seeded PRNG', () => {
  it('repeats its sequence for a seed', () => {
    expect(draws(42, 100)).toEqual(draws(42, 100));
  });

  it('gives different sequences for different seeds', () => {
    expect(draws(1, 10)).not.toEqual(draws(2, 10));
    expect(draws(0, 10)).not.toEqual(draws(0.5, 10));
  });

  it.each([0, -1, 0.25, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, -123_456.789])('turns seed %d into a uint32', (seed) => {
    const state = seedState(seed);
    expect(Number.isInteger(state)).toBe(true);
    expect(state).toBeGreaterThanOrEqual(0);
    expect(state).toBeLessThan(2 ** 32);
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const values = draws(7, 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    const tenths = new Array<number>(10).fill(0);
    for (const value of values) tenths[Math.floor(value * 10)] = (tenths[Math.floor(value * 10)] ?? 0) + 1;
    for (const count of tenths) expect(count).toBeGreaterThan(1_800);
  });

  it('carries its whole state in one number, so a source can resume where another stopped', () => {
    const first = randomSource(seedState(3));
    first.next();
    first.next();
    const resumed = randomSource(first.state());
    expect(resumed.next()).toBe(first.next());
    expect(nextRandom(seedState(3)).value).toBe(draws(3, 1)[0]);
  });

  it('draws between bounds', () => {
    const random = randomSource(seedState(9));
    for (let i = 0; i < 1000; i++) {
      const value = random.between(30, 60);
      expect(value).toBeGreaterThanOrEqual(30);
      expect(value).toBeLessThan(60);
    }
  });
});
