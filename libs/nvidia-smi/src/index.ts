/**
 * Pure parsers for everything `nvidia-smi` prints. No I/O, no process spawning.
 *
 * `parseNvidiaSmi` is the entry point: it recognises error messages and the output
 * format, then hands the text to the parser of that format. Every parser is total, so
 * the entry point needs no catch-all.
 */
import type { NvidiaSmiFormat } from '@potluck/protocol';
import { parseCsv } from './csv.js';
import { detectFormat } from './detect.js';
import { detectError, unrecognized, withoutErrorLines } from './errors.js';
import { parseQText } from './qtext.js';
import { parseTable } from './table.js';
import type { ParseOptions, ParseResult } from './types.js';
import { parseXml } from './xml.js';

export type { ParseOptions, ParseResult } from './types.js';
export { bool, busId, int, isPlaceholder, num, text } from './values.js';
export { firstVersion, versionText } from './versions.js';
export { detectError, isErrorLine } from './errors.js';
export { detectFormat } from './detect.js';
export { parseXml } from './xml.js';
export { parseQText } from './qtext.js';
export { parseCsv } from './csv.js';
export { parseTable } from './table.js';
export { toTelemetrySamples } from './telemetry.js';
export { computeCapabilityOf, isMigPartitioned, schedulableDevices, withKnownComputeCapabilities } from './devices.js';

/**
 * Parses any nvidia-smi output into an inventory or a typed error.
 *
 * An error line above otherwise usable output (one lost GPU in a table of eight, an
 * `Unable to determine the device handle…` line before the `-q` text of the others) does
 * not throw the healthy GPUs away: the error lines are taken out, and when the rest yields
 * GPUs or processes the inventory wins (callers that must know about the lost GPU call
 * `detectError` as well). The error is returned when nothing usable is left, and
 * `UNRECOGNIZED` when the text is neither an error message nor a known format (empty,
 * binary, truncated beyond recognition).
 */
export function parseNvidiaSmi(output: string, options: ParseOptions = {}): ParseResult {
  const error = detectError(output);
  const format = detectFormat(output, options);
  if (format === null) return error ? { ok: false, error } : unrecognized(describeUnrecognized(output));

  if (!error) return parseAs(format, output, options);
  const result = parseAs(format, withoutErrorLines(output), options);
  const usable = result.ok && (result.inventory.gpus.length > 0 || (result.inventory.processes?.length ?? 0) > 0);
  return usable ? result : { ok: false, error };
}

function parseAs(format: NvidiaSmiFormat, output: string, options: ParseOptions): ParseResult {
  switch (format) {
    case 'xml':
      return parseXml(output);
    case 'qtext':
      return parseQText(output);
    case 'csv':
      return parseCsv(output, options);
    case 'table':
      return parseTable(output);
  }
}

function describeUnrecognized(output: string): string {
  if (output.trim() === '') return 'empty nvidia-smi output';
  return `not a known nvidia-smi output format (starts with ${JSON.stringify(output.slice(0, 60))})`;
}
