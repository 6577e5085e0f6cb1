/**
 * A telemetry sample of a simulated GPU, shaped like a real reading: whole percent and
 * degrees, within physical bounds, with a little noise, and `null` wherever the recorded
 * inventory had no value (a simulation never invents a field the machine lacks).
 */
import type { Gpu, TelemetrySample } from '@potluck/protocol';
import { clamp, lerp, roundTo } from './physics.js';
import type { RandomSource } from './prng.js';
import type { SimulatedGpu } from './state.js';

/** Load from which a GPU boosts its clocks and leaves its idle performance state. */
const ACTIVE_LOAD = 0.05;
const MAX_FAN_UNDER_LOAD_PCT = 85;

export function sampleOf(gpu: Gpu, simulated: SimulatedGpu, load: number, random: RandomSource, at: number): TelemetrySample {
  // Always the same draws per GPU, so one GPU's missing fields never shift another's noise.
  const utilizationNoise = random.next();
  const memoryNoise = random.next();
  const powerNoise = random.next();
  const { profile } = simulated;
  const active = load >= ACTIVE_LOAD;
  const powerCap = gpu.powerLimitW !== null && gpu.powerLimitW > 0 ? gpu.powerLimitW : profile.powerCeilingW;
  const powerJitter = (powerNoise * 2 - 1) * (load > 0 ? 0.02 : 0.01);
  const warmth = clamp((simulated.temperatureC - profile.idleTemperatureC) / (profile.fullLoadTemperatureC - profile.idleTemperatureC), 0, 1);
  return {
    gpuUuid: gpu.uuid !== null && gpu.uuid.length > 0 && gpu.uuid.length <= 128 ? gpu.uuid : `gpu-${gpu.index}`,
    at: Math.floor(at),
    utilizationGpuPct: gpu.utilizationGpuPct === null ? null : percent(load > 0 ? load * 100 + (utilizationNoise * 6 - 3) : Math.floor(Math.max(0, utilizationNoise - 0.8) * 15)),
    utilizationMemoryPct: gpu.utilizationMemoryPct === null ? null : percent(load * profile.memoryUtilizationFactor * 100 + (load > 0 ? memoryNoise * 4 - 2 : 0)),
    memoryUsedMiB: gpu.memoryUsedMiB === null || simulated.memoryUsedMiB === null ? null : Math.round(clamp(simulated.memoryUsedMiB, 0, gpu.memoryTotalMiB ?? Number.POSITIVE_INFINITY)),
    memoryTotalMiB: gpu.memoryTotalMiB,
    temperatureC: gpu.temperatureC === null ? null : Math.round(simulated.temperatureC),
    powerDrawW: gpu.powerDrawW === null ? null : roundTo(clamp(simulated.powerDrawW * (1 + powerJitter), 0, powerCap), 2),
    powerLimitW: gpu.powerLimitW,
    clocksSmMHz: active ? profile.boostClockSmMHz : profile.idleClockSmMHz,
    fanSpeedPct: profile.idleFanPct === null ? null : percent(lerp(profile.idleFanPct, Math.max(profile.idleFanPct, MAX_FAN_UNDER_LOAD_PCT), warmth)),
    pstate: gpu.pstate === null ? null : active ? 'P0' : gpu.pstate,
  };
}

function percent(value: number): number {
  return clamp(Math.round(value), 0, 100);
}
