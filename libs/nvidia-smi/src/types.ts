import type { GpuInventory, NvidiaSmiError } from '@potluck/protocol';

export interface ParseOptions {
  /** Field list for CSV produced with `noheader` (the header is absent, so the caller names the columns). */
  csvFields?: readonly string[];
}

/** What every parser returns: an inventory, or a typed error. Parsers never throw. */
export type ParseResult =
  | { ok: true; inventory: GpuInventory }
  | { ok: false; error: NvidiaSmiError };
