/**
 * Line structure of the default `nvidia-smi` table. Columns are found from the `|`
 * characters of each line, never from fixed offsets: widths change between drivers
 * (79, 89 and 91 characters at the time of writing) and pasted copies lose or gain spaces.
 */

/** A line of the table, classified. */
export type TableLine =
  /** `+----+----+`, `|----+----|` or `|====+====|`: a box or row boundary. */
  | { kind: 'border'; double: boolean }
  /** `| a | b | c |`: the cells between the bars, untrimmed. */
  | { kind: 'row'; cells: string[]; text: string }
  /** Anything outside the boxes: a timestamp, a blank line, prose around a pasted table. */
  | { kind: 'text'; text: string };

/** Only `-`, `=`, `+` and `|`, starting with `+` or `|`, with at least one rule character. */
function isBorder(line: string): boolean {
  if (line[0] !== '+' && line[0] !== '|') return false;
  let rule = false;
  for (const ch of line) {
    if (ch === '-' || ch === '=') rule = true;
    else if (ch !== '+' && ch !== '|') return false;
  }
  return rule;
}

export function classifyLine(raw: string): TableLine {
  const line = raw.trim();
  if (line === '') return { kind: 'text', text: '' };
  if (isBorder(line)) return { kind: 'border', double: line.includes('=') };
  if (line.startsWith('|')) {
    const inner = line.length > 1 && line.endsWith('|') ? line.slice(1, -1) : line.slice(1);
    return { kind: 'row', cells: inner.split('|'), text: inner };
  }
  return { kind: 'text', text: line };
}

/** Splits text into lines, whatever the line endings. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Whitespace-separated tokens of a cell. */
export function tokens(cell: string | undefined): string[] {
  const value = cell?.trim();
  return value ? value.split(/\s+/) : [];
}

/**
 * `"10807MiB / 11178MiB"` → `["10807MiB", "11178MiB"]`, `"N/A /  N/A"` → `["N/A", "N/A"]`:
 * splits at the first slash with whitespace beside it (the one inside `N/A` has none).
 * Either side may be missing in a line that was cut off.
 */
export function slashPair(cell: string | undefined): [string | undefined, string | undefined] {
  if (cell === undefined) return [undefined, undefined];
  const match = /\s\/|\/\s/.exec(cell);
  if (!match) return [cell.trim(), undefined];
  const at = match.index + match[0].indexOf('/');
  return [cell.slice(0, at).trim(), cell.slice(at + 1).trim()];
}

const TIMESTAMP = /\b\d{1,2}:\d{2}:\d{2}\b/;

/** True for the timestamp line nvidia-smi prints above the table (`Mon May 21 14:07:29 2018`). */
export function isTimestamp(text: string): boolean {
  return TIMESTAMP.test(text) && /\b\d{4}\b/.test(text) && text.length <= 64;
}

/** A token of a cell with its position, so that free text between tokens is kept as printed. */
export interface Span {
  text: string;
  start: number;
  end: number;
}

/** The whitespace-separated tokens of a cell with their positions (linear, no backtracking). */
export function spans(cell: string | undefined): Span[] {
  const result: Span[] = [];
  if (cell === undefined) return result;
  for (const match of cell.matchAll(/\S+/g)) {
    result.push({ text: match[0], start: match.index, end: match.index + match[0].length });
  }
  return result;
}

/** The text of a cell from the start of token `from` to the end of token `to` (inclusive), as printed. */
export function between(cell: string, list: readonly Span[], from: number, to: number): string {
  const first = list[from];
  const last = list[to];
  if (first === undefined || last === undefined || to < from) return '';
  return cell.slice(first.start, last.end);
}
