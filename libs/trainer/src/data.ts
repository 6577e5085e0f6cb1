/** From raw rows to the windows a fine-tune or an eval runs over. */
import { TrainerError } from './errors.js';
import { type DatasetRow, DatasetRowSchema, type LossOn, formatExample } from './rows.js';
import { type Window, windowsOf } from './windows.js';

/** Validates rows; the first invalid one raises `invalid_row` with its index. */
export function parseRows(rows: readonly unknown[]): DatasetRow[] {
  return rows.map((row, index) => {
    const parsed = DatasetRowSchema.safeParse(row);
    if (!parsed.success) {
      throw new TrainerError('invalid_row', `row ${index} is not a chat, instruction or text row: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    return parsed.data;
  });
}

/** The scored windows of all rows, in row order. */
export function windowsOfRows(rows: readonly DatasetRow[], lossOn: LossOn, contextLength: number): Window[] {
  return rows.flatMap((row) => windowsOf(formatExample(row, lossOn), contextLength));
}
