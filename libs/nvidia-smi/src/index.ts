/**
 * Pure parsers for everything `nvidia-smi` prints. No I/O, no process spawning.
 */
export type { ParseOptions, ParseResult } from './types.js';
export { bool, busId, int, isPlaceholder, num, text } from './values.js';
