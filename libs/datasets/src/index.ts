/**
 * Dataset jobs for the builtin runtime: dedupe, filter, shard and convert, row by row
 * (a 2 GiB file never sits in memory). Pure: no I/O, no clock, no randomness.
 */
export { DatasetTransformError, type DatasetTransformErrorCode } from './errors.js';
export { parseRow, withForm, type ChatMessage, type ChatRow, type FormedRow, type InstructionRow, type ParsedRow, type Row, type TextRow } from './rows.js';
export { rowText } from './row-text.js';
export { canonicalKey, formatRow } from './canonical.js';
export { fingerprintHex, fnv1a64, mix32, type Fingerprint } from './fnv.js';
export { FingerprintSet } from './fingerprint-set.js';
export type { DropReason, RowTransform, TransformStats } from './transform.js';
export { createTransform, outputForm } from './create-transform.js';
export { shardOf } from './shard.js';
export { conversionError, convertRow, type Conversion } from './conversions.js';
export { JsonlTransform, transformJsonl, type JsonlOptions, type JsonlResult, type LineError } from './jsonl.js';
