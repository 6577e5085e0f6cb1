/**
 * Plain `nvidia-smi -q` → {@link GpuInventory}.
 *
 * Driver eras handled side by side: `Power Readings` (≤ 530) and `GPU Power Readings`
 * (535+), `Power Draw` split into `Average` / `Instantaneous Power Draw` (550+), the power
 * limits nested under `GPU Ceiling Power Limit` (610), `FB Memory Usage` and
 * `Shared FB Memory Usage` for MIG devices (590), `MIG Device` sections directly under the
 * GPU or grouped under `MIG Devices`, and driver 610's `KMD Version` / `CUDA UMD Version`
 * next to the deprecated `Driver Version` / `CUDA Version`. Keys are looked up only among
 * the direct children of a section, so the nested `Product Name` of a vGPU licence or the
 * `FB Memory Usage` of a hosted vGPU never stands in for the GPU's own.
 */
import type { Gpu, GpuInventory, GpuProcess, MigDevice } from '@potluck/protocol';
import { computeCapability, count } from './counts.js';
import { unrecognized } from './errors.js';
import { withDerivedProfiles } from './mig-profile.js';
import { buildQTextTree, childNode, childNodes, findNode, valueAt, type QTextNode } from './qtext-tree.js';
import type { ParseResult } from './types.js';
import { bool, busId, isPlaceholder, num, text } from './values.js';
import { firstVersion } from './versions.js';

const GPU_HEADER = /^GPU\s+([0-9A-Fa-f]{1,8}:[0-9A-Fa-f]{1,2}:[0-9A-Fa-f]{1,2}\.[0-9A-Fa-f])$/;

/** Parses `-q` text. Total: any input gives a result, never an exception. */
export function parseQText(input: string): ParseResult {
  const root = buildQTextTree(input);
  const gpuSections = root.children.filter((node) => node.value === null && GPU_HEADER.test(node.key));
  const hasHeader = childNode(root, 'Driver Version') ?? childNode(root, 'KMD Version') ?? childNode(root, 'Attached GPUs');
  if (gpuSections.length === 0 && !hasHeader) return unrecognized('no GPU section and no header in the -q text');

  const gpus = gpuSections.map((section, position) => readGpu(section, position));
  const inventory: GpuInventory = {
    format: 'qtext',
    timestamp: text(valueAt(root, 'Timestamp')),
    driverVersion: firstVersion(valueAt(root, 'KMD Version'), valueAt(root, 'Driver Version')),
    cudaVersion: firstVersion(valueAt(root, 'CUDA UMD Version'), valueAt(root, 'CUDA Version')),
    gpus,
    processes: readProcesses(gpuSections, gpus),
  };
  return { ok: true, inventory };
}

/** One `GPU <bus id>` section; `index` is its position, nvidia-smi's own numbering (see xml.ts). */
function readGpu(section: QTextNode, position: number): Gpu {
  const power = childNode(section, 'GPU Power Readings') ?? childNode(section, 'Power Readings');
  const productName = text(valueAt(section, 'Product Name')) ?? '';
  const memoryTotalMiB = num(valueAt(section, 'FB Memory Usage', 'Total'));
  return {
    index: position,
    uuid: text(valueAt(section, 'GPU UUID')),
    name: productName,
    busId: busId(valueAt(section, 'PCI', 'Bus Id') ?? GPU_HEADER.exec(section.key)?.[1]),
    serial: text(valueAt(section, 'Serial Number')),
    vbiosVersion: text(valueAt(section, 'VBIOS Version')),
    virtualizationMode: text(valueAt(section, 'GPU Virtualization Mode', 'Virtualization Mode')),
    persistenceMode: bool(valueAt(section, 'Persistence Mode')),
    memoryTotalMiB,
    memoryUsedMiB: num(valueAt(section, 'FB Memory Usage', 'Used')),
    memoryFreeMiB: num(valueAt(section, 'FB Memory Usage', 'Free')),
    utilizationGpuPct: num(valueAt(section, 'Utilization', 'GPU')),
    utilizationMemoryPct: num(valueAt(section, 'Utilization', 'Memory')),
    temperatureC: num(valueAt(section, 'Temperature', 'GPU Current Temp')),
    fanSpeedPct: num(valueAt(section, 'Fan Speed')),
    pstate: text(valueAt(section, 'Performance State')),
    powerDrawW: firstNumber(power, ['Power Draw', 'Average Power Draw', 'Instantaneous Power Draw']),
    powerLimitW: readPowerLimit(power),
    clocksGraphicsMHz: num(valueAt(section, 'Clocks', 'Graphics')),
    clocksSmMHz: num(valueAt(section, 'Clocks', 'SM')),
    clocksMemoryMHz: num(valueAt(section, 'Clocks', 'Memory')),
    clocksMaxGraphicsMHz: num(valueAt(section, 'Max Clocks', 'Graphics')),
    clocksMaxMemoryMHz: num(valueAt(section, 'Max Clocks', 'Memory')),
    // Absent from every -q output seen so far; read in case a driver adds it.
    computeCapability: computeCapability(valueAt(section, 'CUDA Compute Capability') ?? valueAt(section, 'Compute Capability')),
    migEnabled: bool(valueAt(section, 'MIG Mode', 'Current')),
    migDevices: withDerivedProfiles(readMigDevices(section), { productName, parentMemoryMiB: memoryTotalMiB }),
  };
}

const POWER_LIMIT_KEYS = ['Enforced Power Limit', 'Current Power Limit', 'Power Limit'] as const;

/** The enforced limit; driver 610 nests it under `GPU Ceiling Power Limit`. */
function readPowerLimit(power: QTextNode | undefined): number | null {
  const direct = firstNumber(power, POWER_LIMIT_KEYS);
  if (direct !== null) return direct;
  for (const key of POWER_LIMIT_KEYS) {
    const nested = num(findNode(power, key)?.value);
    if (nested !== null) return nested;
  }
  return null;
}

/** The first of `keys` (direct children of `section`) that holds a number. */
function firstNumber(section: QTextNode | undefined, keys: readonly string[]): number | null {
  for (const key of keys) {
    const value = num(valueAt(section, key));
    if (value !== null) return value;
  }
  return null;
}

function readMigDevices(gpu: QTextNode): MigDevice[] {
  const sections = [...childNodes(gpu, 'MIG Device'), ...childNodes(childNode(gpu, 'MIG Devices'), 'MIG Device')];
  return sections.map((device) => {
    const memory = childNode(device, 'Shared FB Memory Usage') ?? childNode(device, 'FB Memory Usage');
    return {
      index: count(valueAt(device, 'Index')),
      gpuInstanceId: count(valueAt(device, 'GPU Instance ID')),
      computeInstanceId: count(valueAt(device, 'Compute Instance ID')),
      uuid: text(valueAt(device, 'UUID') ?? valueAt(device, 'MIG Device UUID')),
      profile: null,
      smCount: count(valueAt(device, 'Device Attributes', 'Shared', 'Multiprocessor count')),
      memoryTotalMiB: num(valueAt(memory, 'Total')),
      memoryUsedMiB: num(valueAt(memory, 'Used')),
    };
  });
}

/**
 * Processes of every GPU. `Processes : None` is an empty list; a placeholder such as
 * `Not Supported` (or no `Processes` line at all) says nothing, and the inventory's list
 * is `null` when no GPU said anything.
 */
function readProcesses(gpuSections: readonly QTextNode[], gpus: readonly Gpu[]): GpuProcess[] | null {
  let reported = false;
  const processes: GpuProcess[] = [];
  gpuSections.forEach((section, position) => {
    const list = childNode(section, 'Processes');
    if (!list) return;
    const value = list.value;
    if (value !== null && value.toLowerCase() !== 'none' && (isPlaceholder(value) || list.children.length === 0)) return;
    reported = true;
    processes.push(...readProcessEntries(list, gpus[position]?.uuid ?? null, position));
  });
  return reported ? processes : null;
}

const PROCESS_FIELDS = new Set(['type', 'name', 'used gpu memory']);

/**
 * Entries of a `Processes` section. Each starts at `Process ID`; its `Type`, `Name` and
 * `Used GPU Memory` are printed nested under it, or (some drivers) as following siblings.
 */
function readProcessEntries(list: QTextNode, gpuUuid: string | null, gpuIndex: number): GpuProcess[] {
  const processes: GpuProcess[] = [];
  let current: GpuProcess | null = null;
  const apply = (field: QTextNode): void => {
    if (!current) return;
    if (field.normalizedKey === 'type') current.type = text(field.value);
    else if (field.normalizedKey === 'name') current.name = text(field.value) ?? '';
    else if (field.normalizedKey === 'used gpu memory') current.usedMemoryMiB = num(field.value);
  };
  for (const node of list.children) {
    if (node.normalizedKey === 'process id') {
      const pid = count(node.value);
      current = pid === null ? null : { gpuUuid, gpuIndex, pid, type: null, name: '', usedMemoryMiB: null };
      if (current) processes.push(current);
      for (const field of node.children) apply(field);
    } else if (PROCESS_FIELDS.has(node.normalizedKey)) {
      apply(node);
    }
  }
  return processes;
}
