/**
 * dedupe: drops exact duplicates of the canonical row (sorted keys, trimmed strings),
 * keeping the first occurrence, in input order.
 *
 * Only a 64-bit FNV-1a fingerprint of each distinct row is remembered. Two different rows
 * with the same fingerprint would wrongly drop the later one: with n distinct rows the
 * chance that any pair collides is about n² / 2^65 — 3·10⁻⁶ for 10 million rows,
 * 3·10⁻⁴ for 100 million.
 */
import { canonicalKey } from './canonical.js';
import { FingerprintSet } from './fingerprint-set.js';
import { fnv1a64 } from './fnv.js';
import type { Row } from './rows.js';
import { Tally, type RowTransform } from './transform.js';

export function createDedupe(): RowTransform {
  const tally = new Tally();
  const seen = new FingerprintSet();
  return {
    push: (row: Row) => (seen.add(fnv1a64(canonicalKey(row))) ? tally.keep(row) : tally.drop('duplicate')),
    finish: () => [],
    stats: () => tally.stats(),
  };
}
