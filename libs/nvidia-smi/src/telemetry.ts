import type { GpuInventory, TelemetrySample } from '@potluck/protocol';

/**
 * One telemetry sample per GPU of an inventory, for the agent's sampling loop (usually
 * fed by `--query-gpu` CSV). GPUs without a UUID are skipped: a sample must name its GPU.
 * `at` is milliseconds since the Unix epoch.
 */
export function toTelemetrySamples(inventory: GpuInventory, at: number): TelemetrySample[] {
  if (!Number.isFinite(at) || at < 0) throw new RangeError(`telemetry time must be a non-negative epoch in ms, got ${at}`);
  const time = Math.floor(at);
  const samples: TelemetrySample[] = [];
  for (const gpu of inventory.gpus) {
    if (gpu.uuid === null || gpu.uuid.length === 0 || gpu.uuid.length > 128) continue;
    samples.push({
      gpuUuid: gpu.uuid,
      at: time,
      utilizationGpuPct: gpu.utilizationGpuPct,
      utilizationMemoryPct: gpu.utilizationMemoryPct,
      memoryUsedMiB: gpu.memoryUsedMiB,
      memoryTotalMiB: gpu.memoryTotalMiB,
      temperatureC: gpu.temperatureC,
      powerDrawW: gpu.powerDrawW,
      powerLimitW: gpu.powerLimitW,
      clocksSmMHz: gpu.clocksSmMHz,
      fanSpeedPct: gpu.fanSpeedPct,
      pstate: gpu.pstate,
    });
  }
  return samples;
}
