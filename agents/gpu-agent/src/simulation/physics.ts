/** Small numeric helpers of the simulation: first-order lag, clamping, rounding. */

/**
 * A first-order lag from `current` towards `target` after `elapsedMs` with time
 * constant `tauMs` (exact solution, so any gap works: 0 changes nothing, a huge one
 * lands on the target).
 */
export function approach(current: number, target: number, elapsedMs: number, tauMs: number): number {
  if (!(elapsedMs > 0)) return current;
  if (!(tauMs > 0)) return target;
  return target + (current - target) * Math.exp(-elapsedMs / tauMs);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** `from` at 0, `to` at 1. */
export function lerp(from: number, to: number, fraction: number): number {
  return from + (to - from) * fraction;
}

export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
