/**
 * The messages nvidia-smi (and the loader before it) prints instead of an inventory,
 * mapped to typed codes.
 *
 * A line counts as an error line when it carries one of the error *phrases* below
 * (`Failed to initialize NVML`, `Unable to determine the device handle for GPU…`,
 * `NVIDIA-SMI has failed because…`, `No devices were found`, …). Bare value placeholders
 * such as `Insufficient Permissions` or `Unknown Error` inside an inventory are not error
 * lines; they only name the cause when they follow such a phrase. Lines of XML and of the
 * table (`<…`, `|…`, `+…`) are never error lines.
 *
 * Such a line can head output that is otherwise usable, e.g. one lost GPU above the
 * table or `-q` text of the healthy ones. `detectError` reports it regardless; the entry
 * point `parseNvidiaSmi` prefers the usable inventory and returns the error only when
 * nothing usable is left (see index.ts).
 */
import type { NvidiaSmiError, NvidiaSmiErrorCode } from '@potluck/protocol';
import type { ParseResult } from './types.js';

/** Phrases that make a line an error line on their own (regular-expression source, matched case-insensitively). */
const ERROR_PHRASES = [
  'failed to initiali[sz]e nvml',
  'unable to determine the device handle',
  'nvidia-smi has failed',
  "couldn'?t communicate with the nvidia driver",
  'could not communicate with the nvidia driver',
  'no devices were found',
  'no devices found',
  'driver/library version mismatch',
  'nvml shared library not found',
  'libnvidia-ml\\.so',
  'nvml\\.dll',
  '\\bgpu is lost\\b',
  'fallen off the bus',
  'nvml error',
];
/** Plain alternatives, no unbounded wildcards: linear on any input. */
const ERROR_PHRASE = new RegExp(ERROR_PHRASES.join('|'), 'i');
/** Loader and shell messages (`nvidia-smi: command not found`, `/dev/nvidiactl: Permission denied`) need both parts. */
const LOADER_SUBJECT = /nvidia-smi:|\/dev\/nvidia/i;
const LOADER_FAILURE = /error|denied|not found|no such file/i;
/** Error messages are short; a longer line is only looked at this far (keeps the checks linear). */
const MAX_LINE_LENGTH = 1000;

/** Causes, most specific first; the first that matches an error line decides its code. */
const CAUSES: readonly { readonly pattern: RegExp; readonly code: NvidiaSmiErrorCode }[] = [
  { pattern: /\bgpu is lost\b|fallen off the bus|requires reset/i, code: 'GPU_LOST' },
  { pattern: /version mismatch/i, code: 'DRIVER_LIBRARY_MISMATCH' },
  { pattern: /insufficient permissions?|permission denied|no permission/i, code: 'INSUFFICIENT_PERMISSIONS' },
  { pattern: /libnvidia-ml\.so|nvml\.dll|nvml shared library not found|library not found/i, code: 'NVML_LIBRARY_NOT_FOUND' },
  { pattern: /nvidia-smi: (?:command )?not found|nvidia-smi: no such file/i, code: 'DRIVER_NOT_LOADED' },
  {
    pattern: /communicate with the nvidia driver|driver (?:is )?not loaded|nvidia-smi has failed/i,
    code: 'DRIVER_NOT_LOADED',
  },
  { pattern: /no devices (?:were )?found/i, code: 'NO_DEVICES' },
];

const MAX_MESSAGE_LENGTH = 500;

/**
 * The first error line of `output` as a typed error, or `null` when it has none.
 * Anything NVML reports without a more specific cause (`Unknown Error`, or a message
 * this table does not know) is `NVML_UNKNOWN_ERROR`.
 */
export function detectError(output: string): NvidiaSmiError | null {
  const outside = outsideXmlDocument(output);
  if (!ERROR_PHRASE.test(outside) && !LOADER_SUBJECT.test(outside)) return null;
  for (const rawLine of outside.split('\n')) {
    const line = rawLine.trim().slice(0, MAX_LINE_LENGTH);
    if (!isErrorLine(line)) continue;
    const code = CAUSES.find((cause) => cause.pattern.test(line))?.code ?? 'NVML_UNKNOWN_ERROR';
    return { code, message: line.slice(0, MAX_MESSAGE_LENGTH) };
  }
  return null;
}

/** The text around an XML document (an error line cannot sit inside one); all of `output` when it holds none. */
function outsideXmlDocument(output: string): string {
  const start = output.indexOf('<nvidia_smi_log');
  if (start < 0) return output;
  const end = output.lastIndexOf('</nvidia_smi_log>');
  return end < start ? output.slice(0, start) : `${output.slice(0, start)}\n${output.slice(end)}`;
}

/** True when the (trimmed) `line` is an error message rather than part of an inventory. */
export function isErrorLine(line: string): boolean {
  if (line === '' || line.startsWith('<') || line.startsWith('|') || line.startsWith('+')) return false;
  const head = line.slice(0, MAX_LINE_LENGTH);
  return ERROR_PHRASE.test(head) || (LOADER_SUBJECT.test(head) && LOADER_FAILURE.test(head));
}

/** `output` without its error lines (for the parsers, once the error has been noted). */
export function withoutErrorLines(output: string): string {
  return output
    .split('\n')
    .filter((line) => !isErrorLine(line.trim()))
    .join('\n');
}

/** The result for input none of the parsers can read. */
export function unrecognized(message: string): ParseResult {
  return { ok: false, error: { code: 'UNRECOGNIZED', message } };
}
