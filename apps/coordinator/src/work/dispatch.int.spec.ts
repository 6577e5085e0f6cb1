import { createHash } from 'node:crypto';
import { AGENTS_NAMESPACE, AgentEvents, PROTOCOL_VERSION, WorkEvents, type AgentAck, type GpuInventory, type JobAssignment } from '@potluck/protocol';
import type { PotluckClient } from '@potluck/sdk';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecondApp, startTestApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';

let t: TestApp;
let builder: PotluckClient;
let model: string;
let datasetRef: { datasetId: string; version: number };
const DATASET = `${JSON.stringify({ prompt: 'two plus two', completion: 'four' })}\n`;

const inventory = (uuid: string, memoryTotalMiB: number): GpuInventory => ({
  format: 'csv', timestamp: null, driverVersion: '550.54.14', cudaVersion: '12.4', processes: null,
  gpus: [{ index: 0, uuid, name: 'NVIDIA GeForce RTX 4090', busId: null, serial: null, vbiosVersion: null, virtualizationMode: null, persistenceMode: null, memoryTotalMiB, memoryUsedMiB: 0, memoryFreeMiB: null, utilizationGpuPct: 0, utilizationMemoryPct: null, temperatureC: 30, fanSpeedPct: null, pstate: null, powerDrawW: 20, powerLimitW: 450, clocksGraphicsMHz: null, clocksSmMHz: null, clocksMemoryMHz: null, clocksMaxGraphicsMHz: null, clocksMaxMemoryMHz: null, computeCapability: null, migEnabled: false, migDevices: [] }],
});

/** A hand-driven agent: says hello and collects the assignments it is offered (accepting them). */
async function fakeAgent(memoryTotalMiB: number, baseUrl = t.baseUrl): Promise<{ socket: Socket; agentId: string; assignments: JobAssignment[] }> {
  const { agent, token } = await builder.agents.create({ name: uniqueId('rig-') });
  const socket = io(`${baseUrl}${AGENTS_NAMESPACE}`, { auth: { token }, transports: ['websocket'], reconnection: false });
  const assignments: JobAssignment[] = [];
  socket.on(WorkEvents.assign, (assignment: JobAssignment, ack: (response: AgentAck<{ accepted: boolean }>) => void) => {
    assignments.push(assignment);
    ack({ ok: true, result: { accepted: true } });
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
  const uuid = `GPU-${uniqueId('')}`;
  await socket.emitWithAck(AgentEvents.hello, {
    agentVersion: 't', runId: uniqueId('run-'), protocolVersions: [PROTOCOL_VERSION], host: { hostname: 'h', os: 'linux', arch: 'x64' }, simulated: true,
    inventory: inventory(uuid, memoryTotalMiB), runtimes: ['builtin'],
    policy: { schedule: [], maxTemperatureC: null, maxPowerW: null, yieldToOtherProcesses: true, yieldCooldownSeconds: 60, runtimes: ['builtin'] },
    mode: 'active', gpus: [{ index: 0, deviceId: uuid, availability: 'available', reason: '', until: null }],
  });
  return { socket, agentId: agent.id, assignments };
}

beforeAll(async () => {
  t = await startTestApp();
  const signup = await t.anonymous.signup({ handle: uniqueId('b-'), displayName: 'Builder', roles: ['BUILDER', 'DONOR'] });
  builder = t.anonymous.withApiKey(signup.secret);
  model = (await t.anonymous.models.list())[0]?.id ?? '';
  const dataset = await builder.datasets.create({ name: uniqueId('d-'), licence: 'MIT' });
  await builder.datasets.upload(dataset.id, DATASET);
  datasetRef = { datasetId: dataset.id, version: 1 };
});

afterAll(async () => {
  expect(await t.serverErrors()).toBe(0);
  await t.close();
});

describe('dispatch through the remote path', () => {
  it('assigns a fitting job, serves its inputs once, takes the adapter, and records one completion', async () => {
    const agent = await fakeAgent(24_564);
    try {
      const job = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: model, datasets: [datasetRef] } });
      await expect.poll(() => agent.assignments.length, { timeout: 10_000 }).toBe(1);
      const assignment = agent.assignments[0] as JobAssignment;
      expect(assignment).toMatchObject({ jobId: job.id, attemptNo: 1, spec: { kind: 'fine-tune', baseModel: model } });
      expect((await builder.jobs.get(job.id)).status).toBe('running');
      // The fleet shows the GPU's work: its kind to everyone, the job id to its owner only.
      const gpuWork = async (client: PotluckClient) => (await client.fleet.get(agent.agentId)).gpus[0]?.work;
      expect(await gpuWork(builder)).toEqual({ kind: 'fine-tune', jobId: job.id });
      expect(await gpuWork(t.anonymous)).toEqual({ kind: 'fine-tune', jobId: null });

      const input = assignment.inputs[0];
      const download = await fetch(`${t.baseUrl}${input?.path ?? ''}`);
      expect(await download.text()).toBe(DATASET);
      expect((await fetch(`${t.baseUrl}${input?.path ?? ''}`)).status).toBe(404); // one-time

      expect(await agent.socket.emitWithAck(WorkEvents.progress, { attemptId: assignment.attemptId, step: 5, totalSteps: 10, tokens: 100, loss: 2.5, learningRate: 0.01, flops: 1e6, etaMs: 1000 })).toEqual({ ok: true, result: { recorded: true } });

      const adapter = Buffer.from('adapter bytes');
      const uploaded = (await (await fetch(`${t.baseUrl}${assignment.uploadPath}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: adapter })).json()) as { sha256: string; bytes: number };
      expect(uploaded.sha256).toBe(createHash('sha256').update(adapter).digest('hex'));
      const result = { adapterSha256: uploaded.sha256, adapterBytes: uploaded.bytes, steps: 10, tokens: 200, flops: 2e6, formulaFlops: 2.4e6, trainLossFirst: 5.5, trainLossLast: 1.2, heldOutLoss: 1.3, baseHeldOutLoss: 6, uniformLoss: 5.56, durationMs: 900 };
      expect(await agent.socket.emitWithAck(WorkEvents.completed, { attemptId: assignment.attemptId, result })).toEqual({ ok: true, result: { recorded: true, duplicate: false } });
      expect(await agent.socket.emitWithAck(WorkEvents.completed, { attemptId: assignment.attemptId, result })).toEqual({ ok: true, result: { recorded: false, duplicate: true } });
      const done = await builder.jobs.get(job.id);
      expect(done.status).toBe('succeeded');
      expect(done.result).toMatchObject({ adapterSha256: uploaded.sha256, heldOutLoss: 1.3 });
    } finally {
      agent.socket.disconnect();
    }
  });

  it('serves builders fairly within one round: one builder\'s batch does not starve another\'s single job', async () => {
    const signup = await t.anonymous.signup({ handle: uniqueId('b2-'), displayName: 'Second builder', roles: ['BUILDER'] });
    const second = t.anonymous.withApiKey(signup.secret);
    const own = await second.datasets.create({ name: uniqueId('d-'), licence: 'MIT' });
    await second.datasets.upload(own.id, DATASET);
    const spec = { kind: 'eval' as const, baseModel: model, dataset: datasetRef };
    const many = await builder.jobs.createBatch(Array.from({ length: 5 }, () => ({ spec })));
    const one = await second.jobs.create({ spec: { ...spec, dataset: { datasetId: own.id, version: 1 } } });
    const agents = await Promise.all([fakeAgent(24_564), fakeAgent(24_564)]);
    try {
      await expect.poll(() => agents.reduce((n, agent) => n + agent.assignments.length, 0), { timeout: 10_000 }).toBe(2);
      const assigned = agents.flatMap((agent) => agent.assignments.map((a) => a.jobId)).sort();
      // The first builder's oldest job and the second builder's only one (it has nothing running), not two of the first's.
      expect(assigned).toEqual([many.jobs[0]?.id, one.id].sort());
      const attempts = await Promise.all(assigned.map((jobId) => builder.jobs.get(jobId).catch(() => second.jobs.get(jobId))));
      expect(attempts.map((job) => job.status)).toEqual(['running', 'running']);
    } finally {
      for (const agent of agents) agent.socket.disconnect();
    }
  });

  it('wakes agents connected to another coordinator process when a job is created (not only at their sweep)', async () => {
    // Jobs earlier tests left waiting would go to the new agent at its hello: cancel them first.
    for (const waiting of (await builder.jobs.list({ status: 'queued', limit: 100 })).items) await builder.jobs.cancel(waiting.id);
    const second = await startSecondApp(t);
    const agent = await fakeAgent(81_920, second.baseUrl); // a GPU only this agent has: no agent of the first process takes the job
    try {
      await expect.poll(async () => (await builder.fleet.get(agent.agentId)).status, { timeout: 5000 }).toBe('online');
      // A builder with nothing running and the top priority: first in line even if earlier tests left jobs waiting.
      const fresh = t.anonymous.withApiKey((await t.anonymous.signup({ handle: uniqueId('b-'), displayName: 'Fresh', roles: ['BUILDER'] })).secret);
      const dataset = await fresh.datasets.create({ name: uniqueId('d-'), licence: 'MIT' });
      await fresh.datasets.upload(dataset.id, DATASET);
      const created = Date.now();
      const job = await fresh.jobs.create({ spec: { kind: 'eval', baseModel: model, dataset: { datasetId: dataset.id, version: 1 } }, requirements: { minVramMiB: 70_000 }, priority: 100 });
      await expect.poll(() => agent.assignments.length, { timeout: 10_000 }).toBe(1);
      expect(agent.assignments[0]?.jobId).toBe(job.id);
      expect(Date.now() - created).toBeLessThan(2000); // the other process's sweep comes every 5 s
    } finally {
      agent.socket.disconnect();
      await second.close();
    }
  });

  it('keeps a job that fits nobody waiting, with the reason', async () => {
    const agent = await fakeAgent(24_564);
    try {
      const job = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: model, datasets: [datasetRef] }, requirements: { minVramMiB: 80_000 } });
      const why = await builder.jobs.whyNoJob(agent.agentId);
      expect(why.jobs.find((j) => j.jobId === job.id)?.rule).toBe('vram');
      expect(agent.assignments.filter((a) => a.jobId === job.id)).toEqual([]);
      expect((await builder.jobs.get(job.id)).status).toBe('queued');
    } finally {
      agent.socket.disconnect();
    }
  });

  it('does not let attempts their donors handed back use up a job\'s attempts, while real failures do', async () => {
    const agent = await fakeAgent(24_564);
    try {
      const job = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: model, datasets: [datasetRef] } });
      const fail = async (attemptNo: number, code: string) => {
        await expect.poll(() => agent.assignments.length, { timeout: 10_000 }).toBe(attemptNo);
        const assignment = agent.assignments[attemptNo - 1] as JobAssignment;
        expect(assignment).toMatchObject({ jobId: job.id, attemptNo });
        expect(await agent.socket.emitWithAck(WorkEvents.failed, { attemptId: assignment.attemptId, code, message: 'test', retryable: true })).toEqual({ ok: true, result: { recorded: true } });
      };
      for (let attemptNo = 1; attemptNo <= 6; attemptNo += 1) await fail(attemptNo, attemptNo % 2 === 0 ? 'GPU_RECLAIMED' : 'AGENT_SHUTDOWN');
      for (let attemptNo = 7; attemptNo <= 10; attemptNo += 1) await fail(attemptNo, 'RUNTIME_ERROR');
      await fail(11, 'RUNTIME_ERROR'); // offered an 11th time: 4 real failures before it, the 6 hand-backs not counted
      expect((await builder.jobs.get(job.id)).status).toBe('failed');
    } finally {
      agent.socket.disconnect();
    }
  });

  it('refuses reports about attempts that are not the agent\'s', async () => {
    const agent = await fakeAgent(24_564);
    try {
      const ack = await agent.socket.emitWithAck(WorkEvents.completed, { attemptId: '00000000-0000-4000-8000-000000000000', result: { adapterSha256: 'a'.repeat(64), adapterBytes: 1, steps: 1, tokens: 1, flops: 1, formulaFlops: 1, trainLossFirst: 1, trainLossLast: 1, heldOutLoss: 1, baseHeldOutLoss: 1, uniformLoss: 1, durationMs: 1 } });
      expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_YOURS' } });
    } finally {
      agent.socket.disconnect();
    }
  });
});
