import { describe, expect, it } from 'vitest';
import { parseTable } from './table.js';
import { fixtureNames, hasNonFiniteNumber, inventoryOf, readFixture } from './testing/smi-fixtures.js';

const table = (name: string) => inventoryOf(parseTable(readFixture('table', name)));
const EXPORTER = 'nvidia_gpu_exporter__linux-x86_64__';
const WINDOWS = 'nvidia_gpu_exporter__windows-x86_64__nvidia-geforce-rtx-2080-super__';

/** The fields the table carries, for compact golden rows. */
const row = (gpu: ReturnType<typeof table>['gpus'][number]) => [
  gpu.index,
  gpu.name,
  gpu.busId,
  gpu.persistenceMode,
  gpu.fanSpeedPct,
  gpu.temperatureC,
  gpu.pstate,
  gpu.powerDrawW,
  gpu.powerLimitW,
  gpu.memoryUsedMiB,
  gpu.memoryTotalMiB,
  gpu.utilizationGpuPct,
  gpu.migEnabled,
];

describe('parseTable: every fixture', () => {
  it.each(fixtureNames('table'))('%s gives a valid inventory', (name) => {
    const result = parseTable(readFixture('table', name));
    const inventory = inventoryOf(result);
    expect(inventory.format).toBe('table');
    expect(hasNonFiniteNumber(inventory)).toBe(false);
    // Fields the table never prints stay null.
    for (const gpu of inventory.gpus) expect([gpu.uuid, gpu.serial, gpu.computeCapability, gpu.clocksSmMHz]).toEqual([null, null, null, null]);
  });
});

describe('parseTable: old widths (≤ 525, 79 columns)', () => {
  it('reads an 8-GPU box of driver 390 with truncated names and 13 processes', () => {
    const inventory = table('nvidia-htop__FAKE_STDIN.txt');
    expect(inventory).toMatchObject({ timestamp: 'Mon May 21 14:07:29 2018', driverVersion: '390.25', cudaVersion: null });
    expect(inventory.gpus.map(row)).toEqual([
      [0, 'GeForce GTX 108...', '00000000:04:00.0', false, 53, 75, 'P2', 223, 250, 10807, 11178, 98, null],
      [1, 'GeForce GTX 108...', '00000000:05:00.0', false, 66, 83, 'P2', 237, 250, 10783, 11178, 100, null],
      [2, 'GeForce GTX 108...', '00000000:08:00.0', false, 21, 40, 'P2', 74, 250, 10793, 11178, 61, null],
      [3, 'GeForce GTX 108...', '00000000:09:00.0', false, 65, 82, 'P2', 217, 250, 7996, 11178, 100, null],
      [4, 'GeForce GTX 108...', '00000000:84:00.0', false, 39, 61, 'P2', 149, 250, 5964, 11178, 56, null],
      [5, 'GeForce GTX 108...', '00000000:85:00.0', false, 64, 82, 'P2', 226, 250, 10785, 11178, 100, null],
      [6, 'GeForce GTX 108...', '00000000:88:00.0', false, 44, 65, 'P2', 139, 250, 10823, 11178, 23, null],
      [7, 'GeForce GTX 108...', '00000000:89:00.0', false, 46, 69, 'P2', 249, 250, 7773, 11178, 47, null],
    ]);
    expect(inventory.processes).toHaveLength(13);
    expect(inventory.processes?.[3]).toEqual({ gpuUuid: null, gpuIndex: 3, pid: 4755, type: 'C', name: '...ware/MATLAB/matlab94/bin/glnxa64/MATLAB', usedMemoryMiB: 389 });
    expect(inventory.processes?.[12]).toEqual({ gpuUuid: null, gpuIndex: 7, pid: 9908, type: 'C', name: 'python', usedMemoryMiB: 7755 });
  });

  it('reads the 346 layout with a 4-digit bus domain and no processes', () => {
    const inventory = table('nvidia-htop__FAKE_STDIN_NO_PROCESSES.txt');
    expect(inventory.driverVersion).toBe('346.46');
    expect(inventory.gpus.map(row)).toEqual([[0, 'GRID K520', '00000000:00:03.0', false, null, 37, 'P0', 35, 125, 10, 4095, 0, null]]);
    expect(inventory.processes).toEqual([]);
  });

  it('reads a process box that closes without rows as no processes', () => {
    expect(table('nvidia-htop__FAKE_STDIN_NO_PROCESSES_DOCKER.txt').processes).toEqual([]);
  });

  it('reads N/A fan and power of a laptop GPU (390)', () => {
    const inventory = table('kali-nvidia__README.md__390.42.txt');
    expect(inventory.gpus.map(row)).toEqual([[0, 'GeForce MX150', '00000000:01:00.0', false, null, 60, 'P0', null, null, 368, 2002, 0, null]]);
    expect(inventory.processes?.map((process) => [process.pid, process.type, process.name, process.usedMemoryMiB])).toEqual([
      [763, 'G', '/usr/lib/xorg/Xorg', 20],
      [793, 'G', '/usr/bin/gnome-shell', 19],
      [1108, 'G', '/usr/lib/xorg/Xorg', 82],
      [1191, 'G', '/usr/bin/gnome-shell', 242],
      [2132, 'G', 'gnome-control-center', 1],
    ]);
  });

  it('reads the 450 layout: MIG M. line, GI/CI process columns and the old MIG device box', () => {
    const inventory = table('nvgpu-RonMcKay__test_gpu_info__450.142.00.txt');
    expect(inventory).toMatchObject({ driverVersion: '450.142.00', cudaVersion: '11.0' });
    expect(inventory.gpus.map(row)).toEqual([
      [0, 'A100-SXM4-40GB', '00000000:01:00.0', false, null, 46, 'P0', 127, 400, 16225, 40537, null, true],
      [1, 'A100-SXM4-40GB', '00000000:41:00.0', false, null, 42, 'P0', 74, 400, 15103, 40537, null, true],
      [2, 'A100-SXM4-40GB', '00000000:81:00.0', false, null, 45, 'P0', 259, 400, 15356, 40537, null, true],
      [3, 'A100-SXM4-40GB', '00000000:C1:00.0', false, null, 45, 'P0', 232, 400, 21156, 40537, null, true],
    ]);
    expect(inventory.gpus[0]?.migDevices).toEqual([
      { index: 0, gpuInstanceId: 1, computeInstanceId: 0, uuid: null, profile: '3g.20gb', smCount: 42, memoryTotalMiB: 20096, memoryUsedMiB: 16214 },
      { index: 1, gpuInstanceId: 2, computeInstanceId: 0, uuid: null, profile: '3g.20gb', smCount: 42, memoryTotalMiB: 20096, memoryUsedMiB: 11 },
    ]);
    expect(inventory.gpus[3]?.migDevices).toEqual([{ index: 0, gpuInstanceId: 0, computeInstanceId: 0, uuid: null, profile: '7g.40gb', smCount: 98, memoryTotalMiB: 40537, memoryUsedMiB: 21156 }]);
    expect(inventory.processes?.map((process) => [process.gpuIndex, process.pid, process.type, process.name, process.usedMemoryMiB])).toEqual([
      [0, 53522, 'C', 'python3', 16197],
      [1, 111478, 'C', 'python', 15077],
      [2, 1128, 'C', 'python', 15351],
      [3, 10179, 'C', 'python3', 21149],
    ]);
  });

  it('reads a 520 laptop table with a truncated workstation name and N/A power cap', () => {
    const inventory = table('mxochicale-code__logs.md__520.61.05.txt');
    expect(inventory.gpus.map(row)).toEqual([[0, 'NVIDIA RTX A200...', '00000000:01:00.0', true, null, 47, 'P8', 3, null, 4, 8192, 0, null]]);
  });
});

describe('parseTable: new widths (530: 89 columns, ≥ 545: 91 columns)', () => {
  it('reads the 530 layout, where the nvidia-smi and driver versions differ', () => {
    const inventory = table('cs259__README__530.47.txt');
    expect(inventory).toMatchObject({ timestamp: null, driverVersion: '531.68', cudaVersion: '12.1' });
    expect(inventory.gpus.map(row)).toEqual([[0, 'NVIDIA GeForce RTX 3070', '00000000:2B:00.0', true, 0, 53, 'P8', 16, 220, 1029, 8192, 18, null]]);
    expect(inventory.processes).toEqual([{ gpuUuid: null, gpuIndex: 0, pid: 22, type: 'G', name: '/Xwayland', usedMemoryMiB: null }]);
  });

  it('reads an 8 × H100 box of driver 550 with no processes', () => {
    const inventory = table('gpud__nvidia-smi.550.90.07.out.0.valid.txt');
    expect(inventory).toMatchObject({ timestamp: 'Mon Jan 20 10:18:26 2025', driverVersion: '550.90.07', cudaVersion: '12.4', processes: [] });
    expect(inventory.gpus).toHaveLength(8);
    expect(inventory.gpus.map(row)[0]).toEqual([0, 'NVIDIA H100 80GB HBM3', '00000000:19:00.0', true, null, 27, 'P0', 72, 700, 1, 81559, 0, false]);
    expect(inventory.gpus.map(row)[7]).toEqual([7, 'NVIDIA H100 80GB HBM3', '00000000:DB:00.0', true, null, 23, 'P0', 72, 700, 1, 81559, 0, false]);
  });

  it('reads the ≥ 590 MIG device box (Shared Memory-Usage) and MIG processes of an H100', () => {
    const inventory = table(`${EXPORTER}nvidia-h100-mig__590.48.01__load__table.txt`);
    expect(inventory).toMatchObject({ timestamp: 'Tue Jul 14 09:00:43 2026', driverVersion: '590.48.01', cudaVersion: '13.1' });
    expect(inventory.gpus.map(row)).toEqual([[0, 'NVIDIA H100 80GB HBM3', '00000000:00:09.0', true, null, 52, 'P0', 432, 700, 11125, 81559, null, true]]);
    expect(inventory.gpus[0]?.migDevices.map((mig) => [mig.index, mig.gpuInstanceId, mig.computeInstanceId, mig.smCount, mig.memoryUsedMiB, mig.memoryTotalMiB, mig.profile])).toEqual([
      [0, 2, 0, 60, 11091, 40448, '3g.40gb'],
      [1, 3, 0, 32, 17, 20096, '2g.20gb'],
      [2, 9, 0, 16, 9, 9984, '1g.10gb'],
      [3, 10, 0, 16, 9, 9984, '1g.10gb'],
    ]);
    expect(inventory.processes).toEqual([
      { gpuUuid: null, gpuIndex: 0, pid: 21180, type: 'C', name: '/root/tools/memhog', usedMemoryMiB: 2296 },
      { gpuUuid: null, gpuIndex: 0, pid: 21181, type: 'C', name: '/root/tools/memhog', usedMemoryMiB: 1272 },
      { gpuUuid: null, gpuIndex: 0, pid: 21198, type: 'C', name: './gpu_burn', usedMemoryMiB: 7484 },
    ]);
  });

  it('reads two compute instances sharing one GPU instance (H200): their split has no profile name', () => {
    const gpu = table(`${EXPORTER}nvidia-h200-mig__590.48.01__idle__table.txt`).gpus[0];
    expect(gpu?.migDevices.map((mig) => [mig.gpuInstanceId, mig.computeInstanceId, mig.smCount, mig.memoryTotalMiB, mig.profile])).toEqual([
      [2, 0, 16, 71424, null],
      [2, 1, 32, 71424, null],
      [3, 0, 32, 33280, '2g.35gb'],
      [9, 0, 16, 16384, '1g.18gb'],
      [10, 0, 16, 16384, '1g.18gb'],
    ]);
  });

  it('reads an 8 × RTX 4090 box (550)', () => {
    const inventory = table('thamada-nvidia-smi__RTX4090_smi.table.txt');
    expect(inventory.gpus.map((gpu) => gpu.busId)).toEqual(['00000000:01:00.0', '00000000:25:00.0', '00000000:41:00.0', '00000000:61:00.0', '00000000:81:00.0', '00000000:A1:00.0', '00000000:C1:00.0', '00000000:E1:00.0']);
    expect(inventory.gpus.map(row)[5]).toEqual([5, 'NVIDIA GeForce RTX 4090', '00000000:A1:00.0', true, 0, 26, 'P8', 31, 450, 2, 24564, 0, null]);
  });

  it("reads 610's renamed header fields (KMD Version, CUDA UMD Version)", () => {
    const inventory = table(`${EXPORTER}nvidia-geforce-rtx-2080-super__610.57.04__load__table.txt`);
    expect(inventory).toMatchObject({ driverVersion: '610.57.04', cudaVersion: '13.3' });
    expect(inventory.gpus.map(row)).toEqual([[0, 'NVIDIA GeForce RTX 2080 ...', '00000000:0C:00.0', false, 38, 38, 'P2', 97, 250, 815, 8192, 8, null]]);
    expect(inventory.processes?.map((process) => [process.pid, process.type, process.name, process.usedMemoryMiB])).toEqual([
      [1720, 'G', '/usr/bin/gnome-shell', 173],
      [4556, 'G', '/usr/bin/Xwayland', 3],
      [28511, 'C', 'ffmpeg', 230],
      [28512, 'C', 'ffmpeg', 370],
    ]);
  });

  it('reads a Windows 610 table: driver-model column, C+G processes with N/A memory and spaces in names', () => {
    const inventory = table(`${WINDOWS}610.62__load__table.txt`);
    expect(inventory).toMatchObject({ driverVersion: '610.62', cudaVersion: '13.3' });
    expect(inventory.gpus.map(row)).toEqual([[0, 'NVIDIA GeForce RTX 2080 ...', '00000000:0C:00.0', null, 38, 44, 'P2', 97, 250, 1366, 8192, 7, null]]);
    expect(inventory.processes).toHaveLength(21);
    expect(inventory.processes?.[0]).toEqual({ gpuUuid: null, gpuIndex: 0, pid: 2140, type: 'C+G', name: 'C:\\Windows\\System32\\dwm.exe', usedMemoryMiB: null });
    expect(inventory.processes?.[10]?.name).toBe('...IA App\\CEF\\NVIDIA Overlay.exe');
  });

  it('reads CUDA Version: N/A as null', () => {
    expect(table('issues-shkhln-libc6-shim-14__FRAGMENT-575.64.03-cuda-NA.txt')).toMatchObject({ driverVersion: '575.64.03', cudaVersion: null });
  });
});

describe('parseTable: fragments', () => {
  it('reads a GPU row pasted without header, with ERR! power draw', () => {
    const inventory = table('issues-Azure-azhpc-diagnostics-77__FRAGMENT-ERR-power.txt');
    expect(inventory).toMatchObject({ driverVersion: null, cudaVersion: null, processes: null });
    expect(inventory.gpus.map(row)).toEqual([[1, 'Tesla V100-PCIE...', '00008ED0:00:00.0', true, null, 29, 'P0', null, 250, 593, 16160, 0, null]]);
  });

  it('reads a Windows WDDM table cut after the first GPU (no persistence mode, no process box)', () => {
    const inventory = table('issues-AlexeyAB-darknet-86__FRAGMENT-369.30-windows-TCC-WDDM.txt');
    expect(inventory.gpus.map(row)).toEqual([[0, 'GeForce 840M', '00000000:03:00.0', null, null, 37, 'P8', null, null, 52, 2048, 0, null]]);
    expect(inventory.processes).toBeNull();
  });

  it('has no process list when the box is cut before its rows', () => {
    const inventory = table('issues-BugRoger-nvidia-exporter-3__FRAGMENT-390.59-K80-azure.txt');
    expect(inventory.gpus.map((gpu) => [gpu.index, gpu.name, gpu.busId, gpu.memoryTotalMiB])).toEqual([
      [0, 'Tesla K80', '0000460E:00:00.0', 11441],
      [1, 'Tesla K80', '00006180:00:00.0', 11441],
    ]);
    expect(inventory.processes).toBeNull();
    expect(table('issues-shkhln-libc6-shim-14__FRAGMENT-575.64.03-cuda-NA.txt').processes).toBeNull();
  });

  it('keeps the process rows read before the cut', () => {
    expect(table('issues-CFSworks-nvml_fix-11__FRAGMENT-396.24-GTX1070.txt').processes?.map((process) => process.name)).toEqual(['/usr/bin/X', 'kwin_x11', '/usr/bin/krunner']);
  });

  it('reads a process box that says Not Supported as no process information', () => {
    expect(table('issues-peci1-nvidia-htop-pr2__FRAGMENT-processes-Not-Supported.txt')).toMatchObject({ gpus: [], processes: null });
  });
});

describe('parseTable: shapes beyond the fixtures', () => {
  const block = (index: number) =>
    [
      `|   ${index}  NVIDIA GeForce RTX 3090        Off |   00000000:${(index + 1).toString(16).toUpperCase().padStart(2, '0')}:00.0 Off |                  N/A |`,
      `| 30%   40C    P2            150W /  350W |    1000MiB /  24576MiB |     50%      Default |`,
      '|                                         |                        |                  N/A |',
      '+-----------------------------------------+------------------------+----------------------+',
    ].join('\r\n');

  it('reads a 10-GPU box with Windows line endings', () => {
    const text = [
      '+-----------------------------------------------------------------------------------------+',
      '| NVIDIA-SMI 560.35.03              Driver Version: 560.35.03      CUDA Version: 12.6     |',
      '|=========================================+========================+======================|',
      ...Array.from({ length: 10 }, (_, index) => block(index)),
    ].join('\r\n');
    const inventory = inventoryOf(parseTable(text));
    expect(inventory.gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(inventory.gpus[9]).toMatchObject({ busId: '00000000:0A:00.0', powerDrawW: 150, memoryUsedMiB: 1000, utilizationGpuPct: 50 });
  });

  it('is an error for text that holds no table', () => {
    expect(parseTable('')).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
    expect(parseTable('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.')).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
  });

  it('stays linear on long lines', () => {
    const long = `|${' '.repeat(200_000)}x\n+${'-'.repeat(200_000)}x\n| 0 ${'a '.repeat(100_000)}|`;
    const started = Date.now();
    parseTable(long);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
