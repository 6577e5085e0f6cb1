/** The simulator's state between ticks: plain, serialisable data. */
import type { Gpu, GpuInventory } from '@potluck/protocol';
import { profileOf, type GpuProfile } from './profile.js';
import { randomSource, seedState, type RandomSource } from './prng.js';

/** One simulated GPU: its fixed traits and where its slow quantities stand. */
export interface SimulatedGpu {
  index: number;
  profile: GpuProfile;
  temperatureC: number;
  powerDrawW: number;
  memoryUsedMiB: number | null;
}

export interface SimulatorState {
  /** The PRNG state (uint32). */
  random: number;
  /** When the last tick ran (ms since epoch); `null` before the first. */
  at: number | null;
  gpus: SimulatedGpu[];
}

/** Every GPU of the inventory at rest, with its traits drawn from `seed`. */
export function initialSimulatorState(inventory: GpuInventory, seed: number): SimulatorState {
  const random = randomSource(seedState(seed));
  const gpus = inventory.gpus.map((gpu) => restingGpu(gpu, random));
  return { random: random.state(), at: null, gpus };
}

/** A GPU sitting idle. */
export function restingGpu(gpu: Gpu, random: RandomSource): SimulatedGpu {
  const profile = profileOf(gpu, random);
  return { index: gpu.index, profile, temperatureC: profile.idleTemperatureC, powerDrawW: profile.idlePowerW, memoryUsedMiB: profile.idleMemoryUsedMiB };
}
