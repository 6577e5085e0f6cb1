/**
 * Deterministic held-out split: a row is held out when the first 32 bits of
 * sha256(salt + canonical JSON of the row) fall below fraction · 2^32. Independent of
 * the training seed, so every fine-tune and eval of a dataset sees the same split, and
 * duplicate rows always land on the same side.
 */
import { canonicalJson, sha256Words } from './hash.js';
import type { DatasetRow } from './rows.js';

/** Whether `row` belongs to the held-out part. */
export function isHeldOut(row: DatasetRow, fraction: number, salt = ''): boolean {
  if (fraction <= 0) return false;
  const [word] = sha256Words(`${salt}${canonicalJson(row)}`);
  return word / 4294967296 < fraction;
}

/** Splits rows into training and held-out parts, keeping their order. */
export function splitRows<Row extends DatasetRow>(rows: readonly Row[], fraction: number, salt = ''): { train: Row[]; heldOut: Row[] } {
  const train: Row[] = [];
  const heldOut: Row[] = [];
  for (const row of rows) (isHeldOut(row, fraction, salt) ? heldOut : train).push(row);
  return { train, heldOut };
}
