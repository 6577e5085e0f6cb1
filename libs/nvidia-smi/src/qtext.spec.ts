import type { Gpu } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { parseQText } from './qtext.js';
import { fixtureNames, hasNonFiniteNumber, inventoryOf, readFixture } from './testing/smi-fixtures.js';

const qtext = (name: string) => inventoryOf(parseQText(readFixture('qtext', name)));
const EXPORTER = 'nvidia_gpu_exporter__linux-x86_64__';
const WINDOWS = 'nvidia_gpu_exporter__windows-x86_64__nvidia-geforce-rtx-2080-super__';

/** The fields most goldens pin, as one compact row. */
const row = (gpu: Gpu) => [
  gpu.index,
  gpu.name,
  gpu.busId,
  gpu.persistenceMode,
  gpu.memoryUsedMiB,
  gpu.memoryTotalMiB,
  gpu.utilizationGpuPct,
  gpu.temperatureC,
  gpu.fanSpeedPct,
  gpu.pstate,
  gpu.powerDrawW,
  gpu.powerLimitW,
];

describe('parseQText: every fixture', () => {
  it.each(fixtureNames('qtext'))('%s gives a valid inventory', (name) => {
    const inventory = qtext(name);
    expect(inventory.format).toBe('qtext');
    expect(inventory.gpus.length).toBeGreaterThan(0);
    expect(hasNonFiniteNumber(inventory)).toBe(false);
    for (const gpu of inventory.gpus) expect([gpu.name, gpu.uuid?.startsWith('GPU-')]).toEqual([expect.any(String), true]);
  });
});

describe('parseQText: multi-GPU', () => {
  it('reads eight H100s (565) with "Processes : None" as an empty list', () => {
    const inventory = qtext('thamada-nvidia-smi__H100SXMx8_smi.q.txt');
    expect(inventory).toMatchObject({ timestamp: 'Thu Nov 14 07:00:14 2024', driverVersion: '565.57.01', cudaVersion: '12.7', processes: [] });
    expect(inventory.gpus.map(row)).toEqual([
      [0, 'NVIDIA H100 80GB HBM3', '00000000:18:00.0', true, 1, 81559, 0, 30, null, 'P0', 100.89, 700],
      [1, 'NVIDIA H100 80GB HBM3', '00000000:2A:00.0', true, 1, 81559, 0, 30, null, 'P0', 82.81, 700],
      [2, 'NVIDIA H100 80GB HBM3', '00000000:3A:00.0', true, 1, 81559, 0, 31, null, 'P0', 85.98, 700],
      [3, 'NVIDIA H100 80GB HBM3', '00000000:5D:00.0', true, 1, 81559, 0, 29, null, 'P0', 85.48, 700],
      [4, 'NVIDIA H100 80GB HBM3', '00000000:9A:00.0', true, 1, 81559, 0, 28, null, 'P0', 84.94, 700],
      [5, 'NVIDIA H100 80GB HBM3', '00000000:AB:00.0', true, 1, 81559, 0, 30, null, 'P0', 85.27, 700],
      [6, 'NVIDIA H100 80GB HBM3', '00000000:BA:00.0', true, 1, 81559, 0, 29, null, 'P0', 86.05, 700],
      [7, 'NVIDIA H100 80GB HBM3', '00000000:DB:00.0', true, 1, 81559, 0, 29, null, 'P0', 75.09, 700],
    ]);
  });

  it('reads the processes of eight RTX 4090s (535), each with its GPU', () => {
    const inventory = qtext('gpud__nvidia-smi-query.535.154.05.out.0.valid.4090.txt');
    expect(inventory.driverVersion).toBe('535.154.05');
    expect(inventory.gpus[7] && row(inventory.gpus[7])).toEqual([7, 'NVIDIA GeForce RTX 4090', '00000000:E1:00.0', true, 15928, 24564, 0, 28, 70, 'P8', 21.23, 450]);
    expect(inventory.processes?.map((process) => [process.gpuIndex, process.pid, process.usedMemoryMiB])).toEqual([
      [0, 2010222, 6724], [1, 2774709, 21952], [2, 3077587, 2514], [3, 2007540, 5526],
      [4, 3229670, 9958], [5, 3080907, 5818], [6, 1535847, 2058], [7, 540189, 15922],
    ]);
    expect(inventory.processes?.[4]?.name).toMatch(/^\[celeryd: expand_image.* -E\)$/);
    expect(inventory.processes?.[1]?.gpuUuid).toBe(inventory.gpus[1]?.uuid);
  });
});

describe('parseQText: driver eras', () => {
  it('pins every field of a driver 590 H100 under load (average power draw, N/A utilisation of MIG off)', () => {
    const inventory = qtext(`${EXPORTER}nvidia-h100-80gb-hbm3__590.48.01__load__q.txt`);
    expect(inventory).toMatchObject({ timestamp: 'Tue Jul 14 08:12:53 2026', driverVersion: '590.48.01', cudaVersion: '13.1' });
    expect(inventory.gpus[0]).toEqual({
      index: 0,
      uuid: 'GPU-00000000-0000-0000-0000-000000000000',
      name: 'NVIDIA H100 80GB HBM3',
      busId: '00000000:00:09.0',
      serial: '0000000000000',
      vbiosVersion: '96.00.A5.00.01',
      virtualizationMode: 'Pass-Through',
      persistenceMode: true,
      memoryTotalMiB: 81559,
      memoryUsedMiB: 19818,
      memoryFreeMiB: 61263,
      utilizationGpuPct: 100,
      utilizationMemoryPct: 11,
      temperatureC: 59,
      fanSpeedPct: null,
      pstate: 'P0',
      powerDrawW: 629.45,
      powerLimitW: 700,
      clocksGraphicsMHz: 1980,
      clocksSmMHz: 1980,
      clocksMemoryMHz: 2619,
      clocksMaxGraphicsMHz: 1980,
      clocksMaxMemoryMHz: 2619,
      computeCapability: null,
      migEnabled: false,
      migDevices: [],
    });
    expect(inventory.processes?.map((process) => [process.pid, process.type, process.name, process.usedMemoryMiB])).toEqual([
      [11327, 'C', '/root/tools/memhog', 2566],
      [11328, 'C', '/root/tools/memhog', 1542],
      [11345, 'C', './gpu_burn', 15690],
    ]);
  });

  it("reads driver 610's KMD / CUDA UMD versions and the power limit nested under GPU Ceiling Power Limit", () => {
    const inventory = qtext(`${EXPORTER}nvidia-geforce-rtx-2080-super__610.57.04__load__q.txt`);
    expect(inventory).toMatchObject({ timestamp: 'Wed Aug 12 21:54:00 2026', driverVersion: '610.57.04', cudaVersion: '13.3' });
    expect(inventory.gpus.map(row)).toEqual([[0, 'NVIDIA GeForce RTX 2080 SUPER', '00000000:0C:00.0', false, 815, 8192, 8, 38, 38, 'P2', 97.75, 250]]);
  });

  it('strips the deprecation note when a 610 output has only the old version fields (synthetic)', () => {
    const source = readFixture('qtext', `${EXPORTER}nvidia-geforce-rtx-2080-super__610.57.04__load__q.txt`).replace(/^(KMD Version|CUDA UMD Version) .*\n/gm, '');
    expect(inventoryOf(parseQText(source))).toMatchObject({ driverVersion: '610.57.04', cudaVersion: '13.3' });
  });

  it('reads the ≤ 418 layout: Power Readings with an enforced limit, "Gpu" utilisation, no CUDA line (synthetic, mirrors the XML of the same V100)', () => {
    const inventory = inventoryOf(parseQText(DRIVER_410_SAMPLE));
    expect(inventory).toMatchObject({ timestamp: 'Tue Aug 27 01:29:36 2019', driverVersion: '410.104', cudaVersion: null, processes: [] });
    expect(inventory.gpus.map(row)).toEqual([[0, 'Tesla V100-SXM3-32GB', '00000000:34:00.0', true, 0, 32480, 0, 33, null, 'P0', 50.6, 350]]);
    expect(inventory.gpus[0]?.uuid).toBe('GPU-ef23ffa6-c9fd-93d5-aeb8-612c087255ff');
  });
});

describe('parseQText: Windows', () => {
  it('reads WDDM output: persistence N/A, process memory "Not available in WDDM driver model", names with "C:"', () => {
    const inventory = qtext(`${WINDOWS}610.62__load__q.txt`);
    expect(inventory).toMatchObject({ driverVersion: '610.62', cudaVersion: '13.3' });
    expect(inventory.gpus.map(row)).toEqual([[0, 'NVIDIA GeForce RTX 2080 SUPER', '00000000:0C:00.0', null, 1366, 8192, 7, 44, 38, 'P2', 97.99, 250]]);
    expect(inventory.processes).toHaveLength(21);
    expect(inventory.processes?.[0]).toEqual({
      gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000',
      gpuIndex: 0,
      pid: 2140,
      type: 'C+G',
      name: 'C:\\Windows\\System32\\dwm.exe',
      usedMemoryMiB: null,
    });
  });
});

describe('parseQText: MIG', () => {
  it('reads 590 MIG devices ("Shared FB Memory Usage") with derived profiles, and MIG processes', () => {
    const inventory = qtext(`${EXPORTER}nvidia-h100-mig__590.48.01__load__q.txt`);
    const [gpu] = inventory.gpus;
    expect([gpu?.migEnabled, gpu?.utilizationGpuPct, gpu?.powerDrawW]).toEqual([true, null, 432.21]);
    expect(gpu?.migDevices.map((device) => [device.index, device.gpuInstanceId, device.computeInstanceId, device.profile, device.smCount, device.memoryUsedMiB, device.memoryTotalMiB])).toEqual([
      [0, 2, 0, '3g.40gb', 60, 11091, 40448],
      [1, 3, 0, '2g.20gb', 32, 17, 20096],
      [2, 9, 0, '1g.10gb', 16, 9, 9984],
      [3, 10, 0, '1g.10gb', 16, 9, 9984],
    ]);
    expect(inventory.processes?.map((process) => process.pid)).toEqual([21180, 21181, 21198]);
  });

  it('leaves the profile null where one GPU instance is split into several compute instances (H200)', () => {
    const [gpu] = qtext(`${EXPORTER}nvidia-h200-mig__590.48.01__load__q.txt`).gpus;
    expect(gpu?.migDevices.map((device) => [device.gpuInstanceId, device.computeInstanceId, device.profile, device.smCount])).toEqual([
      [2, 0, null, 16],
      [2, 1, null, 32],
      [3, 0, '2g.35gb', 32],
      [9, 0, '1g.18gb', 16],
      [10, 0, '1g.18gb', 16],
    ]);
  });

  it.each([
    ['directly under the GPU', false],
    ['grouped under "MIG Devices"', true],
  ])('reads the older MIG layout, "FB Memory Usage" in each MIG Device %s (synthetic, mirrors the A100 XML)', (_label, grouped) => {
    const [gpu] = inventoryOf(parseQText(a100MigSample(grouped))).gpus;
    expect(gpu?.migDevices).toEqual([
      { index: 0, gpuInstanceId: 3, computeInstanceId: 0, uuid: null, profile: '1g.20gb', smCount: 14, memoryTotalMiB: 19968, memoryUsedMiB: 12 },
      { index: 1, gpuInstanceId: 4, computeInstanceId: 0, uuid: null, profile: '1g.20gb', smCount: 14, memoryTotalMiB: 19968, memoryUsedMiB: 12 },
    ]);
  });
});

describe('parseQText: vGPU', () => {
  it('reads a vGPU guest: the licence section\'s "Product Name" is not the GPU name', () => {
    const [gpu] = inventoryOf(parseQText(vgpuSample('VGPU', ''))).gpus;
    expect(gpu).toMatchObject({ name: 'NVIDIA A16-4Q', virtualizationMode: 'VGPU', memoryTotalMiB: 4096, memoryUsedMiB: 512 });
  });

  it('reads a vGPU host without mistaking the hosted vGPUs for the GPU', () => {
    const hosted = [
      '    Active vGPUs                          : 1',
      '    vGPU ID                               : 3251634213',
      '        VM Name                           : guest-1',
      '        vGPU Name                         : NVIDIA A16-8Q',
      '        FB Memory Usage',
      '            Total                         : 8192 MiB',
      '            Used                          : 8000 MiB',
      '',
    ].join('\n');
    const inventory = inventoryOf(parseQText(vgpuSample('Host VGPU', hosted)));
    expect(inventory.gpus).toHaveLength(1);
    expect(inventory.gpus[0]).toMatchObject({ name: 'NVIDIA A16-4Q', virtualizationMode: 'Host VGPU', memoryTotalMiB: 4096, memoryUsedMiB: 512 });
  });
});

describe('parseQText: processes', () => {
  const source = readFixture('qtext', `${EXPORTER}nvidia-geforce-rtx-2080-super__595.71.05__load__q.txt`);

  it('reads a process list', () => {
    expect(inventoryOf(parseQText(source)).processes?.map((process) => [process.pid, process.type, process.name])).toEqual([
      [1696, 'G', '/usr/bin/gnome-shell'],
      [4584, 'G', '/usr/bin/Xwayland'],
      [5267, 'C', 'ffmpeg'],
      [5268, 'C', 'ffmpeg'],
    ]);
  });

  it('says null when the output has no Processes section', () => {
    const withoutProcesses = source.replace(/^ {4}Processes\n(?: {8}.*\n)+/m, '');
    expect(inventoryOf(parseQText(withoutProcesses)).processes).toBeNull();
  });

  it('says null for "Processes : Not Supported" and [] for "Processes : None"', () => {
    const replaced = (value: string) => source.replace(/^ {4}Processes\n(?: {8}.*\n)+/m, `    Processes                             : ${value}\n`);
    expect(inventoryOf(parseQText(replaced('Not Supported'))).processes).toBeNull();
    expect(inventoryOf(parseQText(replaced('None'))).processes).toEqual([]);
  });
});

describe('parseQText: damaged input', () => {
  it('keeps the GPUs before the point where the output was cut', () => {
    const source = readFixture('qtext', 'thamada-nvidia-smi__H100SXMx8_smi.q.txt');
    const inventory = inventoryOf(parseQText(source.slice(0, source.indexOf('GPU 00000000:3A:00.0') + 200)));
    expect(inventory.gpus.map((gpu) => gpu.busId)).toEqual(['00000000:18:00.0', '00000000:2A:00.0', '00000000:3A:00.0']);
    expect(inventory.gpus[2]?.memoryTotalMiB).toBeNull();
  });

  it('reads Windows line endings and a byte-order mark like plain text', () => {
    const source = readFixture('qtext', `${WINDOWS}591.86__load__q.txt`);
    const crlf = `\uFEFF${source.replace(/\n/g, '\r\n')}`;
    expect(inventoryOf(parseQText(crlf))).toEqual(inventoryOf(parseQText(source)));
  });

  it.each([['empty', ''], ['an error message', 'No devices were found\n'], ['prose', 'hello : world']])('answers UNRECOGNIZED for %s', (_label, input) => {
    const result = parseQText(input);
    expect(result.ok ? 'ok' : result.error.code).toBe('UNRECOGNIZED');
  });
});

/** `nvidia-smi -q` of driver 410 (layout of that era), values taken from the XML of the same V100. */
const DRIVER_410_SAMPLE = `
==============NVSMI LOG==============

Timestamp                           : Tue Aug 27 01:29:36 2019
Driver Version                      : 410.104

Attached GPUs                       : 1
GPU 00000000:34:00.0
    Product Name                    : Tesla V100-SXM3-32GB
    Product Brand                   : Tesla
    Persistence Mode                : Enabled
    Serial Number                   : 0323218034307
    GPU UUID                        : GPU-ef23ffa6-c9fd-93d5-aeb8-612c087255ff
    Minor Number                    : 0
    VBIOS Version                   : 88.00.6B.00.01
    PCI
        Bus Id                      : 00000000:34:00.0
    Fan Speed                       : N/A
    Performance State               : P0
    Clocks Throttle Reasons
        Idle                        : Not Active
    FB Memory Usage
        Total                       : 32480 MiB
        Used                        : 0 MiB
        Free                        : 32480 MiB
    Utilization
        Gpu                         : 0 %
        Memory                      : 0 %
    Temperature
        GPU Current Temp            : 33 C
    Power Readings
        Power Management            : Supported
        Power Draw                  : 50.60 W
        Power Limit                 : 350.00 W
        Default Power Limit         : 350.00 W
        Enforced Power Limit        : 350.00 W
    Clocks
        Graphics                    : 135 MHz
        SM                          : 135 MHz
        Memory                      : 958 MHz
    Max Clocks
        Graphics                    : 1597 MHz
        SM                          : 1597 MHz
        Memory                      : 958 MHz
    Processes                       : None
`;

/** `nvidia-smi -q` of an A100 in MIG mode as driver 535 prints it, values from the XML of the same card. */
function a100MigSample(grouped: boolean): string {
  const device = (index: number, gpuInstanceId: number) => [
    `MIG Device`,
    `    Index                             : ${index}`,
    `    GPU Instance ID                   : ${gpuInstanceId}`,
    `    Compute Instance ID               : 0`,
    `    Device Attributes`,
    `        Shared`,
    `            Multiprocessor count      : 14`,
    `    FB Memory Usage`,
    `        Total                         : 19968 MiB`,
    `        Used                          : 12 MiB`,
  ];
  const indent = grouped ? '        ' : '    ';
  const devices = [...device(0, 3), ...device(1, 4)].map((line) => `${indent}${line}\n`).join('');
  return `
==============NVSMI LOG==============

Timestamp                                 : Fri Aug  4 11:44:30 2023
Driver Version                            : 535.54.03
CUDA Version                              : 12.2

Attached GPUs                             : 1
GPU 00000000:01:00.0
    Product Name                          : NVIDIA A100-SXM4-80GB
    MIG Mode
        Current                           : Enabled
        Pending                           : Enabled
${grouped ? '    MIG Devices\n' : ''}${devices}    GPU UUID                              : GPU-513536b6-7d19-9063-b049-1e69664bb298
    FB Memory Usage
        Total                             : 81920 MiB
        Used                              : 50 MiB
        Free                              : 80999 MiB
    Processes                             : None
`;
}

/** A vGPU guest or host in the shape `nvidia-smi -q` prints (no vGPU sample among the fixtures). */
function vgpuSample(virtualizationMode: string, hosted: string): string {
  return `
==============NVSMI LOG==============

Timestamp                                 : Mon Mar  4 10:00:00 2024
Driver Version                            : 535.154.05
CUDA Version                              : 12.2

Attached GPUs                             : 1
GPU 00000000:02:00.0
    Product Name                          : NVIDIA A16-4Q
    GPU UUID                              : GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
    GPU Virtualization Mode
        Virtualization Mode               : ${virtualizationMode}
        Host VGPU Mode                    : N/A
    vGPU Software Licensed Product
        Product Name                      : NVIDIA Virtual Compute Server
        License Status                    : Licensed (Expiry: 2025-3-19 7:29:4 GMT)
${hosted}    FB Memory Usage
        Total                             : 4096 MiB
        Used                              : 512 MiB
        Free                              : 3584 MiB
    Processes                             : None
`;
}
