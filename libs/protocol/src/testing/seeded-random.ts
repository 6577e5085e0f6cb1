/**
 * Seeded pseudo-random numbers for the property and fuzz tests of every package (never
 * Math.random): a failing case replays from its seed. Test-only: `@potluck/protocol/testing`
 * resolves under the `potluck-source` condition (vitest, the workspace type check) and is
 * not built.
 */
export type Random = () => number;

/** mulberry32: small and fast, good enough to drive test inputs; values in [0, 1). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [0, limit). */
export const below = (random: Random, limit: number): number => Math.floor(random() * limit);
