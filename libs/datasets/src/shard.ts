/**
 * shard: assigns every row to one of `shards` buckets by a hash of its canonical row and
 * keeps bucket `index`. Deterministic and order-independent, so the shards 0..shards−1 of
 * one input partition it exactly; equal canonical rows (dedupe's duplicates) share a bucket.
 */
import { canonicalKey } from './canonical.js';
import { DatasetTransformError } from './errors.js';
import { fnv1a64, mix32 } from './fnv.js';
import type { Row } from './rows.js';
import { Tally, type OperationOf, type RowTransform } from './transform.js';

/** The bucket of a row among `shards` (mixed 32-bit hash mod shards; bias below 2^-22 for ≤ 1024 shards). */
export function shardOf(row: Row, shards: number): number {
  return mix32(fnv1a64(canonicalKey(row))) % shards;
}

export function createShard(operation: OperationOf<'shard'>): RowTransform {
  const { shards, index } = operation;
  if (index >= shards) throw new DatasetTransformError('invalid_operation', `shard: index ${index} is out of range for ${shards} shards (0..${shards - 1})`);
  const tally = new Tally();
  return {
    push: (row: Row) => (shardOf(row, shards) === index ? tally.keep(row) : tally.drop('other-shard')),
    finish: () => [],
    stats: () => tally.stats(),
  };
}
