/**
 * The fixed traits of one simulated GPU, drawn once from its recorded inventory and the
 * seed: where it idles, how hot and power-hungry full load makes it, how fast it warms.
 * Values the recording shows are used when they look like an idle GPU; otherwise
 * plausible ones are drawn.
 */
import type { Gpu } from '@potluck/protocol';
import { clamp } from './physics.js';
import type { RandomSource } from './prng.js';

export interface GpuProfile {
  idleTemperatureC: number;
  fullLoadTemperatureC: number;
  /** Thermal time constant (first-order lag), 30–60 s. */
  thermalTauMs: number;
  idlePowerW: number;
  /** Draw at full load: 85–95 % of the power limit. */
  fullLoadPowerW: number;
  /** The power limit, or a nominal one by memory size when the recording has none (never reported). */
  powerCeilingW: number;
  /** `null` when the recording has no memory reading. */
  idleMemoryUsedMiB: number | null;
  /** Memory in use at full load (a job takes 50–85 % of what is free); the idle value when the total is unknown. */
  fullLoadMemoryUsedMiB: number | null;
  /** Memory-controller utilisation per unit of load. */
  memoryUtilizationFactor: number;
  idleFanPct: number | null;
  idleClockSmMHz: number | null;
  boostClockSmMHz: number | null;
}

const IDLE_TEMPERATURE_RANGE_C = [30, 45] as const;

export function profileOf(gpu: Gpu, random: RandomSource): GpuProfile {
  const idleTemperatureC = plausibleIdleTemperature(gpu.temperatureC) ?? random.between(32, 40);
  const powerCeilingW = positive(gpu.powerLimitW) ?? nominalPowerLimitW(gpu.memoryTotalMiB);
  const idlePowerW =
    plausibleIdlePower(gpu.powerDrawW, gpu.powerLimitW) ??
    (positive(gpu.powerLimitW) === null ? nominalIdlePowerW(gpu.memoryTotalMiB) : powerCeilingW * random.between(0.08, 0.12));
  return {
    idleTemperatureC,
    fullLoadTemperatureC: random.between(72, 83),
    thermalTauMs: random.between(30_000, 60_000),
    idlePowerW,
    fullLoadPowerW: Math.max(idlePowerW, powerCeilingW * random.between(0.85, 0.95)),
    powerCeilingW,
    ...memory(gpu.memoryUsedMiB, gpu.memoryTotalMiB, random.between(0.005, 0.02), random.between(0.5, 0.85)),
    memoryUtilizationFactor: random.between(0.3, 0.7),
    idleFanPct: gpu.fanSpeedPct === null ? null : gpu.fanSpeedPct <= 50 ? clamp(gpu.fanSpeedPct, 0, 100) : 30,
    ...clocks(gpu, random.between(0.92, 1)),
  };
}

function plausibleIdleTemperature(temperatureC: number | null): number | null {
  const [low, high] = IDLE_TEMPERATURE_RANGE_C;
  return temperatureC !== null && temperatureC >= low && temperatureC <= high ? temperatureC : null;
}

/** The recorded draw when it looks idle: above zero and at most 30 % of the limit (150 W without one). */
function plausibleIdlePower(drawW: number | null, limitW: number | null): number | null {
  if (drawW === null || drawW <= 0) return null;
  const limit = positive(limitW);
  return drawW <= (limit === null ? 150 : limit * 0.3) ? drawW : null;
}

/** Idle use: the recorded one when it looks idle (at most 15 % of the total), else a sliver of the total. */
function memory(usedMiB: number | null, totalMiB: number | null, sliver: number, workingSet: number): Pick<GpuProfile, 'idleMemoryUsedMiB' | 'fullLoadMemoryUsedMiB'> {
  if (usedMiB === null) return { idleMemoryUsedMiB: null, fullLoadMemoryUsedMiB: null };
  if (totalMiB === null || totalMiB <= 0) return { idleMemoryUsedMiB: Math.max(0, usedMiB), fullLoadMemoryUsedMiB: Math.max(0, usedMiB) };
  const idle = usedMiB >= 0 && usedMiB <= totalMiB * 0.15 ? usedMiB : Math.round(totalMiB * sliver);
  return { idleMemoryUsedMiB: idle, fullLoadMemoryUsedMiB: Math.round(idle + (totalMiB - idle) * workingSet) };
}

function clocks(gpu: Gpu, boostShare: number): Pick<GpuProfile, 'idleClockSmMHz' | 'boostClockSmMHz'> {
  const recorded = gpu.clocksSmMHz;
  if (recorded === null) return { idleClockSmMHz: null, boostClockSmMHz: null };
  const max = positive(gpu.clocksMaxGraphicsMHz);
  if (max === null) return { idleClockSmMHz: recorded, boostClockSmMHz: recorded };
  return { idleClockSmMHz: recorded <= max * 0.5 ? recorded : Math.round(max * 0.2), boostClockSmMHz: Math.round(max * boostShare) };
}

/** Board power typical of a card with this much memory, when the recording has no limit. */
export function nominalPowerLimitW(memoryTotalMiB: number | null): number {
  return byMemory(memoryTotalMiB, [150, 250, 350, 300, 500], 250);
}

/** Idle draw typical of a card with this much memory, when nothing better is known. */
export function nominalIdlePowerW(memoryTotalMiB: number | null): number {
  return byMemory(memoryTotalMiB, [10, 15, 22, 30, 60], 20);
}

/** Picks by memory size: ≤ 8, ≤ 16, ≤ 24, ≤ 48 GiB, more; `unknown` without a size. */
function byMemory(memoryTotalMiB: number | null, [upTo8, upTo16, upTo24, upTo48, more]: readonly [number, number, number, number, number], unknown: number): number {
  if (memoryTotalMiB === null || memoryTotalMiB <= 0) return unknown;
  const gib = memoryTotalMiB / 1024;
  if (gib <= 8.5) return upTo8;
  if (gib <= 16.5) return upTo16;
  if (gib <= 24.5) return upTo24;
  if (gib <= 48.5) return upTo48;
  return more;
}

function positive(value: number | null): number | null {
  return value !== null && value > 0 ? value : null;
}
