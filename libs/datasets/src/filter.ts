/**
 * filter: keeps rows whose rowText length lies within [minChars, maxChars] (both
 * inclusive) and that contain none of the `exclude` substrings, compared
 * case-insensitively (both sides lower-cased).
 */
import { DatasetTransformError } from './errors.js';
import { rowText } from './row-text.js';
import type { Row } from './rows.js';
import { Tally, type OperationOf, type RowTransform } from './transform.js';

export function createFilter(operation: OperationOf<'filter'>): RowTransform {
  const { minChars, maxChars } = operation;
  if (minChars > maxChars) throw new DatasetTransformError('invalid_operation', `filter: minChars (${minChars}) is above maxChars (${maxChars})`);
  const excluded = operation.exclude.map((substring) => substring.toLowerCase());
  const tally = new Tally();
  return {
    push(row: Row) {
      const text = rowText(row);
      if (text.length < minChars) return tally.drop('too-short');
      if (text.length > maxChars) return tally.drop('too-long');
      if (excluded.length > 0) {
        const lower = text.toLowerCase();
        if (excluded.some((substring) => lower.includes(substring))) return tally.drop('excluded');
      }
      return tally.keep(row);
    },
    finish: () => [],
    stats: () => tally.stats(),
  };
}
