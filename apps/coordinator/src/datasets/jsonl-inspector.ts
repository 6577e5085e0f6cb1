import { createHash } from 'node:crypto';
import { ChatRowSchema, InstructionRowSchema, TextRowSchema, type DatasetForm, type DatasetStats } from '@potluck/protocol';

export interface LineError {
  line: number;
  message: string;
}

export type Inspection = { ok: true; stats: DatasetStats } | { ok: false; errors: LineError[] };

export interface InspectorOptions {
  /** Stop collecting after this many errors (the upload is rejected anyway). */
  maxErrors: number;
  /** A longer line is an error (protects memory: a line is held whole while parsed). */
  maxLineBytes: number;
  /** Distinct rows remembered for the duplicate rate; beyond this the rate covers the first ones. */
  maxTrackedRows: number;
}

const NEWLINE = 0x0a;
/** Rough token estimate: about four characters per token for English-like text. */
const CHARS_PER_TOKEN = 4;

function formOf(row: unknown): { form: DatasetForm; chars: number } | { error: string } {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return { error: 'a row must be a JSON object' };
  if ('messages' in row) {
    const parsed = ChatRowSchema.safeParse(row);
    if (!parsed.success) return { error: `chat row: ${describe(parsed.error.issues)}` };
    return { form: 'chat', chars: parsed.data.messages.reduce((sum, message) => sum + message.content.length, 0) };
  }
  if ('prompt' in row || 'completion' in row) {
    const parsed = InstructionRowSchema.safeParse(row);
    if (!parsed.success) return { error: `instruction row: ${describe(parsed.error.issues)}` };
    return { form: 'instruction', chars: parsed.data.prompt.length + parsed.data.completion.length };
  }
  if ('text' in row) {
    const parsed = TextRowSchema.safeParse(row);
    if (!parsed.success) return { error: `text row: ${describe(parsed.error.issues)}` };
    return { form: 'text', chars: parsed.data.text.length };
  }
  return { error: 'a row needs "messages" (chat), "prompt" and "completion" (instruction), or "text"' };
}

function describe(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.slice(0, 3).map((issue) => `${issue.path.map(String).join('.') || 'row'}: ${issue.message}`).join('; ');
}

/**
 * Validates a JSONL dataset chunk by chunk while it streams in (nothing is buffered
 * beyond the current line) and computes its stats: rows, bytes, estimated tokens,
 * exact-duplicate rate and form. Blank lines are ignored; every row must be of the
 * dataset's one form (the first valid row decides).
 */
export class JsonlInspector {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private lineNumber = 0;
  private rows = 0;
  private bytes = 0;
  private chars = 0;
  private duplicates = 0;
  private form: DatasetForm | null = null;
  private readonly seen = new Set<number>();
  private readonly errors: LineError[] = [];
  private overlong = false;

  constructor(private readonly options: InspectorOptions) {}

  /** True once enough errors were found to reject: the caller may stop reading. */
  get failed(): boolean {
    return this.errors.length >= this.options.maxErrors;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE, start); newline !== -1 && !this.failed; newline = chunk.indexOf(NEWLINE, start)) {
      this.appendToLine(chunk.subarray(start, newline));
      this.finishLine();
      start = newline + 1;
    }
    if (start < chunk.length && !this.failed) this.appendToLine(chunk.subarray(start));
  }

  end(): Inspection {
    if (!this.failed && (this.carryBytes > 0 || this.overlong)) this.finishLine();
    if (this.errors.length === 0 && this.rows === 0) this.errors.push({ line: Math.max(this.lineNumber, 1), message: 'the file holds no rows' });
    if (this.errors.length > 0 || this.form === null) return { ok: false, errors: this.errors };
    return {
      ok: true,
      stats: {
        rows: this.rows,
        bytes: this.bytes,
        estimatedTokens: Math.ceil(this.chars / CHARS_PER_TOKEN),
        duplicateRate: this.rows === 0 ? 0 : this.duplicates / this.rows,
        form: this.form,
      },
    };
  }

  private appendToLine(part: Buffer): void {
    if (this.overlong) return;
    this.carryBytes += part.length;
    if (this.carryBytes > this.options.maxLineBytes) {
      this.overlong = true;
      this.carry = [];
      return;
    }
    this.carry.push(part);
  }

  private finishLine(): void {
    this.lineNumber += 1;
    const line = this.lineNumber;
    if (this.overlong) {
      this.overlong = false;
      this.carryBytes = 0;
      this.errors.push({ line, message: `line is longer than ${this.options.maxLineBytes} bytes` });
      return;
    }
    const text = Buffer.concat(this.carry, this.carryBytes).toString('utf8').replace(/\r$/, '');
    this.carry = [];
    this.carryBytes = 0;
    if (text.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      this.errors.push({ line, message: `invalid JSON: ${(error as Error).message}` });
      return;
    }
    const shape = formOf(row);
    if ('error' in shape) {
      this.errors.push({ line, message: shape.error });
      return;
    }
    if (this.form === null) this.form = shape.form;
    else if (shape.form !== this.form) {
      this.errors.push({ line, message: `row is in ${shape.form} form but the dataset is in ${this.form} form` });
      return;
    }
    this.rows += 1;
    this.chars += shape.chars;
    const fingerprint = createHash('sha1').update(text.trim()).digest().readUIntBE(0, 6);
    if (this.seen.has(fingerprint)) this.duplicates += 1;
    else if (this.seen.size < this.options.maxTrackedRows) this.seen.add(fingerprint);
  }
}
