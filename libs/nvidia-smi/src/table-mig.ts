/**
 * The `MIG devices:` box of the default table, one block per MIG device:
 *
 * ```
 * | GPU  GI  CI  MIG |              Shared Memory-Usage |        Vol|        Shared         |
 * |==================+==================================+===========+=======================|
 * |  0    2   0   0  |           11091MiB / 40448MiB    | 60      0 |  3   0    3    0    3 |
 * |                  |               0MiB / 24739MiB    |           |                       |
 * ```
 * The table names neither the MIG device UUID nor its profile: the UUID stays `null`, the
 * profile is derived afterwards where the product's MIG geometry is known (mig-profile.ts).
 */
import type { MigDevice } from '@potluck/protocol';
import { count } from './counts.js';
import { slashPair, tokens } from './table-lines.js';
import { num } from './values.js';

/** First line of a MIG block: GPU, GI, CI and MIG device numbers in the first column. */
export function isMigBlockStart(cells: readonly string[]): boolean {
  const ids = tokens(cells[0]);
  return cells.length >= 2 && ids.length === 4 && /^\d+$/.test(ids[0] as string);
}

/** Reads one MIG block; returns the parent GPU index with the device. */
export function readMigBlock(lines: readonly (readonly string[])[]): { gpuIndex: number | null; device: MigDevice } {
  const first = lines[0] ?? [];
  const [gpu, gi, ci, dev] = tokens(first[0]);
  const [used, total] = slashPair(first[1]);
  return {
    gpuIndex: count(gpu),
    device: {
      index: count(dev),
      gpuInstanceId: count(gi),
      computeInstanceId: count(ci),
      uuid: null,
      profile: null,
      smCount: count(tokens(first[2])[0]),
      memoryTotalMiB: num(total),
      memoryUsedMiB: num(used),
    },
  };
}
