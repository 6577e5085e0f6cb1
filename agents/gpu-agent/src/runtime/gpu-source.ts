import type { GpuInventory, GpuProcess, NvidiaSmiError, TelemetrySample } from '@potluck/protocol';

/** Where the agent learns about its GPUs: the real nvidia-smi, or a simulation of a recorded machine. */
export interface GpuSource {
  readonly simulated: boolean;
  /** The machine's inventory (read at start). */
  inventory(): Promise<GpuInventory>;
  /** One telemetry sample per GPU; `loads` says how busy our own work keeps each GPU (0..1 by index). */
  sample(now: number, loads: ReadonlyMap<number, number>): Promise<TelemetrySample[]>;
  /** Compute processes on the GPUs, or null when the driver cannot tell. */
  processes(): Promise<GpuProcess[] | null>;
}

/** nvidia-smi failed or printed an error: the code says which. */
export class GpuSourceError extends Error {
  override name = 'GpuSourceError';
  constructor(
    readonly code: NvidiaSmiError['code'] | 'NVIDIA_SMI_UNAVAILABLE',
    message: string,
  ) {
    super(message);
  }
}
