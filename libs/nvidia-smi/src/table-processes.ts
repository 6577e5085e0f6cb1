/**
 * The `Processes:` box of the default table. Two layouts: up to driver 440
 * `GPU  PID  Type  Process name  Usage`, from 450 on `GPU  GI  CI  PID  Type  Process name  Usage`
 * (GI/CI are `N/A` without MIG). A box can also say `No running processes found` or,
 * on GeForce cards of older drivers, `Not Supported`.
 */
import type { GpuProcess } from '@potluck/protocol';
import { count } from './counts.js';
import { between, spans } from './table-lines.js';
import { num } from './values.js';

export type ProcessLine =
  | { kind: 'process'; process: GpuProcess }
  | { kind: 'none-found' }
  | { kind: 'not-supported' }
  /** Column labels; `instances` tells whether the GI/CI columns are there. */
  | { kind: 'labels'; instances: boolean }
  | { kind: 'other' };

const PROCESS_TYPE = /^(?:C|G|M|C\+G|M\+C|M\+G|M\+C\+G)$/;
const INSTANCE_ID = /^(?:\d+|N\/A|-)$/;

/** Tries the row as `GPU [GI CI] PID Type <name> <memory>`; `instances` picks the layout. */
function readRow(cell: string, instances: boolean): GpuProcess | null {
  const list = spans(cell);
  const pidAt = instances ? 3 : 1;
  if (list.length < pidAt + 3) return null;
  if (instances && !(INSTANCE_ID.test(list[1]?.text ?? '') && INSTANCE_ID.test(list[2]?.text ?? ''))) return null;
  const gpuIndex = count(list[0]?.text);
  const pid = count(list[pidAt]?.text);
  const type = list[pidAt + 1]?.text ?? '';
  if (gpuIndex === null || pid === null || !PROCESS_TYPE.test(type)) return null;
  const memory = list[list.length - 1]?.text;
  return {
    gpuUuid: null,
    gpuIndex,
    pid,
    type,
    name: between(cell, list, pidAt + 2, list.length - 2),
    usedMemoryMiB: num(memory),
  };
}

/**
 * Classifies one row of the box. `instances` is what the labels said (`null` when the
 * labels were cut off: then both layouts are tried, the one with GI/CI first).
 */
export function readProcessLine(cells: readonly string[], instances: boolean | null): ProcessLine {
  const cell = cells.join('|');
  if (/No running processes found/i.test(cell)) return { kind: 'none-found' };
  if (/Not Supported/i.test(cell)) return { kind: 'not-supported' };
  if (/\bPID\b|Process name/i.test(cell)) return { kind: 'labels', instances: /\bGI\b/.test(cell) };
  const process = instances === null ? (readRow(cell, true) ?? readRow(cell, false)) : readRow(cell, instances);
  return process ? { kind: 'process', process } : { kind: 'other' };
}
