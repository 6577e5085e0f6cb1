/**
 * The text content of a row, used for length filters and by the convert-to-text rule:
 * chat → message contents joined with "\n"; instruction → prompt + "\n" + completion;
 * text → the text. Lengths are JavaScript string lengths (UTF-16 code units), as in the
 * upload's statistics.
 */
import type { Row } from './rows.js';

export function rowText(row: Row): string {
  if ('messages' in row) return row.messages.map((message) => message.content).join('\n');
  if ('prompt' in row) return `${row.prompt}\n${row.completion}`;
  return row.text;
}
