/**
 * Schedule windows in the donor's local time. A window may cross midnight
 * (22:00–08:00); its `days` are the days it starts on; `start === end` spans 24 hours.
 * The end is exclusive.
 */
import type { ScheduleWindow } from '@potluck/protocol';
import { epochOf, localTimeOf, weekdayOf } from './local-time.js';

/** Is `now` inside one of the windows? An empty list means always. */
export function insideSchedule(windows: readonly ScheduleWindow[], now: number, utcOffsetMinutes: number): boolean {
  if (windows.length === 0) return true;
  const { weekday, minuteOfDay } = localTimeOf(now, utcOffsetMinutes);
  const yesterday = (weekday + 6) % 7;
  return windows.some((window) => {
    const start = minutesOf(window.start);
    const end = minutesOf(window.end);
    if (start < end) return startsOn(window, weekday) && minuteOfDay >= start && minuteOfDay < end;
    return (startsOn(window, weekday) && minuteOfDay >= start) || (startsOn(window, yesterday) && minuteOfDay < end);
  });
}

/** The next time a window starts strictly after `now` (within a week), or `null` if none ever does. */
export function nextWindowStart(windows: readonly ScheduleWindow[], now: number, utcOffsetMinutes: number): number | null {
  const today = localTimeOf(now, utcOffsetMinutes).day;
  let next: number | null = null;
  for (let day = today; day <= today + 7; day++) {
    for (const window of windows) {
      if (!startsOn(window, weekdayOf(day))) continue;
      const at = epochOf(day, minutesOf(window.start), utcOffsetMinutes);
      if (at > now && (next === null || at < next)) next = at;
    }
  }
  return next;
}

function startsOn(window: ScheduleWindow, weekday: number): boolean {
  return window.days === undefined || window.days.includes(weekday);
}

/** Minutes since midnight of an "HH:MM" (24-hour) time. */
export function minutesOf(hhmm: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!match) throw new RangeError(`schedule time must be HH:MM (24-hour), got '${hhmm}'`);
  return Number(match[1]) * 60 + Number(match[2]);
}
