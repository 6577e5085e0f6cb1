import { describe, expect, it } from 'vitest';
import { canonicalKey } from './canonical.js';
import { createTransform } from './create-transform.js';
import { DatasetTransformError } from './errors.js';
import type { Row } from './rows.js';
import { shardOf } from './shard.js';
import { randomInstruction, randomRows, seededRandom } from './testing/random-rows.js';

function shard(rows: Row[], shards: number, index: number): Row[] {
  const transform = createTransform({ operation: 'shard', shards, index });
  return rows.flatMap((row) => transform.push(row, 'text'));
}

const ROWS: Row[] = Array.from({ length: 300 }, (_, i) => ({ text: `row ${i}` }));

describe('shard', () => {
  it.each([2, 3, 7, 16, 1024])('partitions the input exactly into %i shards', (shards) => {
    const parts = Array.from({ length: shards }, (_, index) => shard(ROWS, shards, index));
    const union = parts.flat();
    expect(union).toHaveLength(ROWS.length);
    expect(new Set(union).size).toBe(ROWS.length);
    expect(new Set(union)).toEqual(new Set(ROWS));
    parts.forEach((part, index) => {
      expect(part.every((row) => shardOf(row, shards) === index)).toBe(true);
      // Each shard keeps input order.
      expect(part).toEqual(ROWS.filter((row) => part.includes(row)));
    });
  });

  it('is deterministic and independent of input order', () => {
    const reversed = [...ROWS].reverse();
    expect(shard(reversed, 4, 1)).toEqual([...shard(ROWS, 4, 1)].reverse());
  });

  it('puts equal canonical rows (duplicates) in the same shard', () => {
    expect(shardOf({ text: ' dup ' }, 16)).toBe(shardOf({ text: 'dup' }, 16));
  });

  it('spreads rows roughly evenly', () => {
    const rows = randomRows(seededRandom(7), 4000, randomInstruction);
    const distinct = [...new Map(rows.map((row) => [canonicalKey(row), row])).values()];
    const counts = [0, 1, 2, 3].map((index) => shard(distinct, 4, index).length);
    for (const count of counts) expect(Math.abs(count - distinct.length / 4)).toBeLessThan(distinct.length * 0.08);
  });

  it('counts the rows of other shards as dropped', () => {
    const transform = createTransform({ operation: 'shard', shards: 2, index: 0 });
    for (const row of ROWS) transform.push(row, 'text');
    const stats = transform.stats();
    expect(stats.rowsIn).toBe(300);
    expect(stats.rowsOut + stats.dropped).toBe(300);
    expect(stats.reasons).toEqual(stats.dropped === 0 ? {} : { 'other-shard': stats.dropped });
  });

  it.each([
    [2, 2],
    [4, 9],
  ])('refuses shards %i, index %i with a typed error', (shards, index) => {
    const create = (): unknown => createTransform({ operation: 'shard', shards, index });
    expect(create).toThrow(DatasetTransformError);
    expect(create).toThrow(expect.objectContaining({ code: 'invalid_operation' }));
  });
});
