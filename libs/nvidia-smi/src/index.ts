/**
 * Pure parsers for everything `nvidia-smi` prints. No I/O, no process spawning.
 * (Skeleton: the parsers land with issue 3.)
 */
import type { GpuInventory, NvidiaSmiError, NvidiaSmiFormat } from '@potluck/protocol';

export interface ParseOptions {
  /** Field list for CSV produced with `noheader` (the header is absent, so the caller names the columns). */
  csvFields?: readonly string[];
}

export type ParseResult =
  | { ok: true; inventory: GpuInventory }
  | { ok: false; error: NvidiaSmiError };

export type { GpuInventory, NvidiaSmiError, NvidiaSmiFormat };
