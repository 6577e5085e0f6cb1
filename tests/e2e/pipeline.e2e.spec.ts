import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetResultSchema, EvalResultSchema, FineTuneResultSchema } from '@potluck/protocol';
import { PotluckApiError, PotluckClient } from '@potluck/sdk';
import { sampleChatRows } from '@potluck/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, startAgent } from '../support/agent.js';
import { startCoordinator, type CoordinatorProcess } from '../support/coordinator.js';
import { uniqueId } from '../support/database.js';
import { REPO_ROOT } from '../support/paths.js';
import type { Running } from '../support/process.js';

const work = mkdtempSync(join(tmpdir(), 'potluck-pipeline-'));
let coordinator: CoordinatorProcess;
const agents: Running[] = [];
let builder: PotluckClient;
const MODEL = 'potluck-tiny-byte-v1';

async function uploadChats(name: string, rows: unknown[]): Promise<{ datasetId: string; version: number }> {
  const dataset = await builder.datasets.create({ name, licence: 'CC0-1.0' });
  await builder.datasets.upload(dataset.id, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  return { datasetId: dataset.id, version: 1 };
}

beforeAll(async () => {
  coordinator = await startCoordinator({ POTLUCK_TELEMETRY_INTERVAL_MS: '1000', POTLUCK_ATTEMPT_LEASE_MS: '5000' });
  const admin = new PotluckClient({ baseUrl: coordinator.url, apiKey: coordinator.adminKey });
  const created = await admin.users.create({ handle: uniqueId('builder-'), displayName: 'Builder', roles: ['BUILDER', 'DONOR'] });
  builder = admin.withApiKey(created.secret);
  for (const name of ['rig-a', 'rig-b']) {
    const registered = await builder.agents.create({ name });
    const agent = startAgent(['start', '--coordinator', coordinator.url, '--simulate', join(REPO_ROOT, 'examples/simulated-rig.csv'), '--control-socket', join(work, `${name}.sock`)], { POTLUCK_AGENT_TOKEN: registered.token });
    agents.push(agent);
    await agent.waitFor(/connected as agent/);
  }
});

afterAll(async () => {
  for (const agent of agents) await agent.stop('SIGKILL');
  await coordinator?.dispose();
});

const output = () => agents.map((agent) => agent.output()).join('\n---\n');

describe('pipelines of dataset, fine-tune and eval jobs on two donors, end to end', () => {
  it('prepare → fine-tune → eval: the loss falls and the adapter beats the base model on the same held-out rows', async () => {
    const rows = sampleChatRows(300, 7);
    const input = await uploadChats('raw-chats', [...rows, ...rows.slice(0, 40)]); // 40 exact duplicates for the dedupe
    const pipeline = await builder.jobs.create({
      spec: {
        kind: 'pipeline',
        steps: [
          { id: 'prepare', spec: { kind: 'dataset', input, transform: { operation: 'dedupe' }, outputName: 'chats-deduped' } },
          { id: 'train', spec: { kind: 'fine-tune', baseModel: MODEL, datasets: [{ fromStep: 'prepare' }], hyperparameters: { steps: 120, batchSize: 8 } } },
          { id: 'eval-adapter', spec: { kind: 'eval', baseModel: MODEL, dataset: { fromStep: 'prepare' }, adapterFromStep: 'train' } },
          { id: 'eval-base', spec: { kind: 'eval', baseModel: MODEL, dataset: { fromStep: 'prepare' } } },
        ],
      },
    });
    expect(pipeline.stepJobIds).toHaveLength(4);
    await expect.poll(async () => (await builder.jobs.get(pipeline.id)).status, { timeout: 120_000, interval: 500, message: output() }).toBe('succeeded');
    const [prepare, train, evalAdapter, evalBase] = await Promise.all(pipeline.stepJobIds.map((id) => builder.jobs.get(id)));

    const prepared = DatasetResultSchema.parse(prepare?.result);
    expect(prepared.rowsIn).toBe(340);
    expect(prepared.dropped).toBeGreaterThanOrEqual(40);
    expect(prepared.reasons).toEqual({ duplicate: prepared.dropped });
    expect(prepared.rowsOut).toBe(340 - prepared.dropped);
    const produced = prepare?.result as { datasetId: string; version: number };
    const dataset = await builder.datasets.get(produced.datasetId);
    expect(dataset.name).toBe('chats-deduped');
    const version = dataset.versions.find((v) => v.version === produced.version);
    expect(version).toMatchObject({ rows: prepared.rowsOut, producedByJobId: prepare?.id });
    expect(version?.parentVersionIds).toHaveLength(1);

    expect(train?.spec).toMatchObject({ datasets: [{ datasetId: produced.datasetId, version: produced.version }] }); // resolved placeholder
    const trained = FineTuneResultSchema.parse(train?.result);
    expect(trained.trainLossLast).toBeLessThan(trained.trainLossFirst);

    const adapterLoss = EvalResultSchema.parse(evalAdapter?.result);
    const baseLoss = EvalResultSchema.parse(evalBase?.result);
    expect(adapterLoss).toMatchObject({ split: 'held-out', adapterSha256: trained.adapterSha256 });
    expect(baseLoss.adapterSha256).toBeNull();
    expect(adapterLoss.rows).toBe(baseLoss.rows);
    expect(adapterLoss.loss).toBeLessThan(baseLoss.loss - 1);
    expect(adapterLoss.loss).toBe(trained.heldOutLoss); // the same split, the same deterministic evaluation
    // The eval report downloads with the sha256 and size its result names.
    const report = await builder.jobs.report(evalAdapter?.id ?? '');
    expect(createHash('sha256').update(report).digest('hex')).toBe(adapterLoss.reportSha256);
    expect(report.byteLength).toBe(adapterLoss.reportBytes);
    expect(JSON.parse(Buffer.from(report).toString('utf8'))).toMatchObject({ format: 'potluck-eval-report/1', metrics: { loss: adapterLoss.loss } });
    await expect(builder.jobs.report(train?.id ?? '')).rejects.toMatchObject({ status: 404 });
    expect(baseLoss.loss).toBe(trained.baseHeldOutLoss);

    const finished = await builder.jobs.get(pipeline.id);
    expect((finished.result as { steps: { id: string }[] }).steps.map((s) => s.id)).toEqual(['prepare', 'train', 'eval-adapter', 'eval-base']);
    const logs = await builder.jobs.logs(pipeline.id);
    expect(logs.lines.some((line) => /dedupe: 340 rows in, \d+ out/.test(line.message))).toBe(true);
    expect(logs.lines.some((line) => /eval loss/.test(line.message))).toBe(true);
  });

  it('fails a step that no retry can fix at once, with the reason, and the pipeline with it', async () => {
    const input = await uploadChats('bad-shard-input', sampleChatRows(50, 3));
    const pipeline = await builder.jobs.create({
      spec: {
        kind: 'pipeline',
        steps: [
          { id: 'split', spec: { kind: 'dataset', input, transform: { operation: 'shard', shards: 2, index: 5 }, outputName: 'never' } },
          { id: 'train', spec: { kind: 'fine-tune', baseModel: MODEL, datasets: [{ fromStep: 'split' }] } },
        ],
      },
    });
    await expect.poll(async () => (await builder.jobs.get(pipeline.id)).status, { timeout: 30_000, interval: 300, message: output() }).toBe('failed');
    const failed = await builder.jobs.get(pipeline.id);
    expect(failed.error?.code).toBe('STEP_FAILED');
    expect(failed.error?.message).toMatch(/step "split" failed: .*INVALID_OPERATION/);
    const [split, train] = await Promise.all(failed.stepJobIds.map((id) => builder.jobs.get(id)));
    expect(split?.status).toBe('failed');
    expect(train?.status).toBe('cancelled');
    expect(await builder.jobs.attempts(split?.id ?? '')).toHaveLength(1); // no retry

    // A reference to a dataset that does not exist is refused before anything is stored.
    const missing = builder.jobs.create({ spec: { kind: 'eval', baseModel: MODEL, dataset: { datasetId: '00000000-0000-4000-8000-000000000000', version: 1 } } });
    await expect(missing).rejects.toMatchObject({ status: 400 });
    // Only the coordinator excludes donors.
    const excluding = builder.jobs.create({ spec: { kind: 'eval', baseModel: MODEL, dataset: input }, requirements: { excludeDonors: ['00000000-0000-4000-8000-000000000000'] } });
    await expect(excluding).rejects.toBeInstanceOf(PotluckApiError);
  });

  it('ends a job at its time limit and tells the agent to stop', async () => {
    const input = await uploadChats('long-chats', sampleChatRows(100, 5));
    const job = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: MODEL, datasets: [input], hyperparameters: { steps: 1_000_000 } }, requirements: { maxRuntimeSeconds: 2 } });
    await expect.poll(async () => (await builder.jobs.get(job.id)).status, { timeout: 20_000, interval: 300, message: output() }).toBe('failed');
    const failed = await builder.jobs.get(job.id);
    expect(failed.error?.message).toMatch(/TIME_LIMIT/);
    await expect.poll(() => new RegExp(`job ${job.id}: failed: (CANCELLED|TIME_LIMIT)`).test(output()), { timeout: 10_000 }).toBe(true);
  });

  it('tells an idle agent why a waiting job does not come to it, and potluck-agent status shows it', async () => {
    const input = await uploadChats('big-chats', sampleChatRows(20, 6));
    const job = await builder.jobs.create({ spec: { kind: 'eval', baseModel: MODEL, dataset: input }, requirements: { minVramMiB: 80_000 } });
    try {
      await expect
        .poll(async () => (await agentCommand(['status', '--control-socket', join(work, 'rig-a.sock')])).output, { timeout: 15_000, interval: 500 })
        .toMatch(new RegExp(`why no job: .*vram[\\s\\S]*eval ${job.id}: vram — needs 1 GPU\\(s\\) with ≥ 80000 MiB`));
    } finally {
      await builder.jobs.cancel(job.id);
    }
  });
});
