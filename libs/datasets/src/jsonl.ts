/**
 * JSONL in, JSONL out: parses each line, runs the operation and formats the emitted rows.
 * `JsonlTransform` takes one line at a time (for the agent's streaming runtime);
 * `transformJsonl` runs it over a whole iterable (tests, small inputs).
 *
 * Like the upload: blank lines are skipped, the first valid row decides the input form,
 * and invalid rows are reported by 1-based line number, up to `maxErrors` (20).
 */
import type { DatasetForm, DatasetOperation } from '@potluck/protocol';
import { formatRow } from './canonical.js';
import { createTransform, outputForm } from './create-transform.js';
import { parseRow, type Row } from './rows.js';
import type { RowTransform, TransformStats } from './transform.js';

export interface LineError {
  line: number;
  message: string;
}

export interface JsonlOptions {
  /** Stop collecting after this many errors (default 20, as the upload). */
  maxErrors?: number;
}

export type JsonlResult =
  | { ok: true; lines: string[]; stats: TransformStats; inputForm: DatasetForm | null; outputForm: DatasetForm | null }
  | { ok: false; errors: LineError[]; stats: TransformStats };

const DEFAULT_MAX_ERRORS = 20;

export class JsonlTransform {
  private readonly transform: RowTransform;
  private readonly maxErrors: number;
  private readonly lineErrors: LineError[] = [];
  private lineNumber = 0;
  private form: DatasetForm | null = null;

  constructor(
    private readonly operation: DatasetOperation,
    options: JsonlOptions = {},
  ) {
    this.transform = createTransform(operation);
    this.maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  }

  /** Invalid rows so far, by line number. */
  get errors(): readonly LineError[] {
    return this.lineErrors;
  }

  /** True once `maxErrors` errors were found: the caller may stop reading. */
  get failed(): boolean {
    return this.lineErrors.length >= this.maxErrors;
  }

  /** The form of the input rows (null before the first valid row). */
  get inputForm(): DatasetForm | null {
    return this.form;
  }

  /** The form of the output rows (null before the first valid row). */
  get outputForm(): DatasetForm | null {
    return this.form === null ? null : outputForm(this.operation, this.form);
  }

  /** Output lines (no newline) for the next input line. */
  pushLine(line: string): string[] {
    this.lineNumber += 1;
    if (line.trim() === '') return [];
    const parsed = parseRow(line);
    if (!parsed.ok) return this.reject(parsed.error);
    if (this.form === null) this.form = parsed.form;
    else if (parsed.form !== this.form) return this.reject(`row is in ${parsed.form} form but the dataset is in ${this.form} form`);
    return format(this.transform.push(parsed.row, parsed.form));
  }

  /** Output lines held back until the end. */
  finish(): string[] {
    return format(this.transform.finish());
  }

  stats(): TransformStats {
    return this.transform.stats();
  }

  private reject(message: string): string[] {
    if (!this.failed) this.lineErrors.push({ line: this.lineNumber, message });
    return [];
  }
}

function format(rows: Row[]): string[] {
  return rows.map(formatRow);
}

/** Transforms whole JSONL input; invalid rows make the result `ok: false` with their line numbers. */
export function transformJsonl(lines: Iterable<string>, operation: DatasetOperation, options: JsonlOptions = {}): JsonlResult {
  const transform = new JsonlTransform(operation, options);
  const output: string[] = [];
  for (const line of lines) {
    output.push(...transform.pushLine(line));
    if (transform.failed) break;
  }
  output.push(...transform.finish());
  if (transform.errors.length > 0) return { ok: false, errors: [...transform.errors], stats: transform.stats() };
  return { ok: true, lines: output, stats: transform.stats(), inputForm: transform.inputForm, outputForm: transform.outputForm };
}
