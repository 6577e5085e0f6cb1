import { readFileSync } from 'node:fs';
import { parseNvidiaSmi } from '@potluck/nvidia-smi';
import { TelemetrySampleSchema, type Gpu, type GpuInventory, type TelemetrySample } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../testing/fakes.js';
import { initialSimulatorState, simulateTick, type SimulatorState } from './index.js';
import { randomSource, seedState } from './prng.js';

const T0 = Date.parse('2026-07-15T12:00:00Z');
const SECOND = 1000;

/** An idle 24 GiB card with every field present. */
const gpuOf = (overrides: Partial<Gpu> = {}): Gpu => ({
  index: 0,
  uuid: 'GPU-11111111-2222-3333-4444-555555555555',
  name: 'NVIDIA GeForce RTX 3090',
  busId: '00000000:01:00.0',
  serial: null,
  vbiosVersion: null,
  virtualizationMode: null,
  persistenceMode: true,
  memoryTotalMiB: 24_576,
  memoryUsedMiB: 300,
  memoryFreeMiB: 24_276,
  utilizationGpuPct: 0,
  utilizationMemoryPct: 0,
  temperatureC: 38,
  fanSpeedPct: 30,
  pstate: 'P8',
  powerDrawW: 28,
  powerLimitW: 350,
  clocksGraphicsMHz: 210,
  clocksSmMHz: 210,
  clocksMemoryMHz: 405,
  clocksMaxGraphicsMHz: 2100,
  clocksMaxMemoryMHz: 9751,
  computeCapability: '8.6',
  migEnabled: null,
  migDevices: [],
  ...overrides,
});
const inventoryOf = (gpus: Gpu[]): GpuInventory => ({ format: 'xml', timestamp: null, driverVersion: '550.54.14', cudaVersion: '12.4', gpus, processes: [] });
const recorded = (relative: string): GpuInventory => {
  const result = parseNvidiaSmi(readFileSync(fixturePath(relative), 'utf8'));
  if (!result.ok) throw new Error(`${relative}: ${result.error.message}`);
  return result.inventory;
};
const H100X8 = 'qtext/thamada-nvidia-smi__H100SXMx8_smi.q.txt';
const RTX3090 = 'xml/telegraf__rtx-3090-v12.xml';
const H100_MIG_LOAD = 'qtext/nvidia_gpu_exporter__linux-x86_64__nvidia-h100-mig__590.48.01__load__q.txt';

/** Runs ticks at the given times (seconds after T0) with a load per tick; returns every tick's samples of GPU `index`. */
function run(inventory: GpuInventory, steps: readonly { at: number; load: number }[], seed = 7, index = 0): { samples: TelemetrySample[]; state: SimulatorState } {
  let state = initialSimulatorState(inventory, seed);
  const samples: TelemetrySample[] = [];
  for (const step of steps) {
    const tick = simulateTick(inventory, state, new Map([[index, step.load]]), T0 + step.at * SECOND);
    state = tick.state;
    const position = inventory.gpus.findIndex((gpu) => gpu.index === index);
    const sample = tick.samples[position];
    if (!sample) throw new Error('no sample');
    samples.push(sample);
  }
  return { samples, state };
}
const every = (seconds: number, count: number, load: (second: number) => number) => Array.from({ length: count }, (_, i) => ({ at: i * seconds, load: load(i * seconds) }));
const field = (samples: readonly TelemetrySample[], key: 'temperatureC' | 'powerDrawW' | 'utilizationGpuPct' | 'memoryUsedMiB'): number[] =>
  samples.map((sample) => {
    const value = sample[key];
    if (value === null) throw new Error(`${key} is null`);
    return value;
  });
const nonDecreasing = (values: readonly number[]) => values.every((value, i) => i === 0 || value >= (values[i - 1] ?? value));
const nonIncreasing = (values: readonly number[]) => values.every((value, i) => i === 0 || value <= (values[i - 1] ?? value));

describe('simulateTick: determinism', () => {
  const inventory = recorded(H100X8);
  const steps = every(5, 60, (second) => (second >= 50 && second < 200 ? 0.8 : 0));

  it('gives the same samples for the same seed', () => {
    expect(run(inventory, steps, 11).samples).toEqual(run(inventory, steps, 11).samples);
  });

  it('gives different samples for another seed', () => {
    expect(run(inventory, steps, 11).samples).not.toEqual(run(inventory, steps, 12).samples);
  });

  it('keeps its state as plain JSON: a state that went through JSON continues identically', () => {
    const first = run(inventory, steps.slice(0, 30), 3);
    const direct = simulateTick(inventory, first.state, new Map([[0, 1]]), T0 + 200 * SECOND);
    const revived = simulateTick(inventory, JSON.parse(JSON.stringify(first.state)) as SimulatorState, new Map([[0, 1]]), T0 + 200 * SECOND);
    expect(revived).toEqual(direct);
  });

  it('never changes the state it is given', () => {
    const state = initialSimulatorState(inventory, 5);
    const copy = structuredClone(state);
    simulateTick(inventory, state, new Map([[0, 1]]), T0);
    simulateTick(inventory, state, new Map([[0, 1]]), T0 + 60 * SECOND);
    expect(state).toEqual(copy);
  });

  it('does not use Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random was called');
    };
    try {
      expect(() => run(inventory, steps.slice(0, 5))).not.toThrow();
    } finally {
      Math.random = original;
    }
  });
});

describe('simulateTick: idle', () => {
  it.each([H100X8, RTX3090, H100_MIG_LOAD])('%s sits near its idle values', (name) => {
    const inventory = recorded(name);
    const { samples, state } = run(inventory, every(5, 40, () => 0));
    const profile = state.gpus[0]?.profile;
    for (const sample of samples) {
      if (sample.temperatureC !== null) expect(sample.temperatureC).toBeGreaterThanOrEqual(30);
      if (sample.temperatureC !== null) expect(sample.temperatureC).toBeLessThanOrEqual(45);
      if (sample.utilizationGpuPct !== null) expect(sample.utilizationGpuPct).toBeLessThanOrEqual(2);
      if (sample.powerDrawW !== null) expect(Math.abs(sample.powerDrawW - (profile?.idlePowerW ?? 0))).toBeLessThanOrEqual((profile?.idlePowerW ?? 0) * 0.011);
      expect(sample.memoryUsedMiB).toBe(profile?.idleMemoryUsedMiB);
    }
  });

  it('uses the recorded idle draw and memory', () => {
    const { samples } = run(inventoryOf([gpuOf({ powerDrawW: 28, memoryUsedMiB: 300, temperatureC: 38 })]), every(5, 10, () => 0));
    for (const sample of samples) {
      expect(sample.powerDrawW).toBeGreaterThanOrEqual(27.7);
      expect(sample.powerDrawW).toBeLessThanOrEqual(28.3);
      expect(sample.memoryUsedMiB).toBe(300);
      expect(sample.temperatureC).toBe(38);
      expect(sample.clocksSmMHz).toBe(210);
      expect(sample.pstate).toBe('P8');
      expect(sample.fanSpeedPct).toBe(30);
    }
  });
});

describe('simulateTick: under load', () => {
  const inventory = inventoryOf([gpuOf()]);

  it.each([0.25, 0.5, 0.9, 1])('utilisation follows a load of %d with a little noise', (load) => {
    const { samples } = run(inventory, every(5, 40, () => load));
    const utilization = field(samples, 'utilizationGpuPct');
    for (const value of utilization) expect(Math.abs(value - load * 100)).toBeLessThanOrEqual(3);
    expect(new Set(utilization).size).toBeGreaterThan(1);
  });

  it('draws 85–95 % of the limit at full load, and about load × that in between', () => {
    const full = field(run(inventory, every(5, 60, () => 1)).samples, 'powerDrawW').slice(10);
    for (const value of full) {
      expect(value).toBeGreaterThanOrEqual(350 * 0.85 * 0.98);
      expect(value).toBeLessThanOrEqual(350 * 0.95 * 1.02);
    }
    const half = field(run(inventory, every(5, 60, () => 0.5)).samples, 'powerDrawW').slice(10);
    for (const value of half) {
      expect(value).toBeGreaterThan(350 * 0.85 * 0.5 * 0.95);
      expect(value).toBeLessThan(350 * 0.95 * 0.5 + 28);
    }
  });

  it('fills memory, boosts the clock and leaves the idle performance state', () => {
    const { samples } = run(inventory, every(5, 10, () => 1));
    const last = samples.at(-1);
    expect(last?.memoryUsedMiB).toBeGreaterThan(300 + (24_576 - 300) * 0.5 - 1);
    expect(last?.memoryUsedMiB).toBeLessThanOrEqual(24_576);
    expect(last?.clocksSmMHz).toBeGreaterThan(1900);
    expect(last?.pstate).toBe('P0');
    expect(last?.fanSpeedPct).toBeGreaterThan(30);
  });

  it('warms up monotonically with a 30–60 s time constant, and is hotter under more load', () => {
    const { samples, state } = run(inventory, every(5, 120, () => 1));
    const temperatures = field(samples, 'temperatureC');
    expect(nonDecreasing(temperatures)).toBe(true);
    const profile = state.gpus[0]?.profile;
    if (!profile) throw new Error('no profile');
    const rise = profile.fullLoadTemperatureC - profile.idleTemperatureC;
    // After 30 s (tick 6) between one half and one time constant of the way: 39–63 %, give or take rounding.
    const after30s = ((temperatures[6] ?? 0) - profile.idleTemperatureC) / rise;
    expect(after30s).toBeGreaterThan(0.39 - 1 / rise);
    expect(after30s).toBeLessThan(0.64 + 1 / rise);
    expect(temperatures.at(-1)).toBe(Math.round(profile.fullLoadTemperatureC));
    const halfLoad = field(run(inventory, every(5, 120, () => 0.5)).samples, 'temperatureC');
    expect(halfLoad.at(-1)).toBeLessThan(temperatures.at(-1) ?? 0);
    expect(halfLoad.at(-1)).toBeGreaterThan(profile.idleTemperatureC + 5);
  });

  it('cools down monotonically once the load stops', () => {
    const { samples, state } = run(inventory, every(5, 160, (second) => (second < 300 ? 1 : 0)));
    const cooling = field(samples, 'temperatureC').slice(60);
    expect(nonIncreasing(cooling)).toBe(true);
    expect(cooling.at(-1)).toBe(Math.round(state.gpus[0]?.profile.idleTemperatureC ?? 0));
    const memory = field(samples, 'memoryUsedMiB');
    expect(memory.at(-1)).toBe(300);
    expect(field(samples, 'utilizationGpuPct').slice(61).every((value) => value <= 2)).toBe(true);
  });

  it('heats only the GPU under load', () => {
    const machine = inventoryOf([gpuOf({ index: 0, uuid: 'GPU-a' }), gpuOf({ index: 1, uuid: 'GPU-b' })]);
    let state = initialSimulatorState(machine, 1);
    let samples: TelemetrySample[] = [];
    for (let i = 0; i < 60; i++) ({ samples, state } = simulateTick(machine, state, new Map([[1, 1]]), T0 + i * 5 * SECOND));
    expect(samples.map((sample) => sample.gpuUuid)).toEqual(['GPU-a', 'GPU-b']);
    expect(samples[0]?.utilizationGpuPct).toBeLessThanOrEqual(2);
    expect(samples[0]?.temperatureC).toBe(38);
    expect(samples[1]?.temperatureC).toBeGreaterThan(70);
  });
});

describe('simulateTick: time gaps', () => {
  const inventory = inventoryOf([gpuOf()]);

  it('reaches the steady state in one tick after a huge gap, without NaN', () => {
    const { samples, state } = run(inventory, [
      { at: 0, load: 1 },
      { at: 86_400 * 365, load: 1 },
    ]);
    expect(samples[1]?.temperatureC).toBe(Math.round(state.gpus[0]?.profile.fullLoadTemperatureC ?? 0));
    expect(Object.values(samples[1] ?? {}).every((value) => typeof value !== 'number' || Number.isFinite(value))).toBe(true);
  });

  it('does not depend on how often it is ticked', () => {
    const coarse = run(inventory, [
      { at: 0, load: 1 },
      { at: 60, load: 1 },
    ]);
    const fine = run(inventory, every(5, 13, () => 1));
    expect(coarse.state.gpus[0]?.temperatureC).toBeCloseTo(fine.state.gpus[0]?.temperatureC ?? 0, 9);
  });

  it.each([
    ['the first tick', [{ at: 0, load: 1 }]],
    ['a repeated time', [{ at: 0, load: 0 }, { at: 0, load: 1 }, { at: 0, load: 1 }]],
    ['a clock that stepped back', [{ at: 100, load: 0 }, { at: 50, load: 1 }]],
  ])('advances nothing on %s', (_name, steps) => {
    const { state } = run(inventory, steps);
    expect(state.gpus[0]?.temperatureC).toBe(state.gpus[0]?.profile.idleTemperatureC);
  });

  it('measures from the last tick after the clock stepped back', () => {
    const { state } = run(inventory, [
      { at: 100, load: 0 },
      { at: 50, load: 1 },
      { at: 110, load: 1 },
    ]);
    const profile = state.gpus[0]?.profile;
    if (!profile) throw new Error('no profile');
    const expected = profile.fullLoadTemperatureC + (profile.idleTemperatureC - profile.fullLoadTemperatureC) * Math.exp(-60_000 / profile.thermalTauMs);
    expect(state.gpus[0]?.temperatureC).toBeCloseTo(expected, 9);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1])('refuses the time %d', (now) => {
    expect(() => simulateTick(inventory, initialSimulatorState(inventory, 1), new Map(), now)).toThrow(RangeError);
  });
});

describe('simulateTick: bounds', () => {
  it.each([H100X8, RTX3090, H100_MIG_LOAD, 'xml/telegraf__dual_2080-v13.xml', 'csv/issues-Quake4-MindMiner-627__query-gpu-nounits-win.csv', 'csv/nvidia_gpu_exporter__linux-x86_64__nvidia-l40s__595.80__load__query-gpu.csv'])(
    '%s stays within physical bounds under random loads and gaps',
    (name) => {
      const inventory = recorded(name);
      const random = randomSource(seedState(2024));
      let state = initialSimulatorState(inventory, 99);
      let now = T0;
      for (let tick = 0; tick < 400; tick++) {
        now += Math.floor(random.next() < 0.05 ? random.between(0, 86_400_000) : random.between(0, 20_000));
        const loads = new Map(inventory.gpus.map((gpu) => [gpu.index, random.between(-0.2, 1.2)]));
        const result = simulateTick(inventory, state, loads, now);
        state = result.state;
        expect(result.samples).toHaveLength(inventory.gpus.length);
        result.samples.forEach((sample, i) => {
          const gpu = inventory.gpus[i];
          expect(TelemetrySampleSchema.parse(sample)).toEqual(sample);
          expect(sample.at).toBe(now);
          for (const pct of [sample.utilizationGpuPct, sample.utilizationMemoryPct, sample.fanSpeedPct]) {
            if (pct !== null) expect(pct >= 0 && pct <= 100).toBe(true);
          }
          if (sample.powerDrawW !== null) expect(sample.powerDrawW).toBeGreaterThanOrEqual(0);
          if (sample.powerDrawW !== null && sample.powerLimitW !== null) expect(sample.powerDrawW).toBeLessThanOrEqual(sample.powerLimitW);
          if (sample.memoryUsedMiB !== null) expect(sample.memoryUsedMiB).toBeGreaterThanOrEqual(0);
          if (sample.memoryUsedMiB !== null && sample.memoryTotalMiB !== null) expect(sample.memoryUsedMiB).toBeLessThanOrEqual(sample.memoryTotalMiB);
          if (sample.temperatureC !== null) expect(sample.temperatureC >= 20 && sample.temperatureC <= 90).toBe(true);
          expect(sample.powerLimitW).toBe(gpu?.powerLimitW);
          expect(sample.memoryTotalMiB).toBe(gpu?.memoryTotalMiB);
        });
      }
    },
  );

  it('clamps loads outside 0..1 and treats a missing or NaN load as idle', () => {
    const inventory = inventoryOf([gpuOf({ index: 0, uuid: 'GPU-a' }), gpuOf({ index: 1, uuid: 'GPU-b' }), gpuOf({ index: 2, uuid: 'GPU-c' })]);
    const ticks = (loads: Map<number, number>) => {
      let state = initialSimulatorState(inventory, 4);
      let samples: TelemetrySample[] = [];
      for (let i = 0; i < 30; i++) ({ samples, state } = simulateTick(inventory, state, loads, T0 + i * 5 * SECOND));
      return samples;
    };
    expect(ticks(new Map([[0, 5], [1, -3], [2, Number.NaN]]))).toEqual(ticks(new Map([[0, 1]])));
  });
});

describe('simulateTick: what the recording lacks stays null', () => {
  const bare = gpuOf({
    uuid: null,
    index: 3,
    utilizationGpuPct: null,
    utilizationMemoryPct: null,
    temperatureC: null,
    fanSpeedPct: null,
    pstate: null,
    powerDrawW: null,
    powerLimitW: null,
    clocksSmMHz: null,
    memoryUsedMiB: null,
    memoryTotalMiB: null,
  });

  it('invents no field, idle or busy', () => {
    for (const load of [0, 1]) {
      const { samples } = run(inventoryOf([bare]), every(5, 10, () => load), 7, 3);
      for (const sample of samples) {
        expect(sample).toEqual({
          gpuUuid: 'gpu-3',
          at: sample.at,
          utilizationGpuPct: null,
          utilizationMemoryPct: null,
          memoryUsedMiB: null,
          memoryTotalMiB: null,
          temperatureC: null,
          powerDrawW: null,
          powerLimitW: null,
          clocksSmMHz: null,
          fanSpeedPct: null,
          pstate: null,
        });
      }
    }
  });

  it('simulates a recorded draw without inventing the missing limit', () => {
    const { samples } = run(inventoryOf([gpuOf({ powerLimitW: null, powerDrawW: 25, memoryTotalMiB: 8_192 })]), every(5, 30, () => 1));
    const last = samples.at(-1);
    expect(last?.powerLimitW).toBeNull();
    expect(last?.powerDrawW).toBeGreaterThan(100);
    expect(last?.powerDrawW).toBeLessThanOrEqual(150);
  });

  it('keeps the recorded memory use when the total is unknown', () => {
    const { samples } = run(inventoryOf([gpuOf({ memoryTotalMiB: null, memoryUsedMiB: 700 })]), every(5, 10, () => 1));
    expect(samples.map((sample) => sample.memoryUsedMiB)).toEqual(new Array(10).fill(700));
  });
});

describe('simulateTick: inventories', () => {
  it('samples every GPU of an 8-GPU machine, in inventory order, named by UUID', () => {
    const inventory = recorded(H100X8);
    const tick = simulateTick(inventory, initialSimulatorState(inventory, 1), new Map(), T0);
    expect(inventory.gpus).toHaveLength(8);
    expect(tick.samples.map((sample) => sample.gpuUuid)).toEqual(inventory.gpus.map((gpu) => gpu.uuid));
    expect(tick.samples.every((sample) => sample.at === T0)).toBe(true);
  });

  it('gives one sample per physical GPU of a MIG-enabled machine', () => {
    const inventory = recorded(H100_MIG_LOAD);
    expect(inventory.gpus[0]?.migEnabled).toBe(true);
    expect(inventory.gpus[0]?.migDevices.length).toBeGreaterThan(1);
    const tick = simulateTick(inventory, initialSimulatorState(inventory, 1), new Map([[0, 1]]), T0);
    expect(tick.samples).toHaveLength(inventory.gpus.length);
    // That recording has no utilisation for a MIG GPU; the simulation keeps it that way.
    expect(tick.samples[0]?.utilizationGpuPct).toBeNull();
  });

  it('starts a GPU its state does not know at rest', () => {
    const one = inventoryOf([gpuOf({ index: 0, uuid: 'GPU-a' })]);
    const two = inventoryOf([gpuOf({ index: 0, uuid: 'GPU-a' }), gpuOf({ index: 1, uuid: 'GPU-b', temperatureC: 41 })]);
    let state = initialSimulatorState(one, 1);
    for (let i = 0; i < 40; i++) state = simulateTick(one, state, new Map([[0, 1]]), T0 + i * 5 * SECOND).state;
    const tick = simulateTick(two, state, new Map([[0, 1]]), T0 + 200 * SECOND);
    expect(tick.samples[0]?.temperatureC).toBeGreaterThan(70);
    expect(tick.samples[1]?.temperatureC).toBe(41);
    expect(tick.state.gpus.map((gpu) => gpu.index)).toEqual([0, 1]);
  });

  it('handles an empty inventory', () => {
    const inventory = inventoryOf([]);
    expect(simulateTick(inventory, initialSimulatorState(inventory, 1), new Map(), T0)).toEqual({ samples: [], state: { random: expect.any(Number) as number, at: T0, gpus: [] } });
  });
});
