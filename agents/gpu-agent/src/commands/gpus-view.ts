/** How `potluck-agent gpus` shows an inventory: JSON for machines, aligned text for people. */
import type { GpuInventory, NvidiaSmiError, SchedulableDevice } from '@potluck/protocol';

/** The `--json` document: the normalised inventory plus the devices the scheduler can hand out. */
export function inventoryJson(inventory: GpuInventory, devices: readonly SchedulableDevice[]): string {
  return `${JSON.stringify({ ...inventory, schedulableDevices: devices }, null, 2)}\n`;
}

export function errorJson(error: NvidiaSmiError | { code: string; message: string }): string {
  return `${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`;
}

const DASH = '-';

function show(value: string | number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || value === '') return DASH;
  return `${typeof value === 'number' ? round(value) : value}${unit}`;
}

/** At most one decimal, none when it is zero: `67.04` → `67`, `228.82` → `228.8`. */
function round(value: number): string {
  return String(Number(value.toFixed(1)));
}

function pair(a: number | null, b: number | null, unit: string): string {
  if (a === null && b === null) return DASH;
  return `${show(a)} / ${show(b)} ${unit}`;
}

/** Left-aligned columns separated by two spaces; columns listed in `right` are right-aligned. */
export function alignColumns(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function gpuTable(inventory: GpuInventory): string {
  const rows = inventory.gpus.map((gpu) => [
    String(gpu.index),
    gpu.name || DASH,
    pair(gpu.memoryUsedMiB, gpu.memoryTotalMiB, 'MiB'),
    show(gpu.utilizationGpuPct, '%'),
    show(gpu.temperatureC, ' C'),
    pair(gpu.powerDrawW, gpu.powerLimitW, 'W'),
    show(gpu.computeCapability),
    gpu.migEnabled === null ? DASH : gpu.migEnabled ? `on (${gpu.migDevices.length})` : 'off',
  ]);
  return alignColumns(['GPU', 'NAME', 'VRAM USED/TOTAL', 'UTIL', 'TEMP', 'POWER DRAW/LIMIT', 'CC', 'MIG'], rows, new Set([0, 2, 3, 4, 5]));
}

function deviceTable(devices: readonly SchedulableDevice[]): string {
  const rows = devices.map((device) => [
    device.id,
    device.kind,
    String(device.gpuIndex),
    device.name || DASH,
    show(device.migProfile),
    show(device.memoryTotalMiB, ' MiB'),
    show(device.computeCapability),
    show(device.architecture),
  ]);
  return alignColumns(['ID', 'KIND', 'GPU', 'NAME', 'PROFILE', 'VRAM', 'CC', 'ARCH'], rows, new Set([2, 5]));
}

function processesLine(inventory: GpuInventory): string {
  if (inventory.processes === null) return 'Processes: not reported by this output';
  if (inventory.processes.length === 0) return 'Processes: none running';
  const busy = new Set(inventory.processes.map((process) => process.gpuUuid ?? `#${process.gpuIndex ?? '?'}`));
  return `Processes: ${inventory.processes.length} on ${busy.size} GPU${busy.size === 1 ? '' : 's'}`;
}

/** The readable report: versions, one row per GPU, the schedulable devices and a process summary. */
export function inventoryText(inventory: GpuInventory, devices: readonly SchedulableDevice[]): string {
  const parts = [`nvidia-smi ${inventory.format} output · driver ${show(inventory.driverVersion)} · CUDA ${show(inventory.cudaVersion)}`, ''];
  parts.push(inventory.gpus.length > 0 ? gpuTable(inventory) : 'No GPUs in this output.', '');
  parts.push(`Schedulable devices (${devices.length}):`);
  if (devices.length > 0) parts.push(deviceTable(devices));
  parts.push('', processesLine(inventory));
  return `${parts.join('\n')}\n`;
}
