/**
 * The streaming contract every dataset operation implements, and its statistics.
 * Rows go in one at a time; nothing but an operation's own bounded state is kept.
 */
import type { DatasetForm, DatasetOperation } from '@potluck/protocol';
import type { Row } from './rows.js';

/** Why a row was not emitted. */
export type DropReason =
  /** dedupe: the canonical row was seen before (or collided with one, see dedupe.ts). */
  | 'duplicate'
  /** filter: rowText shorter than minChars. */
  | 'too-short'
  /** filter: rowText longer than maxChars. */
  | 'too-long'
  /** filter: rowText contains an excluded substring. */
  | 'excluded'
  /** shard: the row belongs to another shard. */
  | 'other-shard'
  /** convert chat → instruction: no assistant message to become the completion. */
  | 'no-assistant-message'
  /** convert chat → instruction: messages after the last assistant message would be lost. */
  | 'messages-after-assistant'
  /** convert: the converted row breaks the target form's schema (empty text, over the length limit). */
  | 'invalid-output';

export interface TransformStats {
  rowsIn: number;
  rowsOut: number;
  /** rowsIn − rowsOut (every operation emits at most one row per input row). */
  dropped: number;
  /** Dropped rows by reason; reasons that never happened are absent. */
  reasons: Partial<Record<DropReason, number>>;
}

export interface RowTransform {
  /** Rows to emit now, in input order. */
  push(row: Row, form: DatasetForm): Row[];
  /** Rows held back until the end (none for the current operations). */
  finish(): Row[];
  stats(): TransformStats;
}

export type OperationOf<K extends DatasetOperation['operation']> = Extract<DatasetOperation, { operation: K }>;

/** Counts rows in, out and dropped for a transform. */
export class Tally {
  private rowsIn = 0;
  private rowsOut = 0;
  private readonly reasons: Partial<Record<DropReason, number>> = {};

  keep(row: Row): Row[] {
    this.rowsIn += 1;
    this.rowsOut += 1;
    return [row];
  }

  drop(reason: DropReason): Row[] {
    this.rowsIn += 1;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
    return [];
  }

  stats(): TransformStats {
    return { rowsIn: this.rowsIn, rowsOut: this.rowsOut, dropped: this.rowsIn - this.rowsOut, reasons: { ...this.reasons } };
  }
}
