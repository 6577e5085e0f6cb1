/**
 * The donor's local wall clock from an epoch time and a UTC offset, without touching the
 * host's time zone (the caller passes the offset, so tests can pick any zone).
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

export interface LocalTime {
  /** Local calendar days since 1970-01-01. */
  day: number;
  /** 0 = Sunday. */
  weekday: number;
  /** Minutes since local midnight, 0..1439. */
  minuteOfDay: number;
}

export function localTimeOf(at: number, utcOffsetMinutes: number): LocalTime {
  const local = at + utcOffsetMinutes * MINUTE_MS;
  const day = Math.floor(local / DAY_MS);
  return { day, weekday: weekdayOf(day), minuteOfDay: Math.floor((local - day * DAY_MS) / MINUTE_MS) };
}

/** The weekday (0 = Sunday) of a local day number; 1970-01-01 was a Thursday. */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The epoch time at which local day `day` reaches `minuteOfDay`. */
export function epochOf(day: number, minuteOfDay: number, utcOffsetMinutes: number): number {
  return day * DAY_MS + (minuteOfDay - utcOffsetMinutes) * MINUTE_MS;
}

/** "14:30" when `at` is on the same local day as `now`, "Tue 14:30" within a week, else "2026-07-20 14:30". */
export function formatLocalTime(at: number, now: number, utcOffsetMinutes: number): string {
  const target = localTimeOf(at, utcOffsetMinutes);
  const today = localTimeOf(now, utcOffsetMinutes);
  const clock = `${pad(Math.floor(target.minuteOfDay / 60))}:${pad(target.minuteOfDay % 60)}`;
  if (target.day === today.day) return clock;
  if (target.day > today.day && target.day - today.day < 7) return `${WEEKDAYS[target.weekday] ?? ''} ${clock}`;
  return `${new Date(target.day * DAY_MS).toISOString().slice(0, 10)} ${clock}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
