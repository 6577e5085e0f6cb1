import { SchedulableDeviceSchema } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';
import { computeCapabilityOf, schedulableDevices, withKnownComputeCapabilities } from './devices.js';
import { architectureOf, lookupKnownGpu } from './known-gpus.js';
import { parseTable } from './table.js';
import { inventoryOf, readFixture } from './testing/smi-fixtures.js';

const table = (name: string) => inventoryOf(parseTable(readFixture('table', name)));

describe('schedulableDevices', () => {
  it('hands out each MIG device of a MIG-enabled H100, never the parent GPU', () => {
    const devices = schedulableDevices(table('nvidia_gpu_exporter__linux-x86_64__nvidia-h100-mig__590.48.01__load__table.txt'));
    expect(devices).toEqual([
      { id: 'gpu0/gi2/ci0', kind: 'mig', gpuIndex: 0, gpuUuid: null, name: 'NVIDIA H100 80GB HBM3', migProfile: '3g.40gb', memoryTotalMiB: 40448, computeCapability: '9.0', architecture: 'hopper', driverVersion: '590.48.01', cudaVersion: '13.1' },
      { id: 'gpu0/gi3/ci0', kind: 'mig', gpuIndex: 0, gpuUuid: null, name: 'NVIDIA H100 80GB HBM3', migProfile: '2g.20gb', memoryTotalMiB: 20096, computeCapability: '9.0', architecture: 'hopper', driverVersion: '590.48.01', cudaVersion: '13.1' },
      { id: 'gpu0/gi9/ci0', kind: 'mig', gpuIndex: 0, gpuUuid: null, name: 'NVIDIA H100 80GB HBM3', migProfile: '1g.10gb', memoryTotalMiB: 9984, computeCapability: '9.0', architecture: 'hopper', driverVersion: '590.48.01', cudaVersion: '13.1' },
      { id: 'gpu0/gi10/ci0', kind: 'mig', gpuIndex: 0, gpuUuid: null, name: 'NVIDIA H100 80GB HBM3', migProfile: '1g.10gb', memoryTotalMiB: 9984, computeCapability: '9.0', architecture: 'hopper', driverVersion: '590.48.01', cudaVersion: '13.1' },
    ]);
    for (const device of devices) expect(() => SchedulableDeviceSchema.parse(device)).not.toThrow();
  });

  it('uses MIG device UUIDs and profiles when the output has them', () => {
    const inventory = table('nvidia_gpu_exporter__linux-x86_64__nvidia-h100-mig__590.48.01__load__table.txt');
    const gpu = { ...(inventory.gpus[0] as (typeof inventory.gpus)[number]), uuid: 'GPU-abc' };
    gpu.migDevices = gpu.migDevices.map((mig, i) => ({ ...mig, uuid: i === 0 ? 'MIG-0001' : null, profile: i === 0 ? '3g.40gb' : null }));
    const devices = schedulableDevices({ ...inventory, gpus: [gpu] });
    expect(devices.map((device) => [device.id, device.migProfile, device.gpuUuid])).toEqual([
      ['MIG-0001', '3g.40gb', 'GPU-abc'],
      ['GPU-abc/gi3/ci0', null, 'GPU-abc'],
      ['GPU-abc/gi9/ci0', null, 'GPU-abc'],
      ['GPU-abc/gi10/ci0', null, 'GPU-abc'],
    ]);
  });

  it('gives nothing for a GPU in MIG mode without MIG devices', () => {
    const inventory = inventoryOf(parseCsv(readFixture('csv', 'nvidia_gpu_exporter__linux-x86_64__nvidia-h100-mig__590.48.01__idle__query-gpu.csv')));
    expect(inventory.gpus[0]?.migEnabled).toBe(true);
    expect(schedulableDevices(inventory)).toEqual([]);
  });

  it('hands out each whole GPU of a plain 8-GPU box, compute capability from the known models', () => {
    const devices = schedulableDevices(table('thamada-nvidia-smi__RTX4090_smi.table.txt'));
    expect(devices).toHaveLength(8);
    expect(devices.map((device) => device.id)).toEqual(['gpu0', 'gpu1', 'gpu2', 'gpu3', 'gpu4', 'gpu5', 'gpu6', 'gpu7']);
    expect(devices[3]).toEqual({ id: 'gpu3', kind: 'gpu', gpuIndex: 3, gpuUuid: null, name: 'NVIDIA GeForce RTX 4090', migProfile: null, memoryTotalMiB: 24564, computeCapability: '8.9', architecture: 'ada', driverVersion: '550.127.05', cudaVersion: '12.4' });
  });

  it('takes the compute capability the output printed over the known-models table', () => {
    const inventory = inventoryOf(parseCsv('uuid, name, memory.total [MiB], compute_cap\nGPU-1, NVIDIA GeForce RTX 4090, 24564 MiB, 9.9\nGPU-2, Graphics Device, 1024 MiB, [N/A]\n'));
    expect(schedulableDevices(inventory).map((device) => [device.id, device.computeCapability, device.architecture, device.memoryTotalMiB])).toEqual([
      ['GPU-1', '9.9', 'hopper'],
      ['GPU-2', null, null],
    ].map(([id, cc, arch], i) => [id, cc, arch, i === 0 ? 24564 : 1024]));
  });

  it('keeps an unknown or ambiguous model unknown', () => {
    const devices = schedulableDevices(table('mxochicale-code__logs.md__470.63.01.txt'));
    expect(devices).toMatchObject([{ name: 'NVIDIA GeForce ...', computeCapability: null, architecture: null }]);
  });
});

describe('withKnownComputeCapabilities', () => {
  it('fills a missing compute capability by model name and leaves the rest alone', () => {
    const inventory = table('nvgpu-RonMcKay__test_gpu_info__450.142.00.txt');
    const filled = withKnownComputeCapabilities(inventory);
    expect(filled.gpus.map((gpu) => gpu.computeCapability)).toEqual(['8.0', '8.0', '8.0', '8.0']);
    expect(inventory.gpus[0]?.computeCapability).toBeNull();
    expect({ ...filled, gpus: [] }).toEqual({ ...inventory, gpus: [] });
  });
});

describe('lookupKnownGpu', () => {
  it.each([
    ['NVIDIA GeForce RTX 4090', '8.9', 'ada'],
    ['GeForce RTX 4090', '8.9', 'ada'],
    ['NVIDIA GeForce RTX 4090 D', '8.9', 'ada'],
    ['NVIDIA H100 80GB HBM3', '9.0', 'hopper'],
    ['NVIDIA H100 PCIe', '9.0', 'hopper'],
    ['NVIDIA H200', '9.0', 'hopper'],
    ['NVIDIA GH200 480GB', '9.0', 'hopper'],
    ['NVIDIA B200', '10.0', 'blackwell'],
    ['NVIDIA GB200', '10.0', 'blackwell'],
    ['NVIDIA GeForce RTX 5090', '12.0', 'blackwell'],
    ['NVIDIA RTX PRO 6000 Blackwell Server Edition', '12.0', 'blackwell'],
    ['Tesla V100-SXM2-16GB', '7.0', 'volta'],
    ['Tesla V100-PCIE-32GB', '7.0', 'volta'],
    ['A100-SXM4-40GB', '8.0', 'ampere'],
    ['NVIDIA A100-SXM4-80GB', '8.0', 'ampere'],
    ['NVIDIA A100 80GB PCIe', '8.0', 'ampere'],
    ['NVIDIA A10', '8.6', 'ampere'],
    ['NVIDIA A10G', '8.6', 'ampere'],
    ['NVIDIA A30', '8.0', 'ampere'],
    ['NVIDIA A40', '8.6', 'ampere'],
    ['NVIDIA L4', '8.9', 'ada'],
    ['NVIDIA L40', '8.9', 'ada'],
    ['NVIDIA L40S', '8.9', 'ada'],
    ['Tesla T4', '7.5', 'turing'],
    ['Tesla K80', '3.7', 'kepler'],
    ['Tesla P100-PCIE-16GB', '6.0', 'pascal'],
    ['GRID K520', '3.0', 'kepler'],
    ['GeForce GTX 750 Ti', '5.0', 'maxwell'],
    ['NVIDIA GeForce GTX 960', '5.2', 'maxwell'],
    ['GeForce GTX 1080 Ti', '6.1', 'pascal'],
    ['NVIDIA GeForce GTX 1650', '7.5', 'turing'],
    ['GeForce RTX 2070', '7.5', 'turing'],
    ['NVIDIA GeForce RTX 3060 Laptop GPU', '8.6', 'ampere'],
    ['NVIDIA TITAN V', '7.0', 'volta'],
    ['TITAN Xp', '6.1', 'pascal'],
    ['GeForce GTX TITAN X', '5.2', 'maxwell'],
    ['GeForce 840M', '5.0', 'maxwell'],
    ['Quadro P2000', '6.1', 'pascal'],
    ['Quadro RTX 4000', '7.5', 'turing'],
    ['NVIDIA RTX A4000', '8.6', 'ampere'],
    ['NVIDIA RTX 4000 Ada Generation', '8.9', 'ada'],
    ['NVIDIA RTX 4000 SFF Ada Generation', '8.9', 'ada'],
    ['NVIDIA RTX 6000 Ada Generation', '8.9', 'ada'],
  ])('knows %s', (name, computeCapability, architecture) => {
    expect(lookupKnownGpu(name)).toEqual({ computeCapability, architecture });
  });

  it.each([
    ['GeForce GTX 108...', '6.1'],
    ['GeForce RTX 207...', '7.5'],
    ['NVIDIA GeForce RTX 2080 ...', '7.5'],
    ['Tesla V100-PCIE...', '7.0'],
    ['NVIDIA RTX A200...', '8.6'],
    ['NVIDIA RTX 2000 Ada Gene...', '8.9'],
    ['GeForce GTX 10...', '6.1'],
  ])('matches the truncated %s because every model it could be agrees', (name, computeCapability) => {
    expect(lookupKnownGpu(name)?.computeCapability).toBe(computeCapability);
  });

  it.each([
    ['Graphics Device'],
    ['NVIDIA GeForce ...'],
    ['GeForce GTX 1...'],
    ['NVIDIA RTX ...'],
    ['NVIDIA A100X'],
    ['NVIDIA GeForce GT 730'],
    ['TITAN X'],
    ['NVIDIA RTX 4000 Blackwell'],
    [''],
    ['...'],
  ])('does not guess %j', (name) => {
    expect(lookupKnownGpu(name)).toBeNull();
  });

  it('reads the architecture from a compute capability', () => {
    expect(['3.5', '5.2', '6.1', '7.0', '7.5', '8.0', '8.6', '8.7', '8.9', '9.0', '10.0', '12.0', '2.1', 'x', null].map((cc) => architectureOf(cc))).toEqual([
      'kepler', 'maxwell', 'pascal', 'volta', 'turing', 'ampere', 'ampere', 'ampere', 'ada', 'hopper', 'blackwell', 'blackwell', null, null, null,
    ]);
  });

  it('prefers the printed compute capability', () => {
    expect(computeCapabilityOf({ name: 'NVIDIA GeForce RTX 4090', computeCapability: '8.9' })).toBe('8.9');
    expect(computeCapabilityOf({ name: 'Tesla T4', computeCapability: null })).toBe('7.5');
    expect(computeCapabilityOf({ name: 'Graphics Device', computeCapability: null })).toBeNull();
  });
});

describe('schedulableDevices: ids', () => {
  it('stays unique when a masked output repeats one UUID for every GPU', () => {
    const inventory = inventoryOf(parseCsv('index, uuid, name\n0, GPU-0000, Tesla T4\n1, GPU-0000, Tesla T4\n2, GPU-1111, Tesla T4\n'));
    expect(schedulableDevices(inventory).map((device) => device.id)).toEqual(['gpu0', 'gpu1', 'GPU-1111']);
  });

  it('stays unique when indexes repeat too', () => {
    const inventory = inventoryOf(parseCsv('index, name\n0, Tesla T4\n0, Tesla T4\n'));
    expect(schedulableDevices(inventory).map((device) => device.id)).toEqual(['gpu0', 'gpu0~2']);
  });
});
