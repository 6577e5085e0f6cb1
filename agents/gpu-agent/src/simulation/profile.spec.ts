import type { Gpu } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { nominalIdlePowerW, nominalPowerLimitW, profileOf, type GpuProfile } from './profile.js';
import { randomSource, seedState } from './prng.js';

/** An idle 24 GiB card with every field present. */
const gpuOf = (overrides: Partial<Gpu> = {}): Gpu => ({
  index: 0,
  uuid: 'GPU-1',
  name: 'NVIDIA GeForce RTX 3090',
  busId: null,
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
const profile = (overrides: Partial<Gpu> = {}, seed = 1): GpuProfile => profileOf(gpuOf(overrides), randomSource(seedState(seed)));
const SEEDS = [1, 2, 3, 4, 5, 99, 12345];

describe('profileOf: idle temperature', () => {
  it.each([30, 38, 45])('keeps a recorded idle-looking %i °C', (temperatureC) => {
    expect(profile({ temperatureC }).idleTemperatureC).toBe(temperatureC);
  });

  it.each([null, 25, 55, 80])('draws one in 32–40 °C when the recording shows %s', (temperatureC) => {
    for (const seed of SEEDS) {
      const { idleTemperatureC } = profile({ temperatureC }, seed);
      expect(idleTemperatureC).toBeGreaterThanOrEqual(32);
      expect(idleTemperatureC).toBeLessThanOrEqual(40);
    }
  });

  it('heats to 72–83 °C at full load with a 30–60 s time constant', () => {
    for (const seed of SEEDS) {
      const traits = profile({}, seed);
      expect(traits.fullLoadTemperatureC).toBeGreaterThanOrEqual(72);
      expect(traits.fullLoadTemperatureC).toBeLessThanOrEqual(83);
      expect(traits.thermalTauMs).toBeGreaterThanOrEqual(30_000);
      expect(traits.thermalTauMs).toBeLessThanOrEqual(60_000);
    }
  });
});

describe('profileOf: power', () => {
  it.each<[string, Partial<Gpu>, number, number]>([
    ['the recorded draw when it looks idle', { powerDrawW: 28, powerLimitW: 350 }, 28, 28],
    ['8–12 % of the limit when the recorded draw is a load reading', { powerDrawW: 300, powerLimitW: 350 }, 28, 42],
    ['8–12 % of the limit when no draw was recorded', { powerDrawW: null, powerLimitW: 700 }, 56, 84],
    ['8–12 % of the limit for a zero draw', { powerDrawW: 0, powerLimitW: 250 }, 20, 30],
    ['the recorded draw without a limit, when modest', { powerDrawW: 60, powerLimitW: null }, 60, 60],
    ['by memory size without a limit or a plausible draw', { powerDrawW: 400, powerLimitW: null, memoryTotalMiB: 81_920 }, 60, 60],
    ['by memory size, 8 GiB card', { powerDrawW: null, powerLimitW: null, memoryTotalMiB: 8_192 }, 10, 10],
  ])('idles at %s', (_name, overrides, min, max) => {
    for (const seed of SEEDS) {
      const { idlePowerW } = profile(overrides, seed);
      expect(idlePowerW).toBeGreaterThanOrEqual(min);
      expect(idlePowerW).toBeLessThanOrEqual(max);
    }
  });

  it('draws 85–95 % of the power limit at full load', () => {
    for (const seed of SEEDS) {
      const traits = profile({ powerLimitW: 700, powerDrawW: 70 }, seed);
      expect(traits.powerCeilingW).toBe(700);
      expect(traits.fullLoadPowerW).toBeGreaterThanOrEqual(595);
      expect(traits.fullLoadPowerW).toBeLessThanOrEqual(665);
    }
  });

  it('uses a nominal ceiling by memory size when there is no limit', () => {
    expect(profile({ powerLimitW: null, memoryTotalMiB: 24_576 }).powerCeilingW).toBe(350);
  });

  it.each<[number | null, number, number]>([
    [null, 250, 20],
    [4_096, 150, 10],
    [8_192, 150, 10],
    [12_288, 250, 15],
    [16_384, 250, 15],
    [24_576, 350, 22],
    [49_152, 300, 30],
    [81_559, 500, 60],
  ])('nominal power for %s MiB: limit %i W, idle %i W', (memory, limit, idle) => {
    expect(nominalPowerLimitW(memory)).toBe(limit);
    expect(nominalIdlePowerW(memory)).toBe(idle);
  });
});

describe('profileOf: memory and clocks', () => {
  it.each<[string, Partial<Gpu>, number | null]>([
    ['keeps an idle-looking recorded use', { memoryUsedMiB: 300 }, 300],
    ['keeps zero', { memoryUsedMiB: 0 }, 0],
    ['keeps the recorded use without a total', { memoryUsedMiB: 5_000, memoryTotalMiB: null }, 5_000],
    ['none without a recorded use', { memoryUsedMiB: null }, null],
  ])('idle memory: %s', (_name, overrides, expected) => {
    expect(profile(overrides).idleMemoryUsedMiB).toBe(expected);
  });

  it('replaces a load-time memory reading with a sliver of the total, and grows into 50–85 % of the rest under load', () => {
    for (const seed of SEEDS) {
      const traits = profile({ memoryUsedMiB: 20_000, memoryTotalMiB: 24_576 }, seed);
      expect(traits.idleMemoryUsedMiB).toBeLessThanOrEqual(24_576 * 0.02);
      const idle = traits.idleMemoryUsedMiB ?? 0;
      expect(traits.fullLoadMemoryUsedMiB).toBeGreaterThanOrEqual(idle + (24_576 - idle) * 0.5 - 1);
      expect(traits.fullLoadMemoryUsedMiB).toBeLessThanOrEqual(idle + (24_576 - idle) * 0.85 + 1);
    }
  });

  it('does not grow memory it cannot bound', () => {
    expect(profile({ memoryUsedMiB: 500, memoryTotalMiB: null }).fullLoadMemoryUsedMiB).toBe(500);
  });

  it.each<[string, Partial<Gpu>, number | null, [number, number] | null]>([
    ['idle clock as recorded, boost near the maximum', { clocksSmMHz: 210, clocksMaxGraphicsMHz: 2100 }, 210, [1932, 2100]],
    ['a load-time clock idles at a fifth of the maximum', { clocksSmMHz: 1980, clocksMaxGraphicsMHz: 1980 }, 396, [1822, 1980]],
    ['no maximum: the recorded clock throughout', { clocksSmMHz: 800, clocksMaxGraphicsMHz: null }, 800, [800, 800]],
    ['no clock: none', { clocksSmMHz: null }, null, null],
  ])('clocks: %s', (_name, overrides, idle, boost) => {
    const traits = profile(overrides);
    expect(traits.idleClockSmMHz).toBe(idle);
    if (boost === null) expect(traits.boostClockSmMHz).toBeNull();
    else {
      expect(traits.boostClockSmMHz).toBeGreaterThanOrEqual(boost[0]);
      expect(traits.boostClockSmMHz).toBeLessThanOrEqual(boost[1]);
    }
  });

  it.each<[number | null, number | null]>([
    [null, null],
    [0, 0],
    [35, 35],
    [90, 30],
  ])('idle fan for a recorded %s %% is %s %%', (fanSpeedPct, expected) => {
    expect(profile({ fanSpeedPct }).idleFanPct).toBe(expected);
  });
});
