/**
 * Tells which of nvidia-smi's output formats a text is, from its shape alone. Error lines
 * (see errors.ts) are ignored, so a format is still recognised under an error line.
 */
import type { NvidiaSmiFormat } from '@potluck/protocol';
import { isErrorLine } from './errors.js';
import type { ParseOptions } from './types.js';
import { num } from './values.js';

const XML_ROOT = /<nvidia_smi_log[\s>/]/;
const XML_DECLARATION = /^\s*<\?xml\b/;
const QTEXT_BANNER = /^=+\s*NVSMI LOG\s*=+\s*$/m;
const QTEXT_GPU_HEADER = /^GPU [0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]\s*$/m;
const QTEXT_TOP_FIELD = /^(?:Driver Version|KMD Version|CUDA Version|Attached GPUs)\s+:/m;
const TABLE_ROWS = /^[ \t]*\|[^\n]*\|[ \t]*\r?$/gm;
const TABLE_BORDER = /^[ \t]*\+[-=+]{3,}\+?[ \t]*\r?$/m;
/** A CSV header cell: `name`, `memory.total [MiB]`, `clocks_event_reasons.active`. */
const CSV_FIELD_NAME = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*(?: \[[^\]]+\])?$/i;
/** Query fields without a dot or underscore. */
const PLAIN_QUERY_FIELDS = new Set(['name', 'index', 'uuid', 'serial', 'pid', 'count', 'pstate', 'timestamp']);
/** Share of control characters (in the first {@link TEXT_SAMPLE_LENGTH} characters) above which a text is taken for binary garbage. */
const MAX_CONTROL_SHARE = 0.02;
const TEXT_SAMPLE_LENGTH = 8192;
/** CSV is recognised from its first lines, and rows without a header from their first cells. */
const CSV_SAMPLE_LINES = 50;
const MAX_CELLS_CHECKED = 64;
/** Far longer than any real row (a header of every query field is about 8 KB). */
const MAX_CSV_LINE_LENGTH = 64 * 1024;

/** The format of `output`, or `null` when it is none of them (empty, binary, an error message only). */
export function detectFormat(output: string, options: ParseOptions = {}): NvidiaSmiFormat | null {
  if (XML_ROOT.test(output) || XML_DECLARATION.test(output)) return 'xml';
  if (!isMostlyText(output.slice(0, TEXT_SAMPLE_LENGTH))) return null;
  if (QTEXT_BANNER.test(output) || QTEXT_GPU_HEADER.test(output) || QTEXT_TOP_FIELD.test(output)) return 'qtext';
  if (looksLikeTable(output)) return 'table';
  const lines = firstLines(output, CSV_SAMPLE_LINES);
  return lines.length > 0 && looksLikeCsv(lines, options) ? 'csv' : null;
}

function isMostlyText(sample: string): boolean {
  let control = 0;
  for (let index = 0; index < sample.length; index++) {
    const code = sample.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f || code === 0xfffd) control++;
  }
  return control <= sample.length * MAX_CONTROL_SHARE;
}

/** Two boxed rows (`| … |`), or one with a `+---+` border: the default table or a fragment of it. */
function looksLikeTable(output: string): boolean {
  const rows = output.match(TABLE_ROWS)?.length ?? 0;
  return rows >= 2 || (rows === 1 && TABLE_BORDER.test(output));
}

/** Up to `limit` trimmed lines that are neither blank nor error messages. */
function firstLines(output: string, limit: number): string[] {
  const lines: string[] = [];
  for (const rawLine of output.split('\n', limit * 4)) {
    const line = rawLine.trim();
    if (line !== '' && !isErrorLine(line)) lines.push(line);
    if (lines.length === limit) break;
  }
  return lines;
}

/**
 * A header of query field names (one at least unmistakably nvidia-smi's), or (for
 * `noheader`) rows of equally many cells holding at least one nvidia-smi-like value; with
 * `csvFields` given, any rows of equally many cells.
 */
function looksLikeCsv(lines: readonly string[], options: ParseOptions): boolean {
  if (lines.some((line) => line.length > MAX_CSV_LINE_LENGTH)) return false;
  const cells = (line: string): string[] => line.split(',').map((cell) => cell.trim());
  const header = cells(lines[0] as string);
  if (header.every((cell) => CSV_FIELD_NAME.test(cell)) && header.some(isQueryFieldName)) return true;
  const width = header.length;
  if (!lines.every((line) => line.split(',').length === width)) return false;
  if (options.csvFields !== undefined) return true;
  return width > 1 && lines.every((line) => cells(line).slice(0, MAX_CELLS_CHECKED).some(isNvidiaSmiValue));
}

/** A cell only nvidia-smi would put in a header: a dotted or underscored field, a unit, or a known plain field. */
function isQueryFieldName(cell: string): boolean {
  return /[._[]/.test(cell) || PLAIN_QUERY_FIELDS.has(cell.toLowerCase());
}

function isNvidiaSmiValue(cell: string): boolean {
  return num(cell) !== null || /^\[.*\]$/.test(cell) || cell === 'N/A' || /^(?:GPU|MIG)-[0-9a-f-]+$/i.test(cell);
}
