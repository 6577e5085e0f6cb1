import { describe, expect, it } from 'vitest';
import { ExpiringCache } from './expiring-cache.js';

describe('ExpiringCache', () => {
  it('returns a value until its TTL has passed, then forgets it', () => {
    const cache = new ExpiringCache<string, number>(1000, 10);
    cache.set('a', 1, 5000);
    expect(cache.get('a', 5000)).toBe(1);
    expect(cache.get('a', 5999)).toBe(1);
    expect(cache.get('a', 6000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('returns a value only under the version it was stored with', () => {
    const cache = new ExpiringCache<string, string>(1000, 10);
    cache.set('page', 'v3', 0, 3);
    expect(cache.get('page', 1, 3)).toBe('v3');
    expect(cache.get('page', 1, 4)).toBeUndefined();
    // Dropped for good: going back to the old version does not bring it back.
    expect(cache.get('page', 1, 3)).toBeUndefined();
  });

  it('makes room by dropping the oldest entry, counting a key stored again as new', () => {
    const cache = new ExpiringCache<string, number>(1000, 2);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('a', 3, 0);
    cache.set('c', 4, 0);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe(3);
    expect(cache.get('c', 0)).toBe(4);
    expect(cache.size).toBe(2);
  });

  it('keeps nothing with a TTL of 0', () => {
    const cache = new ExpiringCache<string, number>(0, 10);
    cache.set('a', 1, 0);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('refuses a negative or fractional TTL and an empty bound', () => {
    expect(() => new ExpiringCache(-1, 10)).toThrow(RangeError);
    expect(() => new ExpiringCache(1.5, 10)).toThrow(RangeError);
    expect(() => new ExpiringCache(1000, 0)).toThrow(RangeError);
  });
});
