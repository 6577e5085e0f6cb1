import type { TelemetrySample } from '@potluck/protocol';
import type { PotluckClient } from '@potluck/sdk';
import { randomUUID } from 'node:crypto';
import { PresenceStore } from '../fleet/presence.store.js';
import type { TestApp } from './test-app.js';
import { uniqueId } from './test-database.js';

/** Test fixtures for the credit path: donors with an agent and a GPU on record, jobs and finished attempts. */
export interface Donor {
  userId: string;
  handle: string;
  client: PotluckClient;
  agentId: string;
  gpuUuid: string;
}

export async function makeDonor(t: TestApp, gpuName = 'NVIDIA GeForce RTX 4090'): Promise<Donor> {
  const handle = uniqueId('donor-');
  const created = await t.admin.users.create({ handle, displayName: handle, roles: ['BUILDER', 'DONOR'] });
  const client = t.anonymous.withApiKey(created.secret);
  const agent = await client.agents.create({ name: uniqueId('rig-') });
  const gpuUuid = `GPU-${randomUUID()}`;
  await t.prisma.gpu.create({ data: { agentId: agent.agent.id, deviceId: gpuUuid, gpuIndex: 0, name: gpuName, memoryTotalMiB: 24_564 } });
  return { userId: created.user.id, handle, client, agentId: agent.agent.id, gpuUuid };
}

/** Telemetry as the agent would have sent it: a live presence, then samples through the real store. */
export async function sendTelemetry(t: TestApp, donor: Donor, samples: readonly { at: number; util: number; power?: number }[]): Promise<void> {
  const presence = t.app.get(PresenceStore);
  const runId = randomUUID();
  const first = samples[0]?.at ?? Date.now();
  await presence.connect(
    { agentId: donor.agentId, ownerId: donor.userId, ownerHandle: donor.handle, name: 'rig', hostname: 'test', simulated: false, protocolVersion: 1, driverVersion: '550.54.14', cudaVersion: '12.4', runtimes: ['builtin'], devices: [] },
    { mode: 'active', reason: '', gpus: [], drainEta: null },
    randomUUID(),
    runId,
    first,
  );
  let seq = 0;
  for (const sample of samples) {
    const full: TelemetrySample = {
      gpuUuid: donor.gpuUuid,
      at: sample.at,
      utilizationGpuPct: sample.util,
      utilizationMemoryPct: null,
      memoryUsedMiB: null,
      memoryTotalMiB: null,
      temperatureC: null,
      powerDrawW: sample.power ?? 300,
      powerLimitW: null,
      clocksSmMHz: null,
      fanSpeedPct: null,
      pstate: null,
    };
    seq += 1;
    await presence.applyTelemetry(donor.agentId, runId, seq, [full], sample.at);
  }
}

export async function makeDataset(t: TestApp, owner: { userId: string }, estimatedTokens = 1000n): Promise<{ datasetId: string; versionId: string }> {
  const artifact = await t.prisma.artifact.create({ data: { sha256: randomUUID().replace(/-/g, '').padEnd(64, '0'), sizeBytes: 10n, mediaType: 'application/jsonl', storageKey: uniqueId('k-') } });
  const dataset = await t.prisma.dataset.create({ data: { ownerId: owner.userId, name: uniqueId('ds-'), licence: 'MIT', visibility: 'PUBLIC' } });
  const version = await t.prisma.datasetVersion.create({
    data: { datasetId: dataset.id, version: 1, artifactId: artifact.id, form: 'TEXT', rows: 10, bytes: 10n, estimatedTokens, duplicateRate: 0 },
  });
  return { datasetId: dataset.id, versionId: version.id };
}

export async function makeFineTune(t: TestApp, owner: { userId: string }, dataset: { datasetId: string }, result: Record<string, unknown>): Promise<string> {
  const job = await t.prisma.job.create({
    data: {
      ownerId: owner.userId,
      kind: 'FINE_TUNE',
      status: 'SUCCEEDED',
      spec: { kind: 'fine-tune', baseModel: 'potluck-tiny-byte-v1', datasets: [{ datasetId: dataset.datasetId, version: 1 }], method: 'lora', heldOutFraction: 0.1 },
      requirements: {},
      result: result as never,
    },
  });
  return job.id;
}

/** A succeeded attempt of `jobId` on the donor's agent over [startedAt, endedAt]. */
export async function finishedAttempt(t: TestApp, jobId: string, donor: Donor, startedAt: number, endedAt: number, options: { attemptNo?: number; status?: 'SUCCEEDED' | 'LOST'; tokens?: number; resumedFromId?: string } = {}): Promise<string> {
  const attempt = await t.prisma.jobAttempt.create({
    data: {
      jobId,
      attemptNo: options.attemptNo ?? 1,
      agentId: donor.agentId,
      deviceIds: [donor.gpuUuid],
      status: options.status ?? 'SUCCEEDED',
      leaseExpiresAt: new Date(endedAt),
      startedAt: new Date(startedAt),
      endedAt: new Date(endedAt),
      endReason: 'completed',
      tokens: BigInt(options.tokens ?? 0),
      ...(options.resumedFromId ? { resumedFromId: options.resumedFromId } : {}),
    },
  });
  return attempt.id;
}
