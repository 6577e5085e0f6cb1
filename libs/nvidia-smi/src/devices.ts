/**
 * The units the scheduler can hand out, derived from an inventory: a whole GPU, or, on
 * a GPU with MIG enabled, each MIG device (the parent is then not schedulable as a whole:
 * CUDA only sees its MIG devices).
 */
import type { Gpu, GpuInventory, MigDevice, SchedulableDevice } from '@potluck/protocol';
import { architectureOf, lookupKnownGpu } from './known-gpus.js';

/** Compute capability as printed, else from the known-models table by name; `null` when neither knows. */
export function computeCapabilityOf(gpu: Pick<Gpu, 'computeCapability' | 'name'>): string | null {
  return gpu.computeCapability ?? lookupKnownGpu(gpu.name)?.computeCapability ?? null;
}

/** The inventory with each GPU's missing compute capability filled from the known-models table. */
export function withKnownComputeCapabilities(inventory: GpuInventory): GpuInventory {
  return { ...inventory, gpus: inventory.gpus.map((gpu) => ({ ...gpu, computeCapability: computeCapabilityOf(gpu) })) };
}

/** True when the GPU's MIG devices, not the GPU itself, are what can be scheduled. */
export function isMigPartitioned(gpu: Gpu): boolean {
  return gpu.migEnabled ?? gpu.migDevices.length > 0;
}

/** `gpu.uuid` when it names this GPU alone; `gpu<index>` when the output has none (the table) or repeats it (masked outputs). */
function baseIdOf(gpu: Gpu, uuidCounts: ReadonlyMap<string, number>): string {
  return gpu.uuid !== null && uuidCounts.get(gpu.uuid) === 1 ? gpu.uuid : `gpu${gpu.index}`;
}

function migId(base: string, mig: MigDevice, position: number): string {
  if (mig.uuid) return mig.uuid;
  if (mig.gpuInstanceId !== null && mig.computeInstanceId !== null) return `${base}/gi${mig.gpuInstanceId}/ci${mig.computeInstanceId}`;
  return `${base}/mig${mig.index ?? position}`;
}

/** Keeps ids unique within one inventory even when the output repeats itself. */
function uniqueIds(devices: SchedulableDevice[]): SchedulableDevice[] {
  const seen = new Map<string, number>();
  return devices.map((device) => {
    const count = (seen.get(device.id) ?? 0) + 1;
    seen.set(device.id, count);
    return count === 1 ? device : { ...device, id: `${device.id}~${count}` };
  });
}

/**
 * Whole GPUs and MIG devices of an inventory, in GPU order. A MIG-enabled GPU without
 * MIG devices yields nothing (MIG mode on, no instances created). Ids are the GPU or MIG
 * UUID; outputs without UUIDs (the table) get `gpu<index>` and `…/gi<N>/ci<M>` instead,
 * stable for one machine as long as its GPUs keep their order. Ids are unique within
 * the inventory.
 */
export function schedulableDevices(inventory: GpuInventory): SchedulableDevice[] {
  const uuidCounts = new Map<string, number>();
  for (const gpu of inventory.gpus) if (gpu.uuid !== null) uuidCounts.set(gpu.uuid, (uuidCounts.get(gpu.uuid) ?? 0) + 1);

  const devices: SchedulableDevice[] = [];
  for (const gpu of inventory.gpus) {
    const computeCapability = computeCapabilityOf(gpu);
    const base = baseIdOf(gpu, uuidCounts);
    const device = (id: string, kind: 'gpu' | 'mig', migProfile: string | null, memoryTotalMiB: number | null): SchedulableDevice => ({
      id,
      kind,
      gpuIndex: gpu.index,
      gpuUuid: gpu.uuid,
      name: gpu.name,
      migProfile,
      memoryTotalMiB,
      computeCapability,
      architecture: architectureOf(computeCapability) ?? lookupKnownGpu(gpu.name)?.architecture ?? null,
      driverVersion: inventory.driverVersion,
      cudaVersion: inventory.cudaVersion,
    });
    if (!isMigPartitioned(gpu)) devices.push(device(base, 'gpu', null, gpu.memoryTotalMiB));
    else gpu.migDevices.forEach((mig, position) => devices.push(device(migId(base, mig, position), 'mig', mig.profile, mig.memoryTotalMiB)));
  }
  return uniqueIds(devices);
}
