import type { NvidiaSmiFormat } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { detectError, parseNvidiaSmi, type ParseOptions } from './index.js';
import { fixtureNames, hasNonFiniteNumber, inventoryOf, readFixture } from './testing/smi-fixtures.js';

/** Header-less CSV fixtures: the field list their publishers used, where it is known. */
const CSV_FIELDS: Readonly<Record<string, ParseOptions | undefined>> = {
  'issues-enkore-i3pystatus-776__query-gpu-noheader-nounits-NA.csv': {
    csvFields: ['memory.total', 'memory.free', 'memory.used', 'temperature.gpu', 'fan.speed', 'utilization.gpu', 'utilization.memory'],
  },
};
/** Header-less CSV whose field list was never published: nothing can read it, and the entry point says so. */
const UNREADABLE_CSV = 'issues-tutulino-Megaminer-376__query-gpu-noheader-8gpu.csv';

const LOST_GPU = 'Unable to determine the device handle for GPU0000:07:00.0: GPU is lost. Reboot the system to recover this GPU';

describe('parseNvidiaSmi: dispatch', () => {
  describe.each<NvidiaSmiFormat>(['xml', 'qtext', 'csv', 'table'])('every %s fixture', (format) => {
    it.each(fixtureNames(format).filter((name) => name !== UNREADABLE_CSV))('%s', (name) => {
      const inventory = inventoryOf(parseNvidiaSmi(readFixture(format, name), CSV_FIELDS[name]));
      expect(inventory.format).toBe(format);
      expect(hasNonFiniteNumber(inventory)).toBe(false);
    });
  });

  it('answers UNRECOGNIZED, naming what is missing, for header-less CSV without its field list', () => {
    const result = parseNvidiaSmi(readFixture('csv', UNREADABLE_CSV));
    expect(result).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
    if (!result.ok) expect(result.error.message).toMatch(/csvFields/);
  });

  it.each(fixtureNames('errors'))('gives the typed error of errors/%s', (name) => {
    const output = readFixture('errors', name);
    const result = parseNvidiaSmi(output);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toEqual(detectError(output));
  });
});

describe('parseNvidiaSmi: what only the table prints', () => {
  it('keeps truncated names as printed', () => {
    const inventory = inventoryOf(parseNvidiaSmi(readFixture('table', 'nvidia-htop__FAKE_STDIN.txt')));
    expect(inventory.gpus.map((gpu) => gpu.name)).toEqual(Array.from({ length: 8 }, () => 'GeForce GTX 108...'));
  });

  it('reads a process box that says "Not Supported" as no process information', () => {
    expect(inventoryOf(parseNvidiaSmi(readFixture('table', 'issues-peci1-nvidia-htop-pr2__FRAGMENT-processes-Not-Supported.txt'))).processes).toBeNull();
  });
});

describe('parseNvidiaSmi: an error line above usable output', () => {
  it.each([
    ['table', 'nvidia-htop__FAKE_STDIN.txt', 8],
    ['qtext', 'thamada-nvidia-smi__RTX3090_smi.q.txt', 2],
    ['csv', 'nvidia-smi-exporter-a0s__nvidia-smi-1.csv', 2],
  ])('keeps the healthy GPUs of a %s (%s)', (folder, name, gpuCount) => {
    const output = `${LOST_GPU}\n${readFixture(folder, name)}`;
    expect(inventoryOf(parseNvidiaSmi(output)).gpus).toHaveLength(gpuCount);
    expect(detectError(output)?.code).toBe('GPU_LOST');
  });

  it('returns the error when nothing usable is left', () => {
    const header = readFixture('qtext', 'thamada-nvidia-smi__L40S_smi.q.txt').split('Attached GPUs')[0] ?? '';
    expect(parseNvidiaSmi(`${header}${LOST_GPU}\n`)).toEqual({ ok: false, error: { code: 'GPU_LOST', message: LOST_GPU } });
  });
});

describe('parseNvidiaSmi: garbage', () => {
  it.each([
    ['an empty string', ''],
    ['white space', '\n \n'],
    ['random bytes', String.fromCharCode(...Array.from({ length: 4096 }, (_, index) => (index * 2654435761) % 256))],
    ['prose', 'lorem ipsum dolor sit amet'],
  ])('answers UNRECOGNIZED for %s', (_label, output) => {
    const result = parseNvidiaSmi(output);
    expect(result).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
    if (!result.ok) expect(result.error.message.length).toBeGreaterThan(0);
  });
});
