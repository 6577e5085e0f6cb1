import { describe, expect, it } from 'vitest';
import { describePause, expiredPauses, isActive, longestActive } from './pauses.js';
import type { Pause } from './types.js';

const NOW = Date.parse('2026-07-15T12:00Z');
const MINUTE = 60_000;
const pause = (until: number | null, reason = 'paused by donor'): Pause => ({ until, reason });

describe('isActive', () => {
  it.each<[string, Pause | null | undefined, boolean]>([
    ['no pause', null, false],
    ['missing', undefined, false],
    ['untimed', pause(null), true],
    ['ends later', pause(NOW + 1), true],
    ['ends now', pause(NOW), false],
    ['ended', pause(NOW - MINUTE), false],
  ])('%s', (_name, candidate, expected) => {
    expect(isActive(candidate, NOW)).toBe(expected);
  });
});

describe('longestActive', () => {
  const short = pause(NOW + MINUTE, 'short');
  const long = pause(NOW + 60 * MINUTE, 'long');
  const forever = pause(null, 'forever');
  const ended = pause(NOW - MINUTE, 'ended');
  it.each<[string, (Pause | null | undefined)[], Pause | null]>([
    ['none', [undefined, null], null],
    ['only ended ones', [ended], null],
    ['the later end', [short, long], long],
    ['the later end, either order', [long, short], long],
    ['untimed beats timed', [long, forever], forever],
    ['the first on a tie', [pause(NOW + MINUTE, 'a'), pause(NOW + MINUTE, 'b')], pause(NOW + MINUTE, 'a')],
    ['skips an ended one', [ended, short], short],
  ])('%s', (_name, pauses, expected) => {
    expect(longestActive(pauses, NOW)).toEqual(expected);
  });
});

describe('describePause', () => {
  it.each<[string, Pause, number, string]>([
    ['untimed', pause(null), 0, 'paused by donor'],
    ['timed, in local time', pause(Date.parse('2026-07-15T12:30Z')), 120, 'paused by donor until 14:30'],
    ['timed, ends tomorrow', pause(Date.parse('2026-07-16T09:00Z')), 0, 'paused by donor until Thu 09:00'],
    ['empty reason', pause(null, '  '), 0, 'paused'],
    ['remote reason', pause(null, 'paused by alice: maintenance'), 0, 'paused by alice: maintenance'],
  ])('%s', (_name, candidate, offset, expected) => {
    expect(describePause(candidate, NOW, offset)).toBe(expected);
  });
});

describe('expiredPauses', () => {
  it('lists the timed pauses whose end has come, GPU indexes ascending', () => {
    const gpuPauses = new Map<number, Pause>([
      [3, pause(NOW - 1)],
      [0, pause(NOW)],
      [1, pause(NOW + 1)],
      [2, pause(null)],
    ]);
    expect(expiredPauses({ agentPause: pause(NOW - MINUTE), gpuPauses, drain: null }, NOW)).toEqual({ agent: true, gpuIndexes: [0, 3] });
  });

  it.each<[string, Pause | null, boolean]>([
    ['no agent pause', null, false],
    ['untimed', pause(null), false],
    ['still running', pause(NOW + 1), false],
    ['ended', pause(NOW), true],
  ])('agent pause: %s', (_name, agentPause, expected) => {
    expect(expiredPauses({ agentPause, gpuPauses: new Map(), drain: null }, NOW)).toEqual({ agent: expected, gpuIndexes: [] });
  });
});
