/**
 * `nvidia-smi -q -x` → {@link GpuInventory}, DTD versions 7 to 13.
 *
 * Renamed tags handled side by side: `power_readings` became `gpu_power_readings` at
 * driver 535 (next to a new `module_power_readings`, never read for the GPU's own power),
 * `power_draw` split into `average_power_draw` / `instant_power_draw` in DTD v13, and
 * driver 610's `kmd_version` / `cuda_umd_version` are preferred to the deprecated
 * `driver_version` / `cuda_version`. `clocks_throttle_reasons` (renamed
 * `clocks_event_reasons` at 535) carry nothing the inventory needs and are skipped.
 */
import type { Gpu, GpuInventory, GpuProcess, MigDevice } from '@potluck/protocol';
import { computeCapability, count } from './counts.js';
import { unrecognized } from './errors.js';
import { withDerivedProfiles } from './mig-profile.js';
import type { ParseResult } from './types.js';
import { bool, busId, num, text } from './values.js';
import { firstVersion } from './versions.js';
import { attribute, child, childrenNamed, findDescendant, textAt } from './xml-query.js';
import { buildXmlTree, type XmlElement } from './xml-tree.js';

/** The elements the inventory reads; everything else is skipped unread, which is most of the speed. */
const READ_ELEMENTS: ReadonlySet<string> = new Set([
  'nvidia_smi_log', 'timestamp', 'driver_version', 'kmd_version', 'cuda_version', 'cuda_umd_version',
  'gpu', 'product_name', 'uuid', 'compute_cap', 'serial', 'vbios_version', 'persistence_mode', 'fan_speed', 'performance_state',
  'gpu_virtualization_mode', 'virtualization_mode', 'pci', 'pci_bus_id',
  'fb_memory_usage', 'total', 'used', 'free', 'utilization', 'gpu_util', 'memory_util', 'temperature', 'gpu_temp',
  'power_readings', 'gpu_power_readings', 'power_draw', 'average_power_draw', 'instant_power_draw',
  'enforced_power_limit', 'current_power_limit', 'power_limit',
  'clocks', 'max_clocks', 'graphics_clock', 'sm_clock', 'mem_clock',
  'mig_mode', 'current_mig', 'mig_devices', 'mig_device', 'index', 'gpu_instance_id', 'compute_instance_id',
  'device_attributes', 'shared', 'multiprocessor_count',
  'processes', 'process_info', 'pid', 'type', 'process_name', 'used_memory',
]);

/** Power readings keep every child: a newer driver may nest the limits in a section of a new name. */
const OPEN_SECTIONS: ReadonlySet<string> = new Set(['power_readings', 'gpu_power_readings']);

function isRead(name: string, parent: XmlElement): boolean {
  if (parent.name === 'pci') return name === 'pci_bus_id';
  return READ_ELEMENTS.has(name) || OPEN_SECTIONS.has(parent.name);
}

/** Parses the XML inventory. Total: any input gives a result, never an exception. */
export function parseXml(input: string): ParseResult {
  const log = child(buildXmlTree(input, { keep: isRead }), 'nvidia_smi_log');
  if (!log) return unrecognized('no <nvidia_smi_log> element in the XML');

  const gpuElements = childrenNamed(log, 'gpu');
  const gpus = gpuElements.map((element, position) => readGpu(element, position));
  const inventory: GpuInventory = {
    format: 'xml',
    timestamp: text(textAt(log, 'timestamp')),
    driverVersion: firstVersion(textAt(log, 'kmd_version'), textAt(log, 'driver_version')),
    cudaVersion: firstVersion(textAt(log, 'cuda_umd_version'), textAt(log, 'cuda_version')),
    gpus,
    processes: readProcesses(gpuElements, gpus),
  };
  return { ok: true, inventory };
}

/**
 * One `<gpu>`. `index` is the position in the document, which is nvidia-smi's own index
 * (GPUs are listed in index order); `minor_number` is the `/dev/nvidiaN` number, differs
 * from it on some hosts and is `N/A` on Windows.
 */
function readGpu(element: XmlElement, position: number): Gpu {
  const power = child(element, 'gpu_power_readings') ?? child(element, 'power_readings');
  const productName = text(textAt(element, 'product_name')) ?? '';
  const memoryTotalMiB = num(textAt(element, 'fb_memory_usage', 'total'));
  return {
    index: position,
    uuid: text(textAt(element, 'uuid')),
    name: productName,
    busId: busId(attribute(element, 'id') ?? textAt(element, 'pci', 'pci_bus_id')),
    serial: text(textAt(element, 'serial')),
    vbiosVersion: text(textAt(element, 'vbios_version')),
    virtualizationMode: text(textAt(element, 'gpu_virtualization_mode', 'virtualization_mode')),
    persistenceMode: bool(textAt(element, 'persistence_mode')),
    memoryTotalMiB,
    memoryUsedMiB: num(textAt(element, 'fb_memory_usage', 'used')),
    memoryFreeMiB: num(textAt(element, 'fb_memory_usage', 'free')),
    utilizationGpuPct: num(textAt(element, 'utilization', 'gpu_util')),
    utilizationMemoryPct: num(textAt(element, 'utilization', 'memory_util')),
    temperatureC: num(textAt(element, 'temperature', 'gpu_temp')),
    fanSpeedPct: num(textAt(element, 'fan_speed')),
    pstate: text(textAt(element, 'performance_state')),
    powerDrawW: firstNumber(power, ['power_draw', 'average_power_draw', 'instant_power_draw']),
    powerLimitW: readPowerLimit(power),
    clocksGraphicsMHz: num(textAt(element, 'clocks', 'graphics_clock')),
    clocksSmMHz: num(textAt(element, 'clocks', 'sm_clock')),
    clocksMemoryMHz: num(textAt(element, 'clocks', 'mem_clock')),
    clocksMaxGraphicsMHz: num(textAt(element, 'max_clocks', 'graphics_clock')),
    clocksMaxMemoryMHz: num(textAt(element, 'max_clocks', 'mem_clock')),
    computeCapability: computeCapability(textAt(element, 'compute_cap')), // in no DTD seen so far; read in case
    migEnabled: bool(textAt(element, 'mig_mode', 'current_mig')),
    migDevices: withDerivedProfiles(readMigDevices(element), { productName, parentMemoryMiB: memoryTotalMiB }),
  };
}

const POWER_LIMIT_FIELDS = ['enforced_power_limit', 'current_power_limit', 'power_limit'] as const;

/** The enforced limit; newer drivers may nest the limits one level deeper, so look there too. */
function readPowerLimit(power: XmlElement | undefined): number | null {
  const direct = firstNumber(power, POWER_LIMIT_FIELDS);
  if (direct !== null) return direct;
  for (const name of POWER_LIMIT_FIELDS) {
    const nested = num(findDescendant(power, name)?.text);
    if (nested !== null) return nested;
  }
  return null;
}

/** The first of `names` (direct children of `parent`) that holds a number. */
function firstNumber(parent: XmlElement | undefined, names: readonly string[]): number | null {
  for (const name of names) {
    const value = num(textAt(parent, name));
    if (value !== null) return value;
  }
  return null;
}

function readMigDevices(gpu: XmlElement): MigDevice[] {
  return childrenNamed(child(gpu, 'mig_devices'), 'mig_device').map((device) => ({
    index: count(textAt(device, 'index')),
    gpuInstanceId: count(textAt(device, 'gpu_instance_id')),
    computeInstanceId: count(textAt(device, 'compute_instance_id')),
    uuid: text(textAt(device, 'uuid')),
    profile: null,
    smCount: count(textAt(device, 'device_attributes', 'shared', 'multiprocessor_count')),
    memoryTotalMiB: num(textAt(device, 'fb_memory_usage', 'total')),
    memoryUsedMiB: num(textAt(device, 'fb_memory_usage', 'used')),
  }));
}

/**
 * Processes of every GPU. `null` when no GPU says anything about processes (element
 * absent, or a placeholder such as `N/A` / `Not Supported`); otherwise the list, possibly
 * empty (`<processes/>`, `<processes></processes>`).
 */
function readProcesses(gpuElements: readonly XmlElement[], gpus: readonly Gpu[]): GpuProcess[] | null {
  let reported = false;
  const processes: GpuProcess[] = [];
  gpuElements.forEach((element, position) => {
    const list = child(element, 'processes');
    if (!list) return;
    const entries = childrenNamed(list, 'process_info');
    if (entries.length === 0 && list.text !== '' && list.text.toLowerCase() !== 'none') return;
    reported = true;
    const gpu = gpus[position];
    for (const entry of entries) {
      const process = readProcess(entry, gpu?.uuid ?? null, position);
      if (process) processes.push(process);
    }
  });
  return reported ? processes : null;
}

function readProcess(entry: XmlElement, gpuUuid: string | null, gpuIndex: number): GpuProcess | null {
  const pid = count(textAt(entry, 'pid'));
  if (pid === null) return null;
  return {
    gpuUuid,
    gpuIndex,
    pid,
    type: text(textAt(entry, 'type')),
    name: text(textAt(entry, 'process_name')) ?? '',
    usedMemoryMiB: num(textAt(entry, 'used_memory')),
  };
}
