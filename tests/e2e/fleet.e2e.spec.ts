import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENTS_NAMESPACE, AgentEvents, LocalStatusSchema, type FleetAgent, type LocalStatus } from '@potluck/protocol';
import { PotluckClient } from '@potluck/sdk';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, startAgent } from '../support/agent.js';
import { startCoordinator, type CoordinatorProcess } from '../support/coordinator.js';
import { uniqueId } from '../support/database.js';
import { FIXTURES } from '../support/paths.js';
import type { Running } from '../support/process.js';

const SMI = join(FIXTURES, 'nvidia-smi');
const MACHINES = {
  h100x8: join(SMI, 'qtext/thamada-nvidia-smi__H100SXMx8_smi.q.txt'),
  rtx3090: join(SMI, 'xml/telegraf__rtx-3090-v12.xml'),
  h100mig: join(SMI, 'qtext/nvidia_gpu_exporter__linux-x86_64__nvidia-h100-mig__590.48.01__idle__q.txt'),
};

const work = mkdtempSync(join(tmpdir(), 'potluck-fleet-'));
let coordinator: CoordinatorProcess;
let donor: PotluckClient;
const agents: Record<keyof typeof MACHINES, { id: string; token: string; socket: string; processes: string; process: Running | null }> = {} as never;

async function localStatus(name: keyof typeof MACHINES): Promise<LocalStatus> {
  return LocalStatusSchema.parse(JSON.parse((await agentCommand(['status', '--json', '--control-socket', agents[name].socket])).output));
}

async function fleetAgent(id: string): Promise<FleetAgent | undefined> {
  return (await donor.fleet.list({ limit: 1000 })).agents.find((agent) => agent.id === id);
}

function launch(name: keyof typeof MACHINES, instance = 'first'): Running {
  const agent = agents[name];
  const config = join(work, `${name}-${instance}.json`);
  writeFileSync(config, JSON.stringify({ policy: { yieldToOtherProcesses: true, yieldCooldownSeconds: 1 }, bufferSamples: 5000 }));
  return startAgent(['start', '--config', config, '--coordinator', coordinator.url, '--simulate', MACHINES[name], '--simulate-processes', agent.processes, '--control-socket', agent.socket], { POTLUCK_AGENT_TOKEN: agent.token });
}

beforeAll(async () => {
  coordinator = await startCoordinator({
    POTLUCK_TELEMETRY_INTERVAL_MS: '500',
    POTLUCK_AGENT_UNHEALTHY_AFTER_MS: '3000',
    POTLUCK_AGENT_OFFLINE_AFTER_MS: '8000',
  });
  const admin = new PotluckClient({ baseUrl: coordinator.url, apiKey: coordinator.adminKey });
  const created = await admin.users.create({ handle: uniqueId('donor-'), displayName: 'Fleet donor', roles: ['DONOR'] });
  donor = admin.withApiKey(created.secret);
  for (const name of Object.keys(MACHINES) as (keyof typeof MACHINES)[]) {
    const registered = await donor.agents.create({ name });
    agents[name] = { id: registered.agent.id, token: registered.token, socket: join(work, `${name}.sock`), processes: join(work, `${name}-apps.csv`), process: null };
    writeFileSync(agents[name].processes, '');
    agents[name].process = launch(name);
  }
});

afterAll(async () => {
  for (const agent of Object.values(agents)) await agent.process?.stop('SIGKILL');
  await coordinator?.dispose();
});

describe('a live fleet of real agents', () => {
  it('shows every inventory within seconds', async () => {
    await expect
      .poll(async () => Promise.all(Object.values(agents).map(async (agent) => (await fleetAgent(agent.id))?.status)), { timeout: 20_000, interval: 250 })
      .toEqual(['online', 'online', 'online']);
    const h100 = await fleetAgent(agents.h100x8.id);
    expect(h100?.gpus).toHaveLength(8);
    expect(h100?.gpus[0]?.name).toMatch(/H100/);
    expect(h100?.simulated).toBe(true);
    expect((await fleetAgent(agents.rtx3090.id))?.gpus[0]?.computeCapability).toBe('8.6');
    const mig = await fleetAgent(agents.h100mig.id);
    expect(mig?.gpus[0]?.migDevices).toBeGreaterThan(0);
    await expect.poll(async () => (await fleetAgent(agents.rtx3090.id))?.gpus[0]?.latest?.temperatureC, { timeout: 10_000, message: agents.rtx3090.process?.output() }).toEqual(expect.any(Number));
  });

  it('shows a paused GPU with its reason (potluck-agent pause --gpu 1)', async () => {
    const paused = await agentCommand(['pause', '--gpu', '1', '--for', '2h', '--control-socket', agents.h100x8.socket]);
    expect(paused.code).toBe(0);
    expect(paused.output).toMatch(/1\s+.*paused/);
    await expect.poll(async () => (await fleetAgent(agents.h100x8.id))?.gpus[1]?.availability, { timeout: 10_000 }).toBe('paused');
    const gpu = (await fleetAgent(agents.h100x8.id))?.gpus[1];
    expect(gpu?.reason).toMatch(/paused by donor/);
    expect(gpu?.until).toEqual(expect.any(Number));
    expect((await fleetAgent(agents.h100x8.id))?.gpus[0]?.availability).toBe('available');
    expect(await localStatus('h100x8')).toMatchObject({ connection: 'connected', agentId: agents.h100x8.id });
    expect((await agentCommand(['resume', '--gpu', '1', '--control-socket', agents.h100x8.socket])).code).toBe(0);
    await expect.poll(async () => (await fleetAgent(agents.h100x8.id))?.gpus[1]?.availability, { timeout: 10_000 }).toBe('available');
  });

  it('refuses a second agent started on the same machine before it says hello, so the running one keeps its place', async () => {
    const running = agents.h100mig;
    const before = running.process?.output().length ?? 0;
    const second = launch('h100mig', 'second');
    expect(await second.exitWithin(15_000)).toBe(1);
    expect(second.output()).toMatch(/another potluck-agent is already running/);
    expect(second.output()).not.toMatch(/connected as agent/);
    expect(running.process?.output().slice(before)).not.toMatch(/disconnected/);
    expect(await localStatus('h100mig')).toMatchObject({ connection: 'connected', agentId: running.id });
  });

  it('yields a GPU while another process uses it, and lends it again afterwards', async () => {
    const gpu = (await fleetAgent(agents.rtx3090.id))?.gpus[0];
    writeFileSync(agents.rtx3090.processes, `gpu_uuid, pid, process_name, used_gpu_memory [MiB]\n${gpu?.deviceId}, 4242, steam-game, 6000 MiB\n`);
    await expect.poll(async () => (await fleetAgent(agents.rtx3090.id))?.gpus[0]?.availability, { timeout: 10_000 }).toBe('yielding');
    expect((await fleetAgent(agents.rtx3090.id))?.gpus[0]?.reason).toBe('another program is using this GPU'); // public: no program names
    expect((await localStatus('rtx3090')).gpus[0]?.reason).toMatch(/steam-game/); // the donor sees which one
    writeFileSync(agents.rtx3090.processes, '');
    await expect.poll(async () => (await fleetAgent(agents.rtx3090.id))?.gpus[0]?.availability, { timeout: 15_000 }).toBe('available');
  });

  it('answers a malformed telemetry message with a typed error and stores nothing', async () => {
    const rogue = await donor.agents.create({ name: 'rogue' });
    const socket = io(`${coordinator.url}${AGENTS_NAMESPACE}`, { auth: { token: rogue.token }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 'x' })).toMatchObject({ ok: false, error: { code: 'HELLO_REQUIRED' } });
      const before = await fleetAgent(rogue.agent.id);
      expect(before?.gpus).toEqual([]);
      expect(socket.connected).toBe(true);
    } finally {
      socket.disconnect();
    }
  });

  it('refuses a wrong token with a clear message, once, without retrying', async () => {
    const started = Date.now();
    const impostor = startAgent(['start', '--coordinator', coordinator.url, '--simulate', MACHINES.rtx3090, '--control-socket', join(work, 'impostor.sock')], {
      POTLUCK_AGENT_TOKEN: `pat_${'x'.repeat(43)}`,
    });
    try {
      expect(await impostor.exitWithin(15_000)).toBe(77);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(impostor.output()).toMatch(/UNAUTHENTICATED: This agent token is unknown or revoked/);
      expect(impostor.output().match(/coordinator: /g)?.length ?? 0).toBeLessThanOrEqual(3);
    } finally {
      await impostor.stop('SIGKILL');
    }
  });

  it('turns a killed agent offline', async () => {
    const started = Date.now();
    await agents.h100mig.process?.stop('SIGKILL');
    await expect.poll(async () => (await fleetAgent(agents.h100mig.id))?.status, { timeout: 10_000, interval: 200 }).toBe('offline');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await fleetAgent(agents.h100mig.id))?.reason).toBe('connection lost');
  });

  it('survives a coordinator restart: agents come back and buffered samples arrive', async () => {
    const before = await fleetAgent(agents.rtx3090.id);
    const deviceId = before?.gpus[0]?.deviceId ?? '';
    let downSince = 0;
    let upAt = 0;
    coordinator = await coordinator.restart(async () => {
      // Both agents notice the outage and keep sampling into their buffers meanwhile.
      for (const name of ['h100x8', 'rtx3090'] as const) {
        await expect
          .poll(async () => (await localStatus(name)).connection, { timeout: 10_000, interval: 200 })
          .toBe('disconnected');
      }
      downSince = Date.now();
      // Stay down until the agent has buffered a few samples it could not send.
      await expect
        .poll(async () => (await localStatus('rtx3090')).buffer.samples, { timeout: 10_000, interval: 200 })
        .toBeGreaterThanOrEqual(3);
      upAt = Date.now();
    });
    await expect
      .poll(async () => {
        const [h100, rtx] = [await fleetAgent(agents.h100x8.id), await fleetAgent(agents.rtx3090.id)];
        return [h100?.status, rtx?.status, rtx?.connectedAt !== before?.connectedAt];
      }, { timeout: 40_000, interval: 500 })
      .toEqual(['online', 'online', true]);
    // Nothing buffered during the outage is lost: the samples around it have no gap wider
    // than a couple of telemetry intervals (500 ms here).
    const window = async () => (await donor.fleet.telemetry(agents.rtx3090.id, { gpu: deviceId })).raw.filter((s) => s.at >= downSince - 3000 && s.at <= upAt + 2000).map((s) => s.at);
    await expect.poll(async () => Math.max(...(await window())), { timeout: 20_000 }).toBeGreaterThan(upAt + 1000);
    const times = await window();
    const widestGap = Math.max(...times.slice(1).map((at, i) => at - (times[i] ?? at)));
    // Covered from before the outage to after it, with no hole in between.
    expect(Math.min(...times)).toBeLessThanOrEqual(downSince - 2000);
    expect(widestGap).toBeLessThan(1500);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const process = agents.h100x8.process;
    process?.child.kill('SIGTERM');
    expect(await process?.exitWithin(15_000)).toBe(0);
    expect(process?.output()).toMatch(/draining/);
    await expect.poll(async () => (await fleetAgent(agents.h100x8.id))?.status, { timeout: 10_000 }).toBe('offline');
    expect((await fleetAgent(agents.h100x8.id))?.reason).toBe('agent disconnected');
  });
});
