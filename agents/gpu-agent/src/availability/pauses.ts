/** Donor pauses: which are active, which expired, and how to say so. */
import { formatLocalTime } from './local-time.js';
import type { DonorControls, Pause } from './types.js';

/** A pause applies until its `until` (exclusive); an untimed one until resumed. */
export function isActive(pause: Pause | null | undefined, now: number): pause is Pause {
  return pause !== null && pause !== undefined && (pause.until === null || pause.until > now);
}

/** Of the active pauses, the one that lasts longest (an untimed one first; the earlier in the list on a tie). */
export function longestActive(pauses: readonly (Pause | null | undefined)[], now: number): Pause | null {
  let longest: Pause | null = null;
  for (const pause of pauses) {
    if (!isActive(pause, now)) continue;
    if (longest === null || (longest.until !== null && (pause.until === null || pause.until > longest.until))) longest = pause;
  }
  return longest;
}

/** "paused by donor until 14:30", or the bare reason for an untimed pause. */
export function describePause(pause: Pause, now: number, utcOffsetMinutes: number): string {
  const reason = pause.reason.trim() === '' ? 'paused' : pause.reason.trim();
  return pause.until === null ? reason : `${reason} until ${formatLocalTime(pause.until, now, utcOffsetMinutes)}`;
}

/** The pauses whose end has come: the caller removes them. GPU indexes ascending. */
export function expiredPauses(controls: DonorControls, now: number): { agent: boolean; gpuIndexes: number[] } {
  const ended = (pause: Pause | null): boolean => pause !== null && pause.until !== null && pause.until <= now;
  const gpuIndexes = [...controls.gpuPauses].filter(([, pause]) => ended(pause)).map(([index]) => index);
  return { agent: ended(controls.agentPause), gpuIndexes: gpuIndexes.sort((a, b) => a - b) };
}
