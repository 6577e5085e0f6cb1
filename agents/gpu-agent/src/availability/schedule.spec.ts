import type { ScheduleWindow } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { insideSchedule, minutesOf, nextWindowStart } from './schedule.js';

/** The epoch of a local wall-clock time in a zone `offset` minutes east of UTC. */
const local = (iso: string, offset = 0): number => Date.parse(`${iso}Z`) - offset * 60_000;

const NIGHTS: ScheduleWindow[] = [{ start: '22:00', end: '08:00' }];
const OFFICE: ScheduleWindow[] = [{ start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] }];
const FRIDAY_NIGHT: ScheduleWindow[] = [{ start: '22:00', end: '06:00', days: [5] }];
const WEEKEND_ALL_DAY: ScheduleWindow[] = [{ start: '00:00', end: '00:00', days: [0, 6] }];

// 2026-07-13 is a Monday; 2026-07-17 a Friday; 2026-07-18 a Saturday; 2026-07-19 a Sunday.
describe('insideSchedule', () => {
  it.each<[string, ScheduleWindow[], string, boolean]>([
    ['no windows: always', [], '2026-07-15T12:00', true],
    ['night window, late evening', NIGHTS, '2026-07-15T23:00', true],
    ['night window, at the start (inclusive)', NIGHTS, '2026-07-15T22:00', true],
    ['night window, just before the start', NIGHTS, '2026-07-15T21:59', false],
    ['night window, after midnight', NIGHTS, '2026-07-16T03:00', true],
    ['night window, at the end (exclusive)', NIGHTS, '2026-07-16T08:00', false],
    ['night window, midday', NIGHTS, '2026-07-16T12:00', false],
    ['office hours, Wednesday', OFFICE, '2026-07-15T10:00', true],
    ['office hours, at 17:00 (end exclusive)', OFFICE, '2026-07-15T17:00', false],
    ['office hours, Saturday', OFFICE, '2026-07-18T10:00', false],
    ['Friday night window, Friday 23:00', FRIDAY_NIGHT, '2026-07-17T23:00', true],
    ['Friday night window, Saturday 05:59 (started Friday)', FRIDAY_NIGHT, '2026-07-18T05:59', true],
    ['Friday night window, Saturday 06:00', FRIDAY_NIGHT, '2026-07-18T06:00', false],
    ['Friday night window, Saturday 23:00 (does not start Saturday)', FRIDAY_NIGHT, '2026-07-18T23:00', false],
    ['Friday night window, Friday 03:00 (Thursday started none)', FRIDAY_NIGHT, '2026-07-17T03:00', false],
    ['start = end spans 24 hours: Saturday noon', WEEKEND_ALL_DAY, '2026-07-18T12:00', true],
    ['start = end spans 24 hours: Sunday 23:59', WEEKEND_ALL_DAY, '2026-07-19T23:59', true],
    ['start = end spans 24 hours: Monday 00:00', WEEKEND_ALL_DAY, '2026-07-20T00:00', false],
    ['no start days', [{ start: '00:00', end: '23:59', days: [] }], '2026-07-15T12:00', false],
    ['second of two windows', [...OFFICE, ...NIGHTS], '2026-07-18T23:30', true],
  ])('%s', (_name, windows, localIso, expected) => {
    expect(insideSchedule(windows, local(localIso), 0)).toBe(expected);
  });

  it.each([
    // The same instant, 2026-07-17 20:30 UTC (a Friday), in several zones.
    ['UTC: Friday 20:30', 0, false],
    ['Berlin summer (+02:00): Friday 22:30', 120, true],
    ['Tokyo (+09:00): Saturday 05:30, started Friday', 540, true],
    ['Auckland (+12:00): Saturday 08:30', 720, false],
    ['Los Angeles (-07:00): Friday 13:30', -420, false],
  ])('time zones: %s', (_name, offset, expected) => {
    expect(insideSchedule(FRIDAY_NIGHT, Date.parse('2026-07-17T20:30Z'), offset)).toBe(expected);
  });

  it('reads the day of week in local time, not UTC', () => {
    // Monday 08:30 in Sydney (+10:00) is Sunday 22:30 UTC.
    const now = local('2026-07-13T08:30', 600);
    expect(insideSchedule(OFFICE, now, 600)).toBe(false);
    expect(insideSchedule([{ start: '08:00', end: '09:00', days: [1] }], now, 600)).toBe(true);
    expect(insideSchedule([{ start: '08:00', end: '09:00', days: [1] }], now, 0)).toBe(false);
  });
});

describe('nextWindowStart', () => {
  it.each<[string, ScheduleWindow[], string, string | null]>([
    ['later today', NIGHTS, '2026-07-15T12:00', '2026-07-15T22:00'],
    ['tomorrow, once today’s has started', NIGHTS, '2026-07-15T22:00', '2026-07-16T22:00'],
    ['after the weekend', OFFICE, '2026-07-17T18:00', '2026-07-20T09:00'],
    ['a week ahead', FRIDAY_NIGHT, '2026-07-17T22:30', '2026-07-24T22:00'],
    ['the earliest of several', [...OFFICE, ...NIGHTS], '2026-07-15T18:00', '2026-07-15T22:00'],
    ['none when no window has a start day', [{ start: '10:00', end: '11:00', days: [] }], '2026-07-15T12:00', null],
    ['none for an empty schedule', [], '2026-07-15T12:00', null],
  ])('%s', (_name, windows, localIso, expected) => {
    expect(nextWindowStart(windows, local(localIso, 60), 60)).toBe(expected === null ? null : local(expected, 60));
  });
});

describe('minutesOf', () => {
  it.each([
    ['00:00', 0],
    ['08:30', 510],
    ['23:59', 1439],
  ])('%s is %i minutes', (hhmm, minutes) => {
    expect(minutesOf(hhmm)).toBe(minutes);
  });

  it.each(['24:00', '8:30', '12:60', '', 'noon'])('refuses %j', (hhmm) => {
    expect(() => minutesOf(hhmm)).toThrow(RangeError);
  });
});
