import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvalResultSchema, FineTuneResultSchema } from '@potluck/protocol';
import { PotluckClient } from '@potluck/sdk';
import { sampleChatRows } from '@potluck/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../support/agent.js';
import { startCoordinator, type CoordinatorProcess } from '../support/coordinator.js';
import { uniqueId } from '../support/database.js';
import { REPO_ROOT } from '../support/paths.js';
import type { Running } from '../support/process.js';

/**
 * The `process` runtime end to end: a real agent whose donor approved one command (the
 * reference toy trainer, examples/process-runtime/toy-trainer.mjs) runs process fine-tune and
 * eval jobs; a job for a command no donor approved waits and says why; cancel kills the command.
 */
const work = mkdtempSync(join(tmpdir(), 'potluck-process-'));
const MODEL = 'potluck-toy-bigram-v1';
let coordinator: CoordinatorProcess;
let agent: Running;
let agentId: string;
let builder: PotluckClient;
let dataset: { datasetId: string; version: number };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const processJob = { runtime: 'process' as const, command: 'toy' };

beforeAll(async () => {
  coordinator = await startCoordinator({ POTLUCK_TELEMETRY_INTERVAL_MS: '1000' });
  const admin = new PotluckClient({ baseUrl: coordinator.url, apiKey: coordinator.adminKey });
  const created = await admin.users.create({ handle: uniqueId('builder-'), displayName: 'Builder', roles: ['BUILDER', 'DONOR'] });
  builder = admin.withApiKey(created.secret);
  const registered = await builder.agents.create({ name: 'process-rig' });
  agentId = registered.agent.id;
  const config = join(work, 'agent.json');
  writeFileSync(
    config,
    JSON.stringify({
      policy: { runtimes: ['builtin', 'process'] },
      process: { workDir: join(work, 'jobs'), stopGraceMs: 2000, commands: { toy: { argv: [process.execPath, join(REPO_ROOT, 'examples/process-runtime/toy-trainer.mjs')] } } },
    }),
  );
  agent = startAgent(['start', '--coordinator', coordinator.url, '--config', config, '--simulate', join(REPO_ROOT, 'examples/simulated-rig.csv'), '--control-socket', join(work, 'agent.sock')], { POTLUCK_AGENT_TOKEN: registered.token });
  await agent.waitFor(/connected as agent/);
  const created2 = await builder.datasets.create({ name: uniqueId('chats-'), licence: 'CC0-1.0' });
  await builder.datasets.upload(created2.id, `${sampleChatRows(300, 21).map((row) => JSON.stringify(row)).join('\n')}\n`);
  dataset = { datasetId: created2.id, version: 1 };
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await coordinator?.dispose();
});

describe('the process runtime, end to end', () => {
  it('runs a process fine-tune and an eval of its adapter with the approved command; outputs are uploaded and their sha256 checked', async () => {
    const fineTune = await builder.jobs.create({
      spec: { kind: 'fine-tune', baseModel: MODEL, datasets: [dataset], hyperparameters: { steps: 60, batchSize: 8, learningRate: 0.1, warmupSteps: 5 }, checkpointEvery: 20 },
      requirements: processJob,
    });
    await expect.poll(async () => (await builder.jobs.get(fineTune.id)).status, { timeout: 60_000, interval: 300, message: agent.output() }).toBe('succeeded');
    const trained = FineTuneResultSchema.parse((await builder.jobs.get(fineTune.id)).result);
    expect(trained.steps).toBe(60);
    expect(trained.trainLossLast).toBeLessThan(trained.trainLossFirst);
    expect(trained.heldOutLoss).toBeLessThan(trained.baseHeldOutLoss - 1);
    const adapter = await builder.jobs.adapter(fineTune.id);
    expect(sha256(adapter)).toBe(trained.adapterSha256);
    expect(adapter.length).toBe(trained.adapterBytes);
    const attempts = await builder.jobs.attempts(fineTune.id);
    expect(attempts[0]?.checkpoints.map((c) => c.step)).toEqual([20, 40]);
    const logs = (await builder.jobs.logs(fineTune.id)).lines.map((line) => line.message);
    expect(logs.some((line) => line.startsWith('toy-trainer pid'))).toBe(true);

    const evaluation = await builder.jobs.create({ spec: { kind: 'eval', baseModel: MODEL, dataset, adapterFromJob: fineTune.id }, requirements: processJob });
    await expect.poll(async () => (await builder.jobs.get(evaluation.id)).status, { timeout: 30_000, interval: 300, message: agent.output() }).toBe('succeeded');
    const evaluated = EvalResultSchema.parse((await builder.jobs.get(evaluation.id)).result);
    expect(evaluated.loss).toBe(trained.heldOutLoss); // the same held-out rows, the same number
    expect(evaluated.tokenAccuracy).toBeGreaterThan(0.2);
    expect(evaluated.adapterSha256).toBe(trained.adapterSha256);
    const report = await builder.jobs.report(evaluation.id);
    expect(sha256(report)).toBe(evaluated.reportSha256);
    expect(JSON.parse(Buffer.from(report).toString('utf8'))).toMatchObject({ format: 'potluck-eval-report/1', metrics: { loss: evaluated.loss, tokenAccuracy: evaluated.tokenAccuracy } });
  });

  it('keeps a job for a command no online donor approved waiting, and why names the rule and the command', async () => {
    const job = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: MODEL, datasets: [dataset] }, requirements: { runtime: 'process', command: 'hf-lora' } });
    await expect
      .poll(async () => (await builder.jobs.why(job.id)).rules, { timeout: 15_000, interval: 300 })
      .toEqual([{ rule: 'process-command', agents: 1, example: 'the donor did not approve the process command "hf-lora" (approved: toy)' }]);
    const forAgent = await builder.jobs.whyNoJob(agentId);
    expect(forAgent.jobs).toContainEqual({ jobId: job.id, kind: 'fine-tune', rule: 'process-command', detail: expect.stringContaining('"hf-lora"') });
    expect((await builder.jobs.get(job.id)).status).toBe('queued');
    await builder.jobs.cancel(job.id);
  });

  it('kills a running process job\'s command within 5 s of its cancellation', async () => {
    const long = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: MODEL, datasets: [dataset], hyperparameters: { steps: 1_000_000 } }, requirements: processJob });
    const pidLine = async () => (await builder.jobs.logs(long.id)).lines.map((line) => line.message).find((line) => line.startsWith('toy-trainer pid'));
    await expect.poll(pidLine, { timeout: 30_000, interval: 300, message: agent.output() }).toBeDefined();
    const pid = Number(/pid (\d+)/.exec((await pidLine()) ?? '')?.[1]);
    expect(isAlive(pid)).toBe(true);
    const cancelledAt = Date.now();
    expect((await builder.jobs.cancel(long.id)).status).toBe('cancelled');
    await expect.poll(() => isAlive(pid), { timeout: 5000, interval: 100 }).toBe(false);
    expect(Date.now() - cancelledAt).toBeLessThan(5000);
    await agent.waitFor(new RegExp(`job ${long.id}: failed: CANCELLED`), 5000);
  });

  it('stops a process job at its time limit: the command is killed and the job fails for its time limit', async () => {
    const limited = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: MODEL, datasets: [dataset], hyperparameters: { steps: 1_000_000 } }, requirements: { ...processJob, maxRuntimeSeconds: 3 } });
    const pidLine = async () => (await builder.jobs.logs(limited.id)).lines.map((line) => line.message).find((line) => line.startsWith('toy-trainer pid'));
    await expect.poll(pidLine, { timeout: 30_000, interval: 300, message: agent.output() }).toBeDefined();
    const pid = Number(/pid (\d+)/.exec((await pidLine()) ?? '')?.[1]);
    await expect.poll(async () => (await builder.jobs.get(limited.id)).status, { timeout: 15_000, interval: 300 }).toBe('failed');
    expect((await builder.jobs.get(limited.id)).error?.message).toMatch(/TIME_LIMIT/);
    await expect.poll(() => isAlive(pid), { timeout: 5000, interval: 100 }).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
