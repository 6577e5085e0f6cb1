import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineTuneResultSchema } from '@potluck/protocol';
import { PotluckClient } from '@potluck/sdk';
import { sampleChatRows } from '@potluck/trainer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, startAgent } from '../support/agent.js';
import { startCoordinator, type CoordinatorProcess } from '../support/coordinator.js';
import { uniqueId } from '../support/database.js';
import { REPO_ROOT } from '../support/paths.js';
import type { Running } from '../support/process.js';

const work = mkdtempSync(join(tmpdir(), 'potluck-finetune-'));
let coordinator: CoordinatorProcess;
let agent: Running;
let successor: Running | null = null;
let builder: PotluckClient;

beforeAll(async () => {
  coordinator = await startCoordinator({ POTLUCK_TELEMETRY_INTERVAL_MS: '1000', POTLUCK_ATTEMPT_LEASE_MS: '3000' });
  const admin = new PotluckClient({ baseUrl: coordinator.url, apiKey: coordinator.adminKey });
  const created = await admin.users.create({ handle: uniqueId('builder-'), displayName: 'Builder', roles: ['BUILDER', 'DONOR'] });
  builder = admin.withApiKey(created.secret);
  const registered = await builder.agents.create({ name: 'rig' });
  agent = startAgent(['start', '--coordinator', coordinator.url, '--simulate', join(REPO_ROOT, 'examples/simulated-rig.csv'), '--control-socket', join(work, 'agent.sock')], { POTLUCK_AGENT_TOKEN: registered.token });
  await agent.waitFor(/connected as agent/);
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await successor?.stop('SIGKILL');
  await coordinator?.dispose();
});

/**
 * A fine-tune far too long to finish (100,000 steps, a periodic checkpoint only every 50,000),
 * once `runner` started it and reported a step: a checkpoint it stores is where it stopped.
 */
async function longFineTuneUnderWay(runner: Running, datasetName: string, seed: number): Promise<{ id: string }> {
  const dataset = await builder.datasets.create({ name: datasetName, licence: 'CC0-1.0' });
  await builder.datasets.upload(dataset.id, `${sampleChatRows(200, seed).map((row) => JSON.stringify(row)).join('\n')}\n`);
  const spec = { kind: 'fine-tune' as const, baseModel: 'potluck-tiny-byte-v1', datasets: [{ datasetId: dataset.id, version: 1 }], hyperparameters: { steps: 100_000 }, checkpointEvery: 50_000 };
  const job = await builder.jobs.create({ spec });
  await runner.waitFor(new RegExp(`job ${job.id}: attempt 1 started`), 20_000);
  await expect.poll(async () => (await builder.jobs.progress(job.id)).latest?.step ?? 0, { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
  return job;
}

describe('a builder fine-tunes on a donor GPU, end to end', () => {
  it('runs the builtin trainer on the agent: the loss falls, the adapter beats the base model, and it downloads intact', async () => {
    const dataset = await builder.datasets.create({ name: 'sample-chats', licence: 'CC0-1.0' });
    await builder.datasets.upload(dataset.id, `${sampleChatRows(300, 7).map((row) => JSON.stringify(row)).join('\n')}\n`);
    const job = await builder.jobs.create({
      spec: { kind: 'fine-tune', baseModel: 'potluck-tiny-byte-v1', datasets: [{ datasetId: dataset.id, version: 1 }], hyperparameters: { steps: 120, batchSize: 8 } },
    });
    await expect.poll(async () => (await builder.jobs.get(job.id)).status, { timeout: 90_000, interval: 500, message: agent.output() }).toBe('succeeded');
    const result = FineTuneResultSchema.parse((await builder.jobs.get(job.id)).result);
    expect(result.trainLossLast).toBeLessThan(result.trainLossFirst);
    expect(result.heldOutLoss).toBeLessThan(result.baseHeldOutLoss - 1);
    expect(result.heldOutLoss).toBeLessThan(result.uniformLoss);
    const adapter = await builder.jobs.adapter(job.id);
    expect(createHash('sha256').update(adapter).digest('hex')).toBe(result.adapterSha256);
    expect(agent.output()).toMatch(/done, held-out loss/);
    const [attempt] = await builder.jobs.attempts(job.id);
    expect(attempt).toMatchObject({ attemptNo: 1, status: 'succeeded', agentName: 'rig', endReason: 'completed', resumedFromStep: null });
    const progress = await builder.jobs.progress(job.id);
    expect(progress.latest?.step).toBe(120);
    expect(progress.curve.length).toBeGreaterThan(1);
  });

  it('stops a running fine-tune on the agent within 5 s of its cancellation, and the agent takes work again', async () => {
    const dataset = await builder.datasets.create({ name: 'more-chats', licence: 'CC0-1.0' });
    await builder.datasets.upload(dataset.id, `${sampleChatRows(200, 9).map((row) => JSON.stringify(row)).join('\n')}\n`);
    const spec = { kind: 'fine-tune' as const, baseModel: 'potluck-tiny-byte-v1', datasets: [{ datasetId: dataset.id, version: 1 }], hyperparameters: { steps: 100_000 } };
    const long = await builder.jobs.create({ spec });
    await agent.waitFor(new RegExp(`job ${long.id}: attempt 1 started`), 20_000);
    const cancelledAt = Date.now();
    expect((await builder.jobs.cancel(long.id)).status).toBe('cancelled');
    await agent.waitFor(new RegExp(`job ${long.id}: failed: CANCELLED`), 5000);
    expect(Date.now() - cancelledAt).toBeLessThan(5000);
    const next = await builder.jobs.create({ spec: { ...spec, hyperparameters: { steps: 20 } } });
    await expect.poll(async () => (await builder.jobs.get(next.id)).status, { timeout: 30_000, interval: 300 }).toBe('succeeded');
  });

  it('resumes on another donor from the last checkpoint after the first is killed, with an adapter identical to an uninterrupted run', async () => {
    const dataset = await builder.datasets.create({ name: 'resume-chats', licence: 'CC0-1.0' });
    await builder.datasets.upload(dataset.id, `${sampleChatRows(200, 11).map((row) => JSON.stringify(row)).join('\n')}\n`);
    const spec = { kind: 'fine-tune' as const, baseModel: 'potluck-tiny-byte-v1', datasets: [{ datasetId: dataset.id, version: 1 }], hyperparameters: { steps: 400 }, checkpointEvery: 40 };
    const interrupted = await builder.jobs.create({ spec });
    await agent.waitFor(new RegExp(`job ${interrupted.id}: checkpoint at step \\d+ stored`), 30_000);
    await agent.stop('SIGKILL');

    const registered = await builder.agents.create({ name: 'second-rig' });
    successor = startAgent(['start', '--coordinator', coordinator.url, '--simulate', join(REPO_ROOT, 'examples/simulated-rig.csv'), '--control-socket', join(work, 'second.sock')], { POTLUCK_AGENT_TOKEN: registered.token });
    await successor.waitFor(new RegExp(`job ${interrupted.id}: attempt 2 started on .*, resuming from step \\d+`), 30_000);
    await expect.poll(async () => (await builder.jobs.get(interrupted.id)).status, { timeout: 60_000, interval: 500 }).toBe('succeeded');

    const uninterrupted = await builder.jobs.create({ spec });
    await expect.poll(async () => (await builder.jobs.get(uninterrupted.id)).status, { timeout: 60_000, interval: 500 }).toBe('succeeded');
    const [a, b] = [FineTuneResultSchema.parse((await builder.jobs.get(interrupted.id)).result), FineTuneResultSchema.parse((await builder.jobs.get(uninterrupted.id)).result)];
    expect(a.adapterSha256).toBe(b.adapterSha256);
    expect(a.tokens).toBe(b.tokens);
    const attempts = await builder.jobs.attempts(interrupted.id);
    expect(attempts.map((x) => [x.attemptNo, x.status, x.agentName])).toEqual([[1, 'lost', 'rig'], [2, 'succeeded', 'second-rig']]);
    expect(attempts[0]?.checkpoints.length).toBeGreaterThan(0);
    expect(attempts[1]?.resumedFromStep).toBe(attempts[0]?.checkpoints.at(-1)?.step);
  });

  it('on SIGTERM mid-fine-tune, stores where it got to, hands the job back and exits 0 within its drain deadline; another donor resumes there', async () => {
    // The job below must go to the agent that will be stopped: no other agent is left running.
    await Promise.all([agent.stop('SIGTERM'), successor?.stop('SIGTERM')]);
    const config = join(work, 'short-drain.json');
    writeFileSync(config, JSON.stringify({ drainTimeoutMs: 4000 }));
    const registered = await builder.agents.create({ name: 'leaving-rig' });
    const leaving = startAgent(['start', '--config', config, '--coordinator', coordinator.url, '--simulate', join(REPO_ROOT, 'examples/simulated-rig.csv'), '--control-socket', join(work, 'leaving.sock')], { POTLUCK_AGENT_TOKEN: registered.token });
    await leaving.waitFor(/connected as agent/);
    const job = await longFineTuneUnderWay(leaving, 'drain-chats', 13);

    const signalledAt = Date.now();
    leaving.child.kill('SIGTERM');
    expect(await leaving.exitWithin(15_000)).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(4000 + 2000); // the deadline, and the process's own exit
    expect(leaving.output()).toMatch(new RegExp(`job ${job.id}: checkpoint at step \\d+ stored`));
    expect(leaving.output()).toMatch(new RegExp(`job ${job.id}: failed: AGENT_SHUTDOWN`));
    const [first] = await builder.jobs.attempts(job.id);
    expect(first).toMatchObject({ attemptNo: 1, status: 'failed', agentName: 'leaving-rig' });
    expect(first?.endReason).toMatch(/^AGENT_SHUTDOWN/);
    const stoppedAt = first?.checkpoints.at(-1)?.step;
    expect(stoppedAt).toBeGreaterThan(0); // not a periodic checkpoint (every 50,000 steps): where it stopped

    const next = await builder.agents.create({ name: 'next-rig' });
    successor = startAgent(['start', '--coordinator', coordinator.url, '--simulate', join(REPO_ROOT, 'examples/simulated-rig.csv'), '--control-socket', join(work, 'next.sock')], { POTLUCK_AGENT_TOKEN: next.token });
    await successor.waitFor(new RegExp(`job ${job.id}: attempt 2 started on .*, resuming from step ${stoppedAt}\\b`), 30_000);
    expect((await builder.jobs.cancel(job.id)).status).toBe('cancelled');
  });

  it('stops a running fine-tune when its donor pauses the agent, keeping where it got to, and resumes it once lent again', async () => {
    const donorAgent = successor as Running; // next-rig, from the test before: the only agent running
    const control = ['--control-socket', join(work, 'next.sock')];
    const job = await longFineTuneUnderWay(donorAgent, 'paused-chats', 17);

    expect((await agentCommand(['pause', '--reason', 'playing a game', ...control])).code).toBe(0);
    await donorAgent.waitFor(new RegExp(`job ${job.id}: failed: GPU_RECLAIMED`), 10_000);
    await expect.poll(async () => (await builder.jobs.attempts(job.id))[0]?.status, { timeout: 10_000, interval: 100 }).toBe('failed'); // the report follows the log line
    const [first] = await builder.jobs.attempts(job.id);
    expect(first?.endReason).toMatch(/^GPU_RECLAIMED: GPU \d was taken back by its donor \(paused/);
    const stoppedAt = first?.checkpoints.at(-1)?.step;
    expect(stoppedAt).toBeGreaterThan(0);
    expect((await builder.jobs.get(job.id)).status).toBe('queued'); // no other donor, and this one is paused

    expect((await agentCommand(['resume', ...control])).code).toBe(0);
    await donorAgent.waitFor(new RegExp(`job ${job.id}: attempt 2 started on .*, resuming from step ${stoppedAt}\\b`), 30_000);
    expect((await builder.jobs.cancel(job.id)).status).toBe('cancelled');
  });
});
