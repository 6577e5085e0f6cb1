import { describe, expect, it } from 'vitest';
import { parseCreditsConfig } from './config.js';
import { CreditsError } from './errors.js';
import { findGpuPeak, GPU_PEAKS, migSmFraction, normaliseGpuName, peakFlops, type Precision } from './gpu-peaks.js';

describe('normaliseGpuName', () => {
  it.each([
    ['NVIDIA GeForce RTX 4090', 'rtx 4090'],
    ['Tesla V100-SXM2-16GB', 'v100 sxm2'],
    ['NVIDIA H100 80GB HBM3', 'h100'],
    ['NVIDIA A100-SXM4-40GB MIG 3g.20gb', 'a100 sxm4'],
    ['NVIDIA GeForce RTX 4090 Laptop GPU', 'rtx 4090 laptop gpu'],
    ['  nvidia   rtx a6000 ', 'rtx a6000'],
  ])('%s → %s', (name, expected) => {
    expect(normaliseGpuName(name)).toBe(expected);
  });
});

describe('peakFlops', () => {
  it.each<[string, Precision, number, string]>([
    ['NVIDIA GeForce RTX 4090', 'fp32', 82.6e12, 'GeForce RTX 4090'],
    ['NVIDIA GeForce RTX 4090', 'bf16', 165.2e12, 'GeForce RTX 4090'],
    ['NVIDIA GeForce RTX 4090', 'tf32', 82.6e12, 'GeForce RTX 4090'],
    ['NVIDIA GeForce RTX 3090 Ti', 'fp16', 80e12, 'GeForce RTX 3090 Ti'],
    ['NVIDIA GeForce RTX 3090', 'fp16', 71e12, 'GeForce RTX 3090'],
    ['Tesla V100-SXM2-16GB', 'fp16', 125e12, 'Tesla V100 SXM2'],
    ['Tesla V100-PCIE-32GB', 'fp16', 112e12, 'Tesla V100 PCIe'],
    ['Tesla V100-SXM2-16GB', 'bf16', 15.7e12, 'Tesla V100 SXM2'], // no BF16 path: FP32 rate
    ['Tesla V100-SXM2-16GB', 'tf32', 15.7e12, 'Tesla V100 SXM2'],
    ['NVIDIA H100 80GB HBM3', 'bf16', 989.5e12, 'H100 SXM5'],
    ['NVIDIA H100 PCIe', 'tf32', 378e12, 'H100 PCIe'],
    ['NVIDIA H100 NVL', 'fp16', 835.5e12, 'H100 NVL'],
    ['NVIDIA A100-SXM4-80GB', 'tf32', 156e12, 'A100'],
    ['NVIDIA A100 80GB PCIe', 'bf16', 312e12, 'A100'],
    ['NVIDIA A10', 'fp16', 125e12, 'A10'],
    ['NVIDIA L40S', 'fp16', 362e12, 'L40S'],
    ['NVIDIA RTX 6000 Ada Generation', 'bf16', 364.2e12, 'RTX 6000 Ada Generation'],
    ['Quadro RTX 6000', 'fp16', 130.5e12, 'Quadro RTX 6000 / 8000'],
    ['Tesla T4', 'fp16', 65e12, 'Tesla T4'],
    ['Tesla K80', 'fp32', 4.37e12, 'Tesla K80'],
    ['Tesla K80', 'fp16', 4.37e12, 'Tesla K80'],
    ['NVIDIA GeForce GTX 1080 Ti', 'fp32', 11.34e12, 'GeForce GTX 1080 Ti'],
    ['NVIDIA GeForce GTX 1080', 'fp32', 8.87e12, 'GeForce GTX 1080'],
    ['NVIDIA TITAN X (Pascal)', 'fp32', 10.97e12, 'TITAN X (Pascal)'],
    ['GeForce GTX TITAN X', 'fp32', 6.6e12, 'GeForce GTX TITAN X'],
    ['NVIDIA B200', 'bf16', 2250e12, 'B200'],
    ['NVIDIA GeForce RTX 5090', 'bf16', 209.5e12, 'GeForce RTX 5090'],
  ])('%s %s → %d', (name, precision, flops, model) => {
    expect(peakFlops(name, precision)).toEqual({ flops, fallback: false, model, smFraction: 1 });
  });

  it('counts a MIG instance by its share of the SMs', () => {
    const slice = migSmFraction('3g.40gb');
    expect(slice).toBe(3 / 7);
    expect(peakFlops('NVIDIA A100-SXM4-80GB', 'bf16', slice ?? 1)).toEqual({ flops: 133_714_285_714_285, fallback: false, model: 'A100', smFraction: 3 / 7 });
  });

  it.each([
    ['3g.40gb', 3 / 7],
    ['1g.10gb', 1 / 7],
    ['7g.80gb', 1],
    ['1g.10gb+me', 1 / 7],
    ['1c.3g.40gb', 1 / 7],
    ['8g.90gb', null],
    ['whole', null],
  ])('MIG profile %s → %s', (profile, fraction) => {
    expect(migSmFraction(profile)).toBe(fraction);
  });

  it.each<[string, Precision, number]>([
    ['NVIDIA Quantum 9000', 'fp32', 10e12],
    ['NVIDIA Quantum 9000', 'bf16', 25e12],
    ['NVIDIA GeForce RTX 4090 Laptop GPU', 'fp16', 25e12], // another chip: not the desktop figure
    ['', 'tf32', 10e12],
  ])('falls back conservatively for unknown %j (%s)', (name, precision, flops) => {
    expect(peakFlops(name, precision)).toEqual({ flops, fallback: true, model: null, smFraction: 1 });
  });

  it('takes the fallback from the configuration', () => {
    const config = parseCreditsConfig({ fallbackPeakFlops: { fp32: 1e12 } });
    expect(peakFlops('mystery', 'fp32', 0.5, config.fallbackPeakFlops).flops).toBe(0.5e12);
  });

  it.each([0, -0.5, 1.5, Number.NaN])('refuses the SM fraction %s', (fraction) => {
    expect(() => peakFlops('NVIDIA L4', 'fp32', fraction)).toThrow(CreditsError);
  });
});

describe('the reference table', () => {
  it('maps every name to one model, and every rate to whole FLOPS at least the FP32 rate', () => {
    const names = GPU_PEAKS.flatMap((entry) => entry.names);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of GPU_PEAKS) {
      for (const name of entry.names) expect(findGpuPeak(name)).toBe(entry);
      for (const precision of ['fp32', 'tf32', 'fp16', 'bf16'] as const) {
        const { flops } = peakFlops(entry.names[0] ?? '', precision);
        expect(Number.isInteger(flops)).toBe(true);
        expect(flops).toBeGreaterThanOrEqual(entry.fp32 * 1e12 - 1);
      }
    }
  });

  it('covers Kepler to Blackwell', () => {
    expect(new Set(GPU_PEAKS.map((entry) => entry.architecture))).toEqual(
      new Set(['kepler', 'maxwell', 'pascal', 'volta', 'turing', 'ampere', 'ada', 'hopper', 'blackwell']),
    );
  });
});
