/** The one dispatch from a dataset job's operation to its row transform. */
import type { DatasetForm, DatasetOperation } from '@potluck/protocol';
import { createConvert } from './convert.js';
import { createDedupe } from './dedupe.js';
import { createFilter } from './filter.js';
import { createShard } from './shard.js';
import type { RowTransform } from './transform.js';

/**
 * A fresh transform for one pass over one dataset version. Throws
 * `DatasetTransformError('invalid_operation')` for operations the schema admits but
 * that cannot run (shard index ≥ shards, minChars > maxChars).
 */
export function createTransform(operation: DatasetOperation): RowTransform {
  switch (operation.operation) {
    case 'dedupe':
      return createDedupe();
    case 'filter':
      return createFilter(operation);
    case 'shard':
      return createShard(operation);
    case 'convert':
      return createConvert(operation);
  }
}

/** The form of the rows an operation emits from rows of `input` form. */
export function outputForm(operation: DatasetOperation, input: DatasetForm): DatasetForm {
  return operation.operation === 'convert' ? operation.to : input;
}
