/**
 * A small seeded PRNG (mulberry32) whose whole state is one uint32, so it can live in a
 * plain, serialisable simulator state. Not for anything secret.
 */

/** A uint32 PRNG state from any number (negative, fractional or huge seeds included). */
export function seedState(seed: number): number {
  const finite = Number.isFinite(seed) ? seed : 0;
  let hash = Math.imul(Math.trunc(finite) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(Math.round((finite % 1) * 1e9), 0xc2b2ae35);
  hash = Math.imul(hash ^ (hash >>> 16), 0x7feb352d);
  return (hash ^ (hash >>> 15)) >>> 0;
}

/** One step: a number in [0, 1) and the next state. */
export function nextRandom(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296, state: next };
}

/** Draws in turn from a state; `state()` is where the next caller continues. */
export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  state(): number;
}

export function randomSource(initial: number): RandomSource {
  let current = initial >>> 0;
  const next = (): number => {
    const step = nextRandom(current);
    current = step.state;
    return step.value;
  };
  return { next, between: (min, max) => min + (max - min) * next(), state: () => current };
}
