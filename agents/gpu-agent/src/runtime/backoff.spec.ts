import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from the minimum up to the maximum', () => {
    const backoff = new Backoff({ minMs: 1000, maxMs: 30_000, jitter: 0.5 }, () => 0.5);
    expect(Array.from({ length: 8 }, () => backoff.next())).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('spreads each delay by the jitter', () => {
    const low = new Backoff({ minMs: 1000, maxMs: 30_000, jitter: 0.5 }, () => 0);
    const high = new Backoff({ minMs: 1000, maxMs: 30_000, jitter: 0.5 }, () => 0.999_999);
    expect([low.next(), low.next()]).toEqual([500, 1000]);
    expect([high.next(), high.next()]).toEqual([1500, 3000]);
  });

  it('starts over after a reset', () => {
    const backoff = new Backoff({ minMs: 100, maxMs: 1000, jitter: 0 });
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});
