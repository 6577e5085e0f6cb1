import { GpuInventorySchema, NvidiaSmiErrorSchema, SchedulableDeviceSchema } from '@potluck/protocol';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../cli-types.js';
import { fakeCli, fixturePath } from '../testing/fakes.js';
import { gpusCommand } from './gpus.js';

const XML = 'xml/telegraf__dual_2080-v13.xml';
const MIG_TABLE = 'table/nvidia_gpu_exporter__linux-x86_64__nvidia-h100-mig__590.48.01__load__table.txt';
const ERROR = 'errors/issues-GoogleCloudPlatform-compute-gpu-installation-pr18__couldnt-communicate.txt';

function parseJson(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

describe('potluck-agent gpus --json', () => {
  it('prints the normalised inventory of a saved XML output', async () => {
    const cli = fakeCli();
    expect(await gpusCommand.run(['--from-file', fixturePath(XML), '--json'], cli)).toBe(EXIT.ok);
    const output = parseJson(cli.out);
    const inventory = GpuInventorySchema.parse(output);
    expect(inventory).toMatchObject({ format: 'xml', driverVersion: '590.44.01', cudaVersion: '13.1', processes: [] });
    expect(inventory.gpus.map((gpu) => [gpu.index, gpu.name, gpu.memoryTotalMiB, gpu.computeCapability, gpu.migDevices])).toEqual([
      [0, 'NVIDIA GeForce RTX 2080', 8192, '7.5', []],
      [1, 'NVIDIA GeForce RTX 2080', 8192, '7.5', []],
    ]);
    const gpu = (output.gpus as Record<string, unknown>[])[0] as Record<string, unknown>;
    for (const key of ['index', 'uuid', 'name', 'memoryTotalMiB', 'memoryUsedMiB', 'utilizationGpuPct', 'temperatureC', 'powerDrawW', 'powerLimitW', 'computeCapability', 'migDevices']) {
      expect(gpu).toHaveProperty(key);
    }
    expect(cli.runs).toEqual([]);
    expect(cli.err).toBe('');
  });

  it('fills the compute capability from the known models and lists MIG devices as schedulable (table)', async () => {
    const cli = fakeCli();
    expect(await gpusCommand.run(['--json', '--from-file', fixturePath(MIG_TABLE)], cli)).toBe(EXIT.ok);
    const output = parseJson(cli.out);
    const inventory = GpuInventorySchema.parse(output);
    expect(inventory.gpus[0]).toMatchObject({ name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0', migEnabled: true });
    expect(inventory.processes?.map((process) => [process.gpuUuid, process.pid, process.name, process.usedMemoryMiB])).toEqual([
      [null, 21180, '/root/tools/memhog', 2296],
      [null, 21181, '/root/tools/memhog', 1272],
      [null, 21198, './gpu_burn', 7484],
    ]);
    const devices = (output.schedulableDevices as unknown[]).map((device) => SchedulableDeviceSchema.parse(device));
    expect(devices.map((device) => [device.id, device.kind, device.memoryTotalMiB])).toEqual([
      ['gpu0/gi2/ci0', 'mig', 40448],
      ['gpu0/gi3/ci0', 'mig', 20096],
      ['gpu0/gi9/ci0', 'mig', 9984],
      ['gpu0/gi10/ci0', 'mig', 9984],
    ]);
  });

  it('exits 2 with a typed error for an nvidia-smi error output', async () => {
    const cli = fakeCli();
    expect(await gpusCommand.run(['--from-file', fixturePath(ERROR), '--json'], cli)).toBe(EXIT.nvidiaSmiError);
    const { error } = parseJson(cli.out);
    expect(NvidiaSmiErrorSchema.parse(error)).toMatchObject({ code: 'DRIVER_NOT_LOADED' });
    expect(Object.keys(parseJson(cli.out))).toEqual(['error']);
  });

  it('passes --csv-fields for a CSV saved with noheader', async () => {
    const file = fixturePath('csv/issues-tutulino-Megaminer-376__query-gpu-noheader-8gpu.csv');
    const without = fakeCli();
    expect(await gpusCommand.run(['--from-file', file, '--json'], without)).toBe(EXIT.nvidiaSmiError);
    expect(parseJson(without.out)).toMatchObject({ error: { code: 'UNRECOGNIZED' } });

    const cli = fakeCli();
    const fields = 'name,utilization.gpu,utilization.memory,temperature.gpu,power.draw,power.limit,fan.speed,pstate,clocks.sm,clocks.mem,power.max_limit,power.default_limit';
    expect(await gpusCommand.run(['--from-file', file, '--json', '--csv-fields', fields], cli)).toBe(EXIT.ok);
    const inventory = GpuInventorySchema.parse(parseJson(cli.out));
    expect(inventory.gpus).toHaveLength(8);
    expect(inventory.gpus[7]).toMatchObject({ name: 'GeForce GTX 1080', powerDrawW: 181.22, computeCapability: '6.1' });
  });

  it('exits 1 with a JSON error when the file cannot be read', async () => {
    const cli = fakeCli();
    expect(await gpusCommand.run(['--from-file', '/nowhere/smi.xml', '--json'], cli)).toBe(EXIT.failure);
    expect(parseJson(cli.out)).toEqual({ error: { code: 'FILE_UNREADABLE', message: '/nowhere/smi.xml does not exist' } });
  });
});

describe('potluck-agent gpus (running nvidia-smi)', () => {
  it('runs nvidia-smi -q -x through the executor', async () => {
    const cli = fakeCli({ ok: true, stdout: readFileSync(fixturePath(XML), 'utf8'), stderr: '', exitCode: 0 });
    expect(await gpusCommand.run(['--json'], cli)).toBe(EXIT.ok);
    expect(cli.runs).toEqual([['-q', '-x']]);
    expect(GpuInventorySchema.parse(parseJson(cli.out)).gpus).toHaveLength(2);
  });

  it('reads an error nvidia-smi printed before failing', async () => {
    const cli = fakeCli({ ok: true, stdout: readFileSync(fixturePath(ERROR), 'utf8'), stderr: '', exitCode: 9 });
    expect(await gpusCommand.run([], cli)).toBe(EXIT.nvidiaSmiError);
    expect(cli.out).toBe('');
    expect(cli.err).toMatch(/^potluck-agent gpus: nvidia-smi reported DRIVER_NOT_LOADED: NVIDIA-SMI has failed/);
  });

  it('reads an error nvidia-smi printed on stderr', async () => {
    const cli = fakeCli({ ok: true, stdout: '', stderr: 'Failed to initialize NVML: Driver/library version mismatch\n', exitCode: 18 });
    expect(await gpusCommand.run(['--json'], cli)).toBe(EXIT.nvidiaSmiError);
    expect(parseJson(cli.out)).toMatchObject({ error: { code: 'DRIVER_LIBRARY_MISMATCH' } });
  });

  it('exits 1 with a clear message when nvidia-smi is missing or hangs', async () => {
    const missing = fakeCli();
    expect(await gpusCommand.run([], missing)).toBe(EXIT.failure);
    expect(missing.err).toBe('potluck-agent gpus: nvidia-smi was not found on PATH\n');

    const hung = fakeCli({ ok: false, reason: 'timeout', message: 'nvidia-smi did not finish within 15000 ms' });
    expect(await gpusCommand.run(['--json'], hung)).toBe(EXIT.failure);
    expect(parseJson(hung.out)).toEqual({ error: { code: 'NVIDIA_SMI_TIMEOUT', message: 'nvidia-smi did not finish within 15000 ms' } });
  });
});

describe('potluck-agent gpus (readable output)', () => {
  it('prints an aligned GPU table and the schedulable devices', async () => {
    const cli = fakeCli();
    expect(await gpusCommand.run(['--from-file', fixturePath('table/thamada-nvidia-smi__RTX4090_smi.table.txt')], cli)).toBe(EXIT.ok);
    const lines = cli.out.split('\n');
    expect(lines[0]).toBe('nvidia-smi table output · driver 550.127.05 · CUDA 12.4');
    expect(lines[2]).toBe('GPU  NAME                     VRAM USED/TOTAL  UTIL  TEMP  POWER DRAW/LIMIT  CC   MIG');
    expect(lines[3]).toBe('  0  NVIDIA GeForce RTX 4090    2 / 24564 MiB    0%  28 C        20 / 450 W  8.9  -');
    expect(lines).toContain('Schedulable devices (8):');
    expect(lines).toContain('ID    KIND  GPU  NAME                     PROFILE       VRAM  CC   ARCH');
    expect(lines).toContain('gpu7  gpu     7  NVIDIA GeForce RTX 4090  -        24564 MiB  8.9  ada');
    expect(lines).toContain('Processes: none running');
  });

  it('says when an output has no GPUs or no process information', async () => {
    const cli = fakeCli();
    const file = fixturePath('csv/nvidia_gpu_exporter__linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01__load__query-compute-apps.csv');
    expect(await gpusCommand.run(['--from-file', file], cli)).toBe(EXIT.ok);
    expect(cli.out).toContain('No GPUs in this output.');
    expect(cli.out).toContain('Schedulable devices (0):');
    expect(cli.out).toContain('Processes: 3 on 1 GPU');
  });
});

describe('potluck-agent gpus: usage', () => {
  it('prints its help on stdout for --help', async () => {
    const cli = fakeCli();
    expect(await gpusCommand.run(['--help'], cli)).toBe(EXIT.ok);
    expect(cli.out).toBe(gpusCommand.usage);
    expect(cli.err).toBe('');
  });

  it.each([[['--bogus']], [['extra']], [['--from-file']], [['--from-file', '']], [['--csv-fields', ' , ']], [['--json=yes']]])('exits 64 for %j', async (args) => {
    const cli = fakeCli();
    expect(await gpusCommand.run(args, cli)).toBe(EXIT.usage);
    expect(cli.out).toBe('');
    expect(cli.err).toMatch(/^potluck-agent gpus: .+\n\nUsage: potluck-agent gpus/);
    expect(cli.runs).toEqual([]);
  });
});
