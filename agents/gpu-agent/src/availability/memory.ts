/**
 * Per-GPU memory carried between ticks: who last used a GPU besides the agent (for the
 * yield cool-down) and whether a cap tripped (for hysteresis). Plain JSON.
 */

/** A process that is not the agent's. */
export interface ForeignProcess {
  pid: number;
  name: string;
}

export interface GpuMemory {
  /** The last process not ours seen on the GPU, while it is there or its cool-down runs; else `null`. */
  foreign: ForeignProcess | null;
  /** When the GPU was first seen free of `foreign` (start of the cool-down, ms since epoch); `null` while it is there. */
  freeSince: number | null;
  /** The temperature cap tripped and the GPU has not yet cooled below cap − 3 °C. */
  overTemperature: boolean;
  /** The power cap tripped and the draw has not yet fallen below 95 % of it. */
  overPower: boolean;
}

export interface AvailabilityMemory {
  /** By `deviceId`; holds the GPUs of the last tick only. */
  gpus: Record<string, GpuMemory>;
}

export const FRESH_GPU_MEMORY: Readonly<GpuMemory> = { foreign: null, freeSince: null, overTemperature: false, overPower: false };

export function initialMemory(): AvailabilityMemory {
  return { gpus: {} };
}

/** The memory of one GPU, fresh when there is none. */
export function gpuMemoryOf(memory: AvailabilityMemory, deviceId: string): GpuMemory {
  const found = Object.hasOwn(memory.gpus, deviceId) ? memory.gpus[deviceId] : undefined;
  return found ?? { ...FRESH_GPU_MEMORY };
}
