import type { NvidiaSmiFormat } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect.js';
import { fixtureNames, readFixture } from './testing/smi-fixtures.js';

const FOLDERS: readonly NvidiaSmiFormat[] = ['xml', 'csv', 'qtext', 'table'];

describe('detectFormat', () => {
  describe.each(FOLDERS)('every %s fixture', (format) => {
    it.each(fixtureNames(format))('%s', (name) => {
      // Header-less CSV is recognised when the caller names its fields, as parseCsv needs them anyway.
      expect(detectFormat(readFixture(format, name), { csvFields: ['name'] })).toBe(format);
    });
  });

  it.each(fixtureNames('errors'))('finds no format in errors/%s', (name) => {
    expect(detectFormat(readFixture('errors', name))).toBeNull();
  });

  it('recognises a format under an error line', () => {
    const lost = 'Unable to determine the device handle for GPU0000:07:00.0: GPU is lost. Reboot the system to recover this GPU\n';
    expect(detectFormat(lost + readFixture('table', 'nvidia-htop__FAKE_STDIN.txt'))).toBe('table');
    expect(detectFormat(lost + readFixture('csv', 'nvidia-smi-exporter-a0s__nvidia-smi-1.csv'))).toBe('csv');
    expect(detectFormat(lost + readFixture('qtext', 'thamada-nvidia-smi__L40S_smi.q.txt'))).toBe('qtext');
  });

  it('recognises header-less CSV rows of nvidia-smi values without being told the fields', () => {
    expect(detectFormat(readFixture('csv', 'issues-tutulino-Megaminer-376__query-gpu-noheader-8gpu.csv'))).toBe('csv');
    expect(detectFormat('GPU-d86c351b-8f94-33ab-3b97-accb421fef6d, 754 MiB\n')).toBe('csv');
  });

  it('recognises a single-column CSV by its header', () => {
    expect(detectFormat('name\nNVIDIA GeForce RTX 4090\n')).toBe('csv');
    expect(detectFormat('memory.total [MiB]\n24564 MiB\n')).toBe('csv');
  });

  it.each([
    ['empty', ''],
    ['blank', ' \n\t\n'],
    ['binary', String.fromCharCode(...Array.from({ length: 512 }, (_, index) => (index * 7919) % 256))],
    ['prose', 'The quick brown fox jumps over the lazy dog.\nTwice.'],
    ['prose with commas', 'Hello, world\nGoodbye, moon'],
  ])('finds no format in %s text', (_label, input) => {
    expect(detectFormat(input)).toBeNull();
  });
});
