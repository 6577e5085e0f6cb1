import { describe, expect, it } from 'vitest';
import { epochOf, formatLocalTime, localTimeOf, weekdayOf } from './local-time.js';

const utc = (iso: string): number => Date.parse(`${iso}Z`);

describe('localTimeOf', () => {
  it.each([
    // [instant (UTC), offset minutes, weekday, minute of day]
    ['2026-07-15T14:30', 0, 3, 14 * 60 + 30], // Wednesday
    ['2026-07-15T23:30', 120, 4, 60 + 30], // Berlin summer: already Thursday 01:30
    ['2026-07-15T02:00', -300, 2, 21 * 60], // New York: still Tuesday 21:00
    ['2026-07-15T20:00', 330, 4, 60 + 30], // India: Thursday 01:30
    ['2026-07-15T11:00', 765, 3, 23 * 60 + 45], // Chatham Islands +12:45: Wednesday 23:45
    ['1969-12-31T23:59', 0, 3, 23 * 60 + 59], // before the epoch: Wednesday
  ])('%s at offset %i min is weekday %i, minute %i', (iso, offset, weekday, minute) => {
    const local = localTimeOf(utc(iso), offset);
    expect(local.weekday).toBe(weekday);
    expect(local.minuteOfDay).toBe(minute);
  });

  it('round-trips through epochOf', () => {
    const now = utc('2026-07-15T14:30');
    const local = localTimeOf(now, -420);
    expect(epochOf(local.day, local.minuteOfDay, -420)).toBe(now);
  });

  it('numbers weekdays from Sunday = 0 (1970-01-01 was a Thursday)', () => {
    expect([0, 1, 2, 3, -1, -4].map(weekdayOf)).toEqual([4, 5, 6, 0, 3, 0]);
  });
});

describe('formatLocalTime', () => {
  const now = utc('2026-07-15T10:00'); // Wednesday
  it.each([
    ['same local day', utc('2026-07-15T14:30'), 0, '14:30'],
    ['in the donor zone, not UTC', utc('2026-07-15T14:30'), 120, '16:30'],
    ['tomorrow', utc('2026-07-16T08:05'), 0, 'Thu 08:05'],
    ['crossing midnight in the donor zone only', utc('2026-07-15T22:30'), 120, 'Thu 00:30'],
    ['six days on', utc('2026-07-21T09:00'), 0, 'Tue 09:00'],
    ['a week or more on', utc('2026-07-22T09:00'), 0, '2026-07-22 09:00'],
    ['in the past, another day', utc('2026-07-14T09:00'), 0, '2026-07-14 09:00'],
  ])('%s', (_name, at, offset, expected) => {
    expect(formatLocalTime(at, now, offset)).toBe(expected);
  });
});
