import { setFlagsFromString } from 'node:v8';

/**
 * Sets how far V8 lets the old generation grow past the live heap before the next full
 * collection. Left to itself, V8 picks up to 4x when collecting is cheap: with 10,000
 * agents connected the coordinator's ~250 MB of live objects let the heap reach ~1 GB
 * between collections. A fixed growth (50 % by default) keeps the process near 1.5x its
 * live size for more frequent (mostly concurrent) full collections; it bounds nothing
 * hard, so a larger fleet still fits. V8 reads the flag at every limit computation, so
 * setting it at start-up, before the heap grows, is enough.
 */
export function applyHeapGrowingPercent(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
