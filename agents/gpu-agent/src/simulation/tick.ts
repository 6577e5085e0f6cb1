/** One simulation step: advance every GPU to `now` under its load and read a sample of each. */
import type { GpuInventory, TelemetrySample } from '@potluck/protocol';
import { advance } from './dynamics.js';
import { clamp } from './physics.js';
import { randomSource } from './prng.js';
import { sampleOf } from './sample.js';
import { restingGpu, type SimulatedGpu, type SimulatorState } from './state.js';

/**
 * Advances the simulation to `now` given each GPU's load (0..1 by GPU index; missing =
 * idle) and returns one sample per GPU of the inventory, in its order, plus the next state.
 * The first tick, a repeated `now` or a clock that stepped back advance nothing.
 */
export function simulateTick(
  inventory: GpuInventory,
  state: SimulatorState,
  loads: ReadonlyMap<number, number>,
  now: number,
): { samples: TelemetrySample[]; state: SimulatorState } {
  if (!Number.isFinite(now) || now < 0) throw new RangeError(`simulation time must be a non-negative epoch in ms, got ${now}`);
  const elapsedMs = state.at === null ? 0 : Math.max(0, now - state.at);
  const random = randomSource(state.random);
  const samples: TelemetrySample[] = [];
  const gpus: SimulatedGpu[] = [];
  for (const gpu of inventory.gpus) {
    const load = loadOf(loads, gpu.index);
    // A GPU the state does not know (the inventory changed) starts at rest.
    const previous = state.gpus.find((candidate) => candidate.index === gpu.index) ?? restingGpu(gpu, random);
    const next = advance(previous, load, elapsedMs);
    gpus.push(next);
    samples.push(sampleOf(gpu, next, load, random, now));
  }
  return { samples, state: { random: random.state(), at: now, gpus } };
}

function loadOf(loads: ReadonlyMap<number, number>, index: number): number {
  const load = loads.get(index) ?? 0;
  return Number.isFinite(load) ? clamp(load, 0, 1) : 0;
}
