/**
 * `potluck-agent gpus` as a donor runs it: the built executable (`npm run build` first;
 * the test script builds before it tests), real files, real exit statuses.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GpuInventorySchema, SchedulableDeviceSchema } from '@potluck/protocol';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENT_MAIN = fileURLToPath(new URL('../../agents/gpu-agent/dist/main.js', import.meta.url));
/** `<repo root>/../shared/fixtures/nvidia-smi` (CI clones the repository with `shared/` beside it). */
const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/nvidia-smi/', import.meta.url));

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function agent(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Exit> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [AGENT_MAIN, ...args], { cwd: REPO_ROOT, env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`potluck-agent did not run: ${error.message}`, { cause: error }));
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  if (!existsSync(AGENT_MAIN)) throw new Error(`${AGENT_MAIN} is missing: run \`npm run build\` before the e2e tests`);
});

describe('potluck-agent gpus --from-file … --json', () => {
  it('prints the inventory of an XML output (MIG-enabled A100, driver 535)', async () => {
    const result = await agent(['gpus', '--from-file', `${FIXTURES}xml/telegraf__a100-sxm4-v12.xml`, '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const output = JSON.parse(result.stdout) as { schedulableDevices: unknown[] };
    const inventory = GpuInventorySchema.parse(output);
    expect(inventory).toMatchObject({ format: 'xml', driverVersion: '535.54.03', cudaVersion: '12.2' });
    expect(inventory.gpus).toHaveLength(1);
    expect(inventory.gpus[0]).toMatchObject({ index: 0, name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920, computeCapability: '8.0', migEnabled: true });
    expect(inventory.gpus[0]?.migDevices.length).toBeGreaterThan(0);
    const devices = output.schedulableDevices.map((device) => SchedulableDeviceSchema.parse(device));
    expect(devices.every((device) => device.kind === 'mig')).toBe(true);
    expect(devices).toHaveLength(inventory.gpus[0]?.migDevices.length ?? -1);
  });

  it('prints the inventory of a --query-gpu CSV (H200, driver 590)', async () => {
    const result = await agent(['gpus', '--from-file', `${FIXTURES}csv/nvidia_gpu_exporter__linux-x86_64__nvidia-h200__590.48.01__load__query-gpu.csv`, '--json']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const inventory = GpuInventorySchema.parse(JSON.parse(result.stdout));
    expect(inventory).toMatchObject({ format: 'csv', driverVersion: '590.48.01', cudaVersion: null, processes: null });
    expect(inventory.gpus).toEqual([
      expect.objectContaining({
        index: 0,
        uuid: 'GPU-00000000-0000-0000-0000-000000000000',
        name: 'NVIDIA H200',
        memoryTotalMiB: 143771,
        memoryUsedMiB: 32362,
        utilizationGpuPct: 100,
        temperatureC: 52,
        powerDrawW: 627.4,
        powerLimitW: 700,
        computeCapability: '9.0',
        migDevices: [],
      }),
    ]);
  });

  it('exits 2 and prints a typed error for an error output', async () => {
    const result = await agent(['gpus', '--from-file', `${FIXTURES}errors/issues-NVIDIA-open-gpu-kernel-modules-862__no-devices-were-found.txt`, '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'NO_DEVICES', message: expect.stringMatching(/No devices were found/) as unknown } });
  });
});

describe('potluck-agent as a command line', () => {
  it('prints a readable table without --json', async () => {
    const result = await agent(['gpus', '--from-file', `${FIXTURES}table/gpud__nvidia-smi.550.90.07.out.0.valid.txt`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nvidia-smi table output · driver 550.90.07 · CUDA 12.4');
    expect(result.stdout).toContain('Schedulable devices (8):');
  });

  it('exits 1 with a clear message when nvidia-smi is not installed', async () => {
    const result = await agent(['gpus', '--json'], { ...process.env, PATH: '' });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'NVIDIA_SMI_NOT_FOUND' } });
  });

  it('prints usage for --help and exits 64 with usage on stderr for an unknown command', async () => {
    const help = await agent(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: potluck-agent <command>/);
    const unknown = await agent(['frobnicate']);
    expect(unknown).toMatchObject({ code: 64, stdout: '' });
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'[\s\S]*Usage: potluck-agent/);
  });

  it('refuses a config file it cannot trust with status 78, without echoing the token or lending GPUs without their caps', async () => {
    const work = mkdtempSync(join(tmpdir(), 'potluck-config-'));
    const secret = `pat_${'S'.repeat(43)}`;
    const start = (config: string) => agent(['start', '--config', config, '--coordinator', 'http://127.0.0.1:9', '--simulate', `${FIXTURES}xml/telegraf__a100-sxm4-v12.xml`]);
    writeFileSync(join(work, 'broken.json'), `{"token": ${secret}}`); // unquoted: not JSON
    const broken = await start(join(work, 'broken.json'));
    expect(broken.code).toBe(78);
    expect(broken.stderr).toMatch(/broken\.json: not valid JSON/);
    expect(broken.stderr).not.toContain('pat_');
    writeFileSync(join(work, 'typo.json'), JSON.stringify({ token: secret, policy: { maxTemperature: 80 } }));
    const typo = await start(join(work, 'typo.json'));
    expect(typo.code).toBe(78);
    expect(typo.stderr).toMatch(/policy: .*maxTemperature/);
    expect(typo.stderr).not.toContain(secret);
  });
});
