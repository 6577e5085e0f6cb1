/**
 * convert: rewrites every row into the target form (rules in conversions.ts). Text input
 * to chat or instruction fails on the first row with `unconvertible_form`; check
 * `conversionError` up front to refuse such a job before it starts.
 */
import type { DatasetForm } from '@potluck/protocol';
import { conversionError, convertRow } from './conversions.js';
import { DatasetTransformError } from './errors.js';
import { withForm, type Row } from './rows.js';
import { Tally, type OperationOf, type RowTransform } from './transform.js';

export function createConvert(operation: OperationOf<'convert'>): RowTransform {
  const tally = new Tally();
  return {
    push(row: Row, form: DatasetForm) {
      const refused = conversionError(form, operation.to);
      if (refused !== null) throw new DatasetTransformError('unconvertible_form', refused);
      const converted = convertRow(withForm(row, form), operation.to);
      return converted.ok ? tally.keep(converted.row) : tally.drop(converted.reason);
    },
    finish: () => [],
    stats: () => tally.stats(),
  };
}
