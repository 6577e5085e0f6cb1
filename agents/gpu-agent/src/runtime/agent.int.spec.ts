import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENTS_NAMESPACE, AgentEvents, type Hello } from '@potluck/protocol';
import { Server, type Socket } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveAgentConfig } from '../config/agent-config.js';
import { GpuSourceError } from './gpu-source.js';
import { Agent } from './agent.js';
import { SimulatedSource } from './simulated-source.js';

/** A recorded RTX 3060 whose `-q -x` output lists the processes on it (shared/fixtures). */
const RTX_3060 = fileURLToPath(new URL('../../../../../shared/fixtures/nvidia-smi/xml/netdata-go.d.plugin__rtx-3060.xml', import.meta.url));
const TOKEN = `pat_${'a'.repeat(43)}`;
const quiet = { info: () => undefined, warn: () => undefined };

let work: string;
let http: HttpServer | null = null;
let io: Server | null = null;
let agent: Agent | null = null;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'potluck-agent-'));
});

afterEach(async () => {
  await agent?.shutdown('test over', 0);
  agent = null;
  await io?.close();
  io = null;
  http = null;
  rmSync(work, { recursive: true, force: true });
});

/** A coordinator stand-in that records every hello and never answers (the agent's link keeps retrying). */
async function recordingCoordinator(hellos: Hello[]): Promise<string> {
  http = createServer();
  io = new Server(http, { transports: ['websocket'] });
  io.of(AGENTS_NAMESPACE).on('connection', (socket: Socket) => socket.on(AgentEvents.hello, (hello: Hello) => hellos.push(hello)));
  await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

function configFor(coordinator: string, simulate: string, simulateProcesses?: string) {
  return resolveAgentConfig({ policy: { yieldToOtherProcesses: true } }, {}, { coordinator, token: TOKEN, simulate, simulateProcesses, controlSocket: join(work, 'agent.sock') });
}

describe('Agent', () => {
  it("keeps which programs run on the donor's GPUs out of hello", async () => {
    const hellos: Hello[] = [];
    const url = await recordingCoordinator(hellos);
    const source = new SimulatedSource(RTX_3060, join(work, 'apps.csv'));
    const deviceId = (await source.inventory()).gpus[0]?.uuid;
    expect((await source.inventory()).processes?.length).toBeGreaterThan(0); // the recording names its processes
    writeFileSync(join(work, 'apps.csv'), `gpu_uuid, pid, process_name, used_gpu_memory [MiB]\n${deviceId}, 4242, steam-game, 6000 MiB\n`);
    agent = new Agent(configFor(url, RTX_3060, join(work, 'apps.csv')), source, quiet);
    await agent.start(() => undefined);
    await expect.poll(() => hellos.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const hello = hellos[0] as Hello;
    expect(hello.gpus[0]?.availability).toBe('yielding');
    expect(hello.gpus[0]?.reason).toBe('another program is using this GPU');
    expect(hello.inventory.processes).toBeNull();
    expect(JSON.stringify(hello)).not.toMatch(/steam-game|4242/);
    expect(agent.status().gpus[0]?.reason).toMatch(/steam-game/); // the donor still sees which program
  });

  it('does not yield a GPU to its own work (a process it started shows in --query-compute-apps too)', async () => {
    const hellos: Hello[] = [];
    const url = await recordingCoordinator(hellos);
    const source = new SimulatedSource(RTX_3060, join(work, 'apps.csv'));
    const deviceId = (await source.inventory()).gpus[0]?.uuid;
    const ownWork = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(work, 'apps.csv'), `gpu_uuid, pid, process_name, used_gpu_memory [MiB]\n${deviceId}, ${ownWork.pid}, python3, 6000 MiB\n`);
      agent = new Agent(configFor(url, RTX_3060, join(work, 'apps.csv')), source, quiet);
      await agent.start(() => undefined);
      await expect.poll(() => hellos.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(hellos[0]?.gpus[0]?.availability).toBe('available');
    } finally {
      ownWork.kill('SIGKILL');
    }
  });

  it('shuts down cleanly when the GPUs could not be read at start', async () => {
    agent = new Agent(configFor('http://127.0.0.1:9', join(work, 'missing.xml')), new SimulatedSource(join(work, 'missing.xml'), undefined), quiet);
    await expect(agent.start(() => undefined)).rejects.toBeInstanceOf(GpuSourceError);
    await expect(agent.shutdown('could not start', 0)).resolves.toBeUndefined();
  });
});
