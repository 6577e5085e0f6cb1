import { TelemetrySampleSchema } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { parseCsv, toTelemetrySamples } from './csv.js';
import { fixtureNames, hasNonFiniteNumber, inventoryOf, readFixture } from './testing/smi-fixtures.js';

const csv = (name: string, fields?: string[]) => parseCsv(readFixture('csv', name), fields ? { csvFields: fields } : {});
const EXPORTER = 'nvidia_gpu_exporter__linux-x86_64__';
const WINDOWS = 'nvidia_gpu_exporter__windows-x86_64__nvidia-geforce-rtx-2080-super__';

describe('parseCsv: every fixture', () => {
  it.each(fixtureNames('csv'))('%s gives a valid inventory or a typed error', (name) => {
    const result = parseCsv(readFixture('csv', name));
    if (result.ok) {
      expect(() => inventoryOf(result)).not.toThrow();
      expect(hasNonFiniteNumber(result.inventory)).toBe(false);
      expect(result.inventory.format).toBe('csv');
    } else {
      // Only the noheader files, which cannot be read without their field list.
      expect(name).toMatch(/noheader/);
      expect(result.error.code).toBe('UNRECOGNIZED');
    }
  });
});

describe('parseCsv: --query-gpu', () => {
  it('reads every mapped field of a full query on an H100 with MIG enabled (590)', () => {
    const inventory = inventoryOf(csv(`${EXPORTER}nvidia-h100-mig__590.48.01__idle__query-gpu.csv`));
    expect(inventory).toMatchObject({ format: 'csv', timestamp: '2026/07/14 09:00:27.792', driverVersion: '590.48.01', cudaVersion: null, processes: null });
    expect(inventory.gpus).toEqual([
      {
        index: 0,
        uuid: 'GPU-00000000-0000-0000-0000-000000000000',
        name: 'NVIDIA H100 80GB HBM3',
        busId: '00000000:00:09.0',
        serial: '0000000000000',
        vbiosVersion: '96.00.A5.00.01',
        virtualizationMode: null,
        persistenceMode: true,
        memoryTotalMiB: 81559,
        memoryUsedMiB: 59,
        memoryFreeMiB: 81022,
        utilizationGpuPct: null,
        utilizationMemoryPct: null,
        temperatureC: 42,
        fanSpeedPct: null,
        pstate: 'P0',
        powerDrawW: 71.15,
        powerLimitW: 700,
        clocksGraphicsMHz: 345,
        clocksSmMHz: 345,
        clocksMemoryMHz: 2619,
        clocksMaxGraphicsMHz: 1980,
        clocksMaxMemoryMHz: 2619,
        computeCapability: '9.0',
        migEnabled: true,
        migDevices: [],
      },
    ]);
  });

  it('reads the 610 query (driver_version and kmd_version both present)', () => {
    const inventory = inventoryOf(csv(`${EXPORTER}nvidia-geforce-rtx-2080-super__610.57.04__idle__query-gpu.csv`));
    expect(inventory.driverVersion).toBe('610.57.04');
    expect(inventory.gpus[0]).toMatchObject({ name: 'NVIDIA GeForce RTX 2080 SUPER', serial: null, persistenceMode: false, fanSpeedPct: 38, powerDrawW: 39.17, computeCapability: '7.5', migEnabled: null });
  });

  it('reads a Windows query: [N/A] persistence mode and serial become null', () => {
    const inventory = inventoryOf(csv(`${WINDOWS}610.62__load__query-gpu.csv`));
    expect(inventory.driverVersion).toBe('610.62');
    expect(inventory.gpus[0]).toMatchObject({ persistenceMode: null, serial: null, vbiosVersion: '90.04.7a.40.73', memoryUsedMiB: 1366, powerDrawW: 97.99 });
  });

  it('reads nounits with units in the header, a blank line and [Unknown Error] (Windows 442)', () => {
    const inventory = inventoryOf(csv('issues-Quake4-MindMiner-627__query-gpu-nounits-win.csv'));
    expect(inventory.gpus).toHaveLength(1);
    expect(inventory.gpus[0]).toMatchObject({
      index: 0,
      name: 'GeForce RTX 2080 Ti',
      utilizationGpuPct: 100,
      utilizationMemoryPct: 37,
      temperatureC: 56,
      powerDrawW: 228.82,
      powerLimitW: 210,
      fanSpeedPct: 56,
      clocksGraphicsMHz: 1560,
      clocksMemoryMHz: 6800,
      uuid: null,
    });
  });

  it('reads values that carry their units, GPUs known by UUID only', () => {
    const inventory = inventoryOf(csv('nvidia-smi-exporter-a0s__nvidia-smi-1.csv'));
    expect(inventory.gpus.map((gpu) => [gpu.index, gpu.uuid, gpu.name, gpu.memoryUsedMiB, gpu.utilizationGpuPct, gpu.temperatureC, gpu.powerDrawW, gpu.clocksSmMHz])).toEqual([
      [0, 'GPU-d86c351b-8f94-33ab-3b97-accb421fef6d', '', 754, 100, 71, 217.24, 1949],
      [1, 'GPU-683c6e09-3969-31a5-b7ca-cc88252b7fce', '', 641, 100, 71, 208.3, 2025],
    ]);
  });

  it('needs the field list for noheader output and says so', () => {
    const result = csv('issues-tutulino-Megaminer-376__query-gpu-noheader-8gpu.csv');
    expect(result).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
    expect(result.ok ? '' : result.error.message).toMatch(/field list/);
  });

  it('reads an 8-GPU noheader query with units in values, given its field list', () => {
    const fields = ['name', 'utilization.gpu', 'utilization.memory', 'temperature.gpu', 'power.draw', 'power.limit', 'fan.speed', 'pstate', 'clocks.sm', 'clocks.mem', 'power.max_limit', 'power.default_limit'];
    const inventory = inventoryOf(csv('issues-tutulino-Megaminer-376__query-gpu-noheader-8gpu.csv', fields));
    expect(inventory.gpus).toHaveLength(8);
    expect(inventory.gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(inventory.gpus[0]).toMatchObject({ name: 'GeForce GTX 1080 Ti', utilizationGpuPct: 53, utilizationMemoryPct: 3, temperatureC: 84, powerDrawW: 123, powerLimitW: 262.5, fanSpeedPct: null, pstate: 'P2', clocksSmMHz: 1746, clocksMemoryMHz: 5310 });
    expect(inventory.gpus[7]).toMatchObject({ name: 'GeForce GTX 1080', powerDrawW: 181.22, powerLimitW: 200, fanSpeedPct: 71, clocksMemoryMHz: 4513 });
  });

  it('reads noheader,nounits with [N/A] given its field list', () => {
    const fields = ['memory.total', 'memory.free', 'memory.used', 'temperature.gpu', 'fan.speed', 'utilization.gpu', 'utilization.memory'];
    const inventory = inventoryOf(csv('issues-enkore-i3pystatus-776__query-gpu-noheader-nounits-NA.csv', fields));
    expect(inventory.gpus[0]).toMatchObject({ index: 0, name: '', memoryTotalMiB: 2004, memoryFreeMiB: 2004, memoryUsedMiB: 0, temperatureC: 44, fanSpeedPct: null, utilizationGpuPct: 0, utilizationMemoryPct: 0 });
  });

  it('reads field names given with their units, and bare values in those units', () => {
    const inventory = inventoryOf(parseCsv('0, 1.5, 300\n', { csvFields: ['index', 'memory.used [GiB]', 'power.draw [W]'] }));
    expect(inventory.gpus[0]).toMatchObject({ index: 0, memoryUsedMiB: 1536, powerDrawW: 300 });
  });

  it('rejects csvFields that are not field names', () => {
    expect(parseCsv('1, 2\n', { csvFields: ['memory used', 'x'] })).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
    expect(parseCsv('1, 2\n', { csvFields: ['foo.bar', 'baz'] })).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
  });

  it('reads Windows line endings, quoted fields, trailing commas and spaces', () => {
    const text = '\uFEFFindex, name, memory.used [MiB], power.draw [W],\r\n0, "NVIDIA GeForce RTX 4090, rev ""B""", 100 MiB , 30.5 W,\r\n1, NVIDIA GeForce RTX 4090, [N/A], ERR!,  \r\n';
    const inventory = inventoryOf(parseCsv(text));
    expect(inventory.gpus.map((gpu) => [gpu.index, gpu.name, gpu.memoryUsedMiB, gpu.powerDrawW])).toEqual([
      [0, 'NVIDIA GeForce RTX 4090, rev "B"', 100, 30.5],
      [1, 'NVIDIA GeForce RTX 4090', null, null],
    ]);
  });

  it('prefers power.draw and falls back to power.draw.instant, then enforced.power.limit', () => {
    const text = 'power.draw [W], power.draw.instant [W], power.limit [W], enforced.power.limit [W]\n[N/A], 39.17 W, [N/A], 250.00 W\n';
    expect(inventoryOf(parseCsv(text)).gpus[0]).toMatchObject({ powerDrawW: 39.17, powerLimitW: 250 });
  });

  it('keeps what a row cut short holds', () => {
    const inventory = inventoryOf(parseCsv('index, name, memory.used [MiB], temperature.gpu\n0, Tesla T4, 15'));
    expect(inventory.gpus[0]).toMatchObject({ index: 0, name: 'Tesla T4', memoryUsedMiB: 15, temperatureC: null });
  });

  it('is an error for empty output and for rows wider than the header', () => {
    expect(parseCsv('')).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
    expect(parseCsv(' \r\n \n')).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
    expect(parseCsv('index, memory.used [MiB]\n0, 1 MiB, 2 MiB, 3 MiB\n')).toMatchObject({ ok: false, error: { code: 'UNRECOGNIZED' } });
  });
});

describe('parseCsv: --query-compute-apps', () => {
  it('reads processes into gpus: [] and processes: [...] (H100, 590)', () => {
    const inventory = inventoryOf(csv(`${EXPORTER}nvidia-h100-80gb-hbm3__590.48.01__load__query-compute-apps.csv`));
    expect(inventory.gpus).toEqual([]);
    expect(inventory.timestamp).toBe('2026/07/14 08:12:53.500');
    expect(inventory.processes).toEqual([
      { gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', gpuIndex: null, pid: 11327, type: null, name: '/root/tools/memhog', usedMemoryMiB: 2566 },
      { gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', gpuIndex: null, pid: 11328, type: null, name: '/root/tools/memhog', usedMemoryMiB: 1542 },
      { gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', gpuIndex: null, pid: 11345, type: null, name: './gpu_burn', usedMemoryMiB: 15690 },
    ]);
  });

  it('reads a header-only output as no processes', () => {
    expect(inventoryOf(csv(`${EXPORTER}nvidia-h100-80gb-hbm3__590.48.01__idle__query-compute-apps.csv`)).processes).toEqual([]);
  });

  it('reads Windows processes whose memory is [N/A]', () => {
    const processes = inventoryOf(csv(`${WINDOWS}610.62__load__query-compute-apps.csv`)).processes ?? [];
    expect(processes).toHaveLength(21);
    expect(processes[0]).toEqual({ gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000', gpuIndex: null, pid: 2140, type: null, name: 'C:\\Windows\\System32\\dwm.exe', usedMemoryMiB: null });
  });

  it('has no process list without a pid column (vGPU host: gpu_uuid, process_name)', () => {
    const inventory = inventoryOf(csv('issues-NVIDIA-dcgm-exporter-94__query-compute-apps-vgpu.csv'));
    expect(inventory).toMatchObject({ gpus: [], processes: null });
  });

  it('takes `name` for the process name and joins a name that held a comma', () => {
    const inventory = inventoryOf(parseCsv('1234, my, app, 100 MiB\n', { csvFields: ['pid', 'name', 'used_memory'] }));
    expect(inventory.processes).toEqual([{ gpuUuid: null, gpuIndex: null, pid: 1234, type: null, name: 'my, app', usedMemoryMiB: 100 }]);
  });
});

describe('toTelemetrySamples', () => {
  it('gives one valid sample per GPU that has a UUID', () => {
    const inventory = inventoryOf(csv(`${EXPORTER}nvidia-h200__590.48.01__load__query-gpu.csv`));
    const withoutUuid = { ...inventory, gpus: [...inventory.gpus, { ...(inventory.gpus[0] as (typeof inventory.gpus)[number]), index: 1, uuid: null }] };
    const samples = toTelemetrySamples(withoutUuid, 1_700_000_000_123.7);
    expect(samples).toEqual([
      {
        gpuUuid: 'GPU-00000000-0000-0000-0000-000000000000',
        at: 1_700_000_000_123,
        utilizationGpuPct: 100,
        utilizationMemoryPct: 7,
        memoryUsedMiB: 32362,
        memoryTotalMiB: 143771,
        temperatureC: 52,
        powerDrawW: 627.4,
        powerLimitW: 700,
        clocksSmMHz: 1980,
        fanSpeedPct: null,
        pstate: 'P0',
      },
    ]);
    for (const sample of samples) expect(() => TelemetrySampleSchema.parse(sample)).not.toThrow();
  });

  it('refuses a time that is not an epoch', () => {
    const inventory = inventoryOf(csv(`${EXPORTER}nvidia-h200__590.48.01__load__query-gpu.csv`));
    expect(() => toTelemetrySamples(inventory, Number.NaN)).toThrow(RangeError);
    expect(() => toTelemetrySamples(inventory, -1)).toThrow(RangeError);
  });
});

describe('parseCsv: hostile headers', () => {
  it('does not take Object.prototype members for fields', () => {
    const inventory = inventoryOf(parseCsv('constructor, __proto__, tostring, index\nx, y, z, 3\n'));
    expect(inventory.gpus).toEqual([expect.objectContaining({ index: 3, name: '' })]);
  });
});
