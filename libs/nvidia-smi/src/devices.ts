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

function baseId(gpu: Gpu): string {
  return gpu.uuid ?? `gpu${gpu.index}`;
}

function migId(gpu: Gpu, mig: MigDevice, position: number): string {
  if (mig.uuid) return mig.uuid;
  if (mig.gpuInstanceId !== null && mig.computeInstanceId !== null) {
    return `${baseId(gpu)}/gi${mig.gpuInstanceId}/ci${mig.computeInstanceId}`;
  }
  return `${baseId(gpu)}/mig${mig.index ?? position}`;
}

/**
 * Whole GPUs and MIG devices of an inventory, in GPU order. A MIG-enabled GPU without
 * MIG devices yields nothing (MIG mode on, no instances created). Ids are the GPU or MIG
 * UUID; outputs without UUIDs (the table) get `gpu<index>` and `…/gi<N>/ci<M>` instead,
 * stable for one machine as long as its GPUs keep their order.
 */
export function schedulableDevices(inventory: GpuInventory): SchedulableDevice[] {
  const devices: SchedulableDevice[] = [];
  for (const gpu of inventory.gpus) {
    const computeCapability = computeCapabilityOf(gpu);
    const common = {
      gpuIndex: gpu.index,
      gpuUuid: gpu.uuid,
      name: gpu.name,
      computeCapability,
      architecture: architectureOf(computeCapability) ?? lookupKnownGpu(gpu.name)?.architecture ?? null,
      driverVersion: inventory.driverVersion,
      cudaVersion: inventory.cudaVersion,
    };
    if (!isMigPartitioned(gpu)) {
      devices.push({ id: baseId(gpu), kind: 'gpu', migProfile: null, memoryTotalMiB: gpu.memoryTotalMiB, ...common });
      continue;
    }
    gpu.migDevices.forEach((mig, position) => {
      devices.push({ id: migId(gpu, mig, position), kind: 'mig', migProfile: mig.profile, memoryTotalMiB: mig.memoryTotalMiB, ...common });
    });
  }
  return devices;
}
