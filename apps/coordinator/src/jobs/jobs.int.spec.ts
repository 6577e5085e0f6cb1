import { AGENTS_NAMESPACE, AgentEvents, PROTOCOL_VERSION, type GpuInventory } from '@potluck/protocol';
import type { PotluckClient } from '@potluck/sdk';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../testing/rejection.js';
import { QueueService } from '../queues/queue.service.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';

let t: TestApp;
let builder: PotluckClient;
let other: PotluckClient;
let datasetRef: { datasetId: string; version: number };
let model: string;

beforeAll(async () => {
  t = await startTestApp();
  const a = await t.anonymous.signup({ handle: uniqueId('b-'), displayName: 'Builder', roles: ['BUILDER', 'DONOR'] });
  const b = await t.anonymous.signup({ handle: uniqueId('o-'), displayName: 'Other', roles: ['BUILDER'] });
  builder = t.anonymous.withApiKey(a.secret);
  other = t.anonymous.withApiKey(b.secret);
  const dataset = await builder.datasets.create({ name: uniqueId('d-'), licence: 'MIT' });
  await builder.datasets.upload(dataset.id, `${JSON.stringify({ prompt: 'two plus two', completion: 'four' })}\n`);
  datasetRef = { datasetId: dataset.id, version: 1 };
  model = (await t.anonymous.models.list())[0]?.id ?? '';
});

afterAll(async () => {
  expect(await t.serverErrors()).toBe(0);
  await t.close();
});

describe('jobs', () => {
  it('lists the base models publicly, with parameter counts', async () => {
    const models = await t.anonymous.models.list();
    expect(models.length).toBeGreaterThan(0);
    expect(models[0]).toMatchObject({ parameters: expect.any(Number), runtimes: ['builtin'] });
  });

  it('creates a fine-tune with defaults, queues it in BullMQ, and is idempotent by key', async () => {
    const body = { spec: { kind: 'fine-tune' as const, baseModel: model, datasets: [datasetRef] }, idempotencyKey: uniqueId('k-') };
    const job = await builder.jobs.create(body);
    expect(job).toMatchObject({ kind: 'fine-tune', status: 'queued', requirements: { gpuCount: 1, runtime: 'builtin' } });
    expect(job.spec.kind === 'fine-tune' && job.spec.hyperparameters.rank).toBe(8);
    expect((await builder.jobs.create(body)).id).toBe(job.id);
    const queued = await t.app.get(QueueService).queue('work').getJob(`job-${job.id}`);
    expect(queued?.data).toEqual({ jobId: job.id });
    expect((await builder.jobs.list()).items.map((j) => j.id)).toContain(job.id);
  });

  it('creates a batch of jobs in order, all or none, with idempotency keys', async () => {
    const eval_ = (seedKey?: string) => ({ spec: { kind: 'eval' as const, baseModel: model, dataset: datasetRef }, ...(seedKey ? { idempotencyKey: seedKey } : {}) });
    const key = uniqueId('k-');
    const batch = await builder.jobs.createBatch([eval_(key), { ...eval_(), priority: 5 }, eval_()]);
    expect(batch.created).toBe(3);
    expect(batch.jobs.map((job) => job.status)).toEqual(['queued', 'queued', 'queued']);
    expect(batch.jobs[1]?.priority).toBe(5);
    for (const job of batch.jobs) {
      expect(await builder.jobs.get(job.id)).toEqual(job); // the answer is what was stored
      expect((await t.app.get(QueueService).queue('work').getJob(`job-${job.id}`))?.data).toEqual({ jobId: job.id });
    }
    // The same key again returns the existing job; the new one is created.
    const again = await builder.jobs.createBatch([eval_(key), eval_()]);
    expect(again.created).toBe(1);
    expect(again.jobs[0]?.id).toBe(batch.jobs[0]?.id);
    // One bad job: nothing of the batch is created, and the error names it.
    const before = (await builder.jobs.list({ limit: 100 })).items.length;
    const bad = await rejection(builder.jobs.createBatch([eval_(), { spec: { kind: 'eval', baseModel: 'gpt-9', dataset: datasetRef } }, eval_(key), eval_(key)]));
    expect(bad.status).toBe(400);
    expect(bad.problem?.errors?.map((e) => e.field)).toEqual(['body.jobs.3.idempotencyKey']);
    const unknown = await rejection(builder.jobs.createBatch([eval_(), { spec: { kind: 'eval', baseModel: 'gpt-9', dataset: datasetRef } }]));
    expect(unknown.problem?.errors?.map((e) => e.field)).toEqual(['body.jobs.1.spec.baseModel']);
    const pipeline = await rejection(builder.jobs.createBatch([{ spec: { kind: 'pipeline', steps: [{ id: 'a', spec: eval_().spec }] } }]));
    expect(pipeline.problem?.errors?.map((e) => e.field)).toEqual(['body.jobs.0.spec.kind']);
    expect((await builder.jobs.list({ limit: 100 })).items.length).toBe(before);
    const tooMany = await rejection(builder.jobs.createBatch(Array.from({ length: 1001 }, () => eval_())));
    expect(tooMany.status).toBe(400);
  });

  it('refuses unknown models and datasets it cannot see, naming the fields', async () => {
    const privateDataset = await other.datasets.create({ name: uniqueId('p-'), licence: 'MIT' });
    await other.datasets.upload(privateDataset.id, '{"text":"mine"}\n');
    const error = await rejection(builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: 'gpt-9', datasets: [{ datasetId: privateDataset.id, version: 1 }] } }));
    expect(error.status).toBe(400);
    expect(error.problem?.errors?.map((e) => e.field)).toEqual(['body.spec.baseModel', 'body.spec.datasets.0']);
    const malformed = await rejection(builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: model, datasets: [] } }));
    expect(malformed.problem?.errors?.[0]?.field).toBe('body.spec.datasets');
    const hugeVersion = await rejection(builder.jobs.create({ spec: { kind: 'eval', baseModel: model, dataset: { datasetId: datasetRef.datasetId, version: 3_000_000_000 } } }));
    expect(hugeVersion.status).toBe(400);
    expect(hugeVersion.problem?.errors?.map((e) => e.field)).toEqual(['body.spec.dataset']);
    const before = (await builder.jobs.list({ limit: 100 })).items.length;
    const batch = await rejection(builder.jobs.createBatch([{ spec: { kind: 'eval', baseModel: model, dataset: datasetRef } }, { spec: { kind: 'eval', baseModel: model, dataset: { datasetId: privateDataset.id.toUpperCase(), version: 1 } } }]));
    expect(batch.problem?.errors?.map((e) => e.field)).toEqual(['body.jobs.1.spec.dataset']);
    expect((await builder.jobs.list({ limit: 100 })).items.length).toBe(before); // the valid one was not created either
    const upper = await builder.jobs.create({ spec: { kind: 'eval', baseModel: model, dataset: { datasetId: datasetRef.datasetId.toUpperCase(), version: 1 } } });
    expect(upper.status).toBe('queued'); // a uuid is a uuid in either case, stored as PostgreSQL prints it (dispatch matches it with the versions it reads)
    expect(upper.spec.kind === 'eval' && upper.spec.dataset).toEqual({ datasetId: datasetRef.datasetId.toLowerCase(), version: 1 });
    const mixedBatch = await rejection(builder.jobs.createBatch([{ spec: { kind: 'eval', baseModel: model, dataset: datasetRef } }, { spec: { kind: 'eval', baseModel: model, dataset: { datasetId: datasetRef.datasetId, version: 3_000_000_000 } } }]));
    expect(mixedBatch.problem?.errors?.map((e) => e.field)).toEqual(['body.jobs.1.spec.dataset']); // only the version that does not exist
  });

  it('creates pipelines as ordered steps', async () => {
    const pipeline = await builder.jobs.create({
      spec: { kind: 'pipeline', steps: [
        { id: 'prepare', spec: { kind: 'dataset', input: datasetRef, transform: { operation: 'dedupe' }, outputName: 'deduped' } },
        { id: 'train', spec: { kind: 'fine-tune', baseModel: model, datasets: [datasetRef] } },
        { id: 'eval', spec: { kind: 'eval', baseModel: model, dataset: datasetRef } },
      ] },
    });
    expect(pipeline.stepJobIds).toHaveLength(3);
    expect((await builder.jobs.get(pipeline.stepJobIds[1] ?? '')).parentJobId).toBe(pipeline.id);
    const cancelled = await builder.jobs.cancel(pipeline.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await builder.jobs.get(pipeline.stepJobIds[2] ?? '')).status).toBe('cancelled');
    expect((await rejection(builder.jobs.cancel(pipeline.id))).status).toBe(409);
  });

  it('refuses pipeline placeholders that name no earlier step of the right kind, coordinator-only fields and the noop runtime', async () => {
    const before = (await builder.jobs.list({ limit: 200 })).items.length;
    const error = await rejection(builder.jobs.create({
      spec: { kind: 'pipeline', steps: [
        { id: 'train', spec: { kind: 'fine-tune', baseModel: model, datasets: [{ fromStep: 'prepare' }] } },
        { id: 'prepare', spec: { kind: 'dataset', input: datasetRef, transform: { operation: 'dedupe' }, outputName: 'deduped' } },
        { id: 'eval', spec: { kind: 'eval', baseModel: model, dataset: { fromStep: 'prepare' }, adapterFromStep: 'prepare' } },
      ] },
    }));
    expect(error.status).toBe(400);
    expect(error.problem?.errors?.map((e) => e.field)).toEqual(['body.spec.steps.0.spec.datasets.0', 'body.spec.steps.2.spec.adapterFromStep']);
    const excluding = await rejection(builder.jobs.create({ spec: { kind: 'eval', baseModel: model, dataset: datasetRef }, requirements: { excludeDonors: ['00000000-0000-4000-8000-000000000000'] } }));
    expect(excluding.problem?.errors?.[0]?.field).toBe('body.requirements.excludeDonors');
    const noop = await rejection(builder.jobs.create({ spec: { kind: 'eval', baseModel: model, dataset: datasetRef }, requirements: { runtime: 'noop' } }));
    expect(noop.problem?.errors?.[0]?.field).toBe('body.requirements.runtime');
    expect((await builder.jobs.list({ limit: 200 })).items).toHaveLength(before); // nothing was stored
  });

  it("hides other builders' jobs", async () => {
    const job = await builder.jobs.create({ spec: { kind: 'eval', baseModel: model, dataset: datasetRef } });
    expect((await rejection(other.jobs.get(job.id))).status).toBe(404);
    expect((await rejection(other.jobs.cancel(job.id))).status).toBe(404);
  });

  it('retries a cancelled job as a new job with the same spec, once, and refuses a job still queued', async () => {
    const job = await builder.jobs.create({ spec: { kind: 'eval', baseModel: model, dataset: datasetRef }, priority: 7 });
    expect((await rejection(builder.jobs.retry(job.id))).status).toBe(409);
    await builder.jobs.cancel(job.id);
    expect((await rejection(other.jobs.retry(job.id))).status).toBe(404);
    const retried = await builder.jobs.retry(job.id);
    expect(retried.id).not.toBe(job.id);
    expect(retried).toMatchObject({ status: 'queued', spec: job.spec, priority: 7 });
    expect((await builder.jobs.retry(job.id)).id).toBe(retried.id);
    expect((await builder.jobs.get(job.id)).status).toBe('cancelled');
  });

  it('says why a waiting job does not go to an agent (80 GB asked, 24 GB online)', async () => {
    const big = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: model, datasets: [datasetRef] }, requirements: { minVramMiB: 80_000 } });
    const { agent, token } = await builder.agents.create({ name: uniqueId('rig-') });
    const inventory: GpuInventory = {
      format: 'csv', timestamp: null, driverVersion: '550.54.14', cudaVersion: '12.4', processes: null,
      gpus: [{ index: 0, uuid: 'GPU-24g', name: 'NVIDIA GeForce RTX 4090', busId: null, serial: null, vbiosVersion: null, virtualizationMode: null, persistenceMode: null, memoryTotalMiB: 24_564, memoryUsedMiB: 0, memoryFreeMiB: null, utilizationGpuPct: 0, utilizationMemoryPct: null, temperatureC: 30, fanSpeedPct: null, pstate: null, powerDrawW: 20, powerLimitW: 450, clocksGraphicsMHz: null, clocksSmMHz: null, clocksMemoryMHz: null, clocksMaxGraphicsMHz: null, clocksMaxMemoryMHz: null, computeCapability: null, migEnabled: false, migDevices: [] }],
    };
    const socket = io(`${t.baseUrl}${AGENTS_NAMESPACE}`, { auth: { token }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      await socket.emitWithAck(AgentEvents.hello, {
        agentVersion: 't', runId: uniqueId('run-'), protocolVersions: [PROTOCOL_VERSION], host: { hostname: 'h', os: 'linux', arch: 'x64' }, simulated: true, inventory,
        runtimes: ['builtin'], policy: { schedule: [], maxTemperatureC: null, maxPowerW: null, yieldToOtherProcesses: true, yieldCooldownSeconds: 60, runtimes: ['builtin'] },
        mode: 'active', gpus: [{ index: 0, deviceId: 'GPU-24g', availability: 'available', reason: '', until: null }],
      });
      const why = await builder.jobs.whyNoJob(agent.id);
      expect(why.jobs.find((j) => j.jobId === big.id)).toMatchObject({ rule: 'vram', detail: expect.stringContaining('80000 MiB') });
      expect((await rejection(other.jobs.whyNoJob(agent.id))).status).toBe(404);
      // From the job's side: this agent (among whatever else the suite left online) is kept away by VRAM.
      const jobWhy = await builder.jobs.why(big.id);
      expect(jobWhy.agentsFitting).toBe(0);
      expect(jobWhy.rules.find((rule) => rule.rule === 'vram')).toMatchObject({ agents: expect.any(Number) as number, example: expect.stringContaining('80000 MiB') as string });
      expect(jobWhy.summary).toContain('vram');
      expect((await rejection(other.jobs.why(big.id))).status).toBe(404);
    } finally {
      socket.disconnect();
    }
  });
});
