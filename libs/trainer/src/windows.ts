/**
 * Cuts formatted sequences into context-sized windows. A sequence of n tokens gives
 * n − 1 predictions; window w covers predictions [w·C, min((w+1)·C, n − 1)), so every
 * target is predicted exactly once and each window starts with an empty context.
 */
import type { FormattedExample } from './rows.js';

/** One forward pass worth of positions. */
export interface Window {
  /** Input token ids, length T ≤ context length. */
  readonly inputs: Uint16Array;
  /** Target token ids (the next token of each input), length T. */
  readonly targets: Uint16Array;
  /** 1 where the target is scored. */
  readonly mask: Uint8Array;
  /** Number of scored targets (≥ 1 for windows that are kept). */
  readonly scored: number;
}

/** The windows of one example that contain at least one scored target. */
export function windowsOf(example: FormattedExample, contextLength: number): Window[] {
  const { tokens, mask } = example;
  const windows: Window[] = [];
  for (let start = 0; start < tokens.length - 1; start += contextLength) {
    const length = Math.min(contextLength, tokens.length - 1 - start);
    const windowMask = mask.slice(start + 1, start + 1 + length);
    let scored = 0;
    for (let i = 0; i < length; i += 1) scored += windowMask[i]!;
    if (scored === 0) continue;
    windows.push({
      inputs: tokens.slice(start, start + length),
      targets: tokens.slice(start + 1, start + 1 + length),
      mask: windowMask,
      scored,
    });
  }
  return windows;
}
