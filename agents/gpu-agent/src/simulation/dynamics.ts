/**
 * How a simulated GPU's slow quantities follow its load: each moves towards a
 * load-dependent target with a first-order lag (temperature over tens of seconds, power
 * and memory within seconds).
 */
import { approach, lerp } from './physics.js';
import type { SimulatedGpu } from './state.js';

export const POWER_TAU_MS = 2_000;
export const MEMORY_TAU_MS = 3_000;

/** The GPU after `elapsedMs` at `load` (0..1). */
export function advance(gpu: SimulatedGpu, load: number, elapsedMs: number): SimulatedGpu {
  const { profile } = gpu;
  const temperatureC = approach(gpu.temperatureC, lerp(profile.idleTemperatureC, profile.fullLoadTemperatureC, load), elapsedMs, profile.thermalTauMs);
  const powerDrawW = approach(gpu.powerDrawW, lerp(profile.idlePowerW, profile.fullLoadPowerW, load), elapsedMs, POWER_TAU_MS);
  const memoryUsedMiB =
    gpu.memoryUsedMiB === null || profile.idleMemoryUsedMiB === null || profile.fullLoadMemoryUsedMiB === null
      ? null
      : approach(gpu.memoryUsedMiB, lerp(profile.idleMemoryUsedMiB, profile.fullLoadMemoryUsedMiB, load), elapsedMs, MEMORY_TAU_MS);
  return { ...gpu, temperatureC, powerDrawW, memoryUsedMiB };
}
