import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000], ['30m', 1_800_000], ['2h', 7_200_000], ['1d', 86_400_000], ['1h30m', 5_400_000], ['1.5h', 5_400_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([['0s'], ['2'], ['h'], ['-1h'], ['2 weeks'], ['']])('rejects %j', (text) => expect(parseDuration(text)).toBeNull());
});
