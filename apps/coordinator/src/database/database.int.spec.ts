import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { createTestDatabase, uniqueId, type TestDatabase } from '../testing/test-database.js';
import { migrate, MigrationError, readMigrations } from './migrator.js';
import { isUniqueViolation } from './prisma-errors.js';
import { createPrismaClient } from './prisma.service.js';

let database: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  prisma = createPrismaClient(database.url);
});

afterAll(async () => {
  await prisma.$disconnect();
  await database.drop();
});

describe('migrations', () => {
  it('are idempotent: a second run applies nothing', async () => {
    expect(await migrate(database.url)).toEqual([]);
  });

  it('apply concurrently exactly once (advisory lock)', async () => {
    const fresh = await createTestDatabase({ migrated: false });
    try {
      const results = await Promise.all([migrate(fresh.url), migrate(fresh.url), migrate(fresh.url)]);
      const all = (await readMigrations()).map((migration) => migration.name);
      expect(all.slice(0, 5)).toEqual(['20261127000000_init', '20261127010000_telemetry_minutes', '20261128020000_credits', '20261128030000_pipeline_steps', '20261128040000_validation_retries']);
      expect(results.flat()).toEqual(all); // each one once, in order, by whichever run took the lock
    } finally {
      await fresh.drop();
    }
  });

  it('refuse to start when an applied migration was edited', async () => {
    const fresh = await createTestDatabase({ migrated: false });
    const dir = await mkdtemp(join(tmpdir(), 'potluck-migrations-'));
    try {
      await mkdir(join(dir, '001_one'));
      await writeFile(join(dir, '001_one', 'migration.sql'), 'CREATE TABLE one (id int);');
      expect(await migrate(fresh.url, dir)).toEqual(['001_one']);
      await writeFile(join(dir, '001_one', 'migration.sql'), 'CREATE TABLE one (id bigint);');
      await expect(migrate(fresh.url, dir)).rejects.toThrow(MigrationError);
    } finally {
      await fresh.drop();
    }
  });

  it('roll back a failing migration as a whole', async () => {
    const fresh = await createTestDatabase({ migrated: false });
    const dir = await mkdtemp(join(tmpdir(), 'potluck-migrations-'));
    try {
      await mkdir(join(dir, '001_broken'));
      await writeFile(join(dir, '001_broken', 'migration.sql'), 'CREATE TABLE half (id int); SELECT no_such_function();');
      await expect(migrate(fresh.url, dir)).rejects.toThrow(/001_broken failed/);
      const client = createPrismaClient(fresh.url);
      const tables = await client.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_tables WHERE tablename = 'half'`;
      await client.$disconnect();
      expect(Number(tables[0]?.n)).toBe(0);
    } finally {
      await fresh.drop();
    }
  });
});

describe('every model works against the migrated schema', () => {
  it('creates and reads a full graph: users, teams, keys, agents, GPUs, datasets, jobs, attempts, checkpoints, ledger, audit', async () => {
    const owner = await prisma.user.create({ data: { handle: uniqueId('u'), displayName: 'Ada', roles: ['BUILDER', 'DONOR'], email: `${uniqueId('e')}@example.org` } });
    const team = await prisma.team.create({ data: { slug: uniqueId('team-'), name: 'Night owls', createdById: owner.id } });
    const membership = await prisma.teamMembership.create({ data: { teamId: team.id, userId: owner.id } });
    const apiKey = await prisma.apiKey.create({ data: { userId: owner.id, name: 'laptop', prefix: 'pk_abc', hash: uniqueId('h') } });
    const agent = await prisma.agent.create({ data: { ownerId: owner.id, name: 'rig-1', tokenPrefix: 'pat_x', tokenHash: uniqueId('t'), simulated: true } });
    const gpu = await prisma.gpu.create({
      data: { agentId: agent.id, deviceId: 'GPU-1', gpuIndex: 0, name: 'NVIDIA GeForce RTX 4090', memoryTotalMiB: 24564, computeCapability: '8.9', architecture: 'ada' },
    });
    const artifact = await prisma.artifact.create({
      data: { sha256: uniqueId('sha'), sizeBytes: 5_000_000_000n, mediaType: 'application/jsonl', storageKey: 'ab/cd', createdById: owner.id },
    });
    const dataset = await prisma.dataset.create({ data: { ownerId: owner.id, name: 'chats', licence: 'CC-BY-4.0', visibility: 'PUBLIC' } });
    await prisma.datasetContributor.create({ data: { datasetId: dataset.id, userId: owner.id, share: new Prisma.Decimal('1') } });
    const v1 = await prisma.datasetVersion.create({
      data: { datasetId: dataset.id, version: 1, artifactId: artifact.id, form: 'CHAT', rows: 10, bytes: 1000n, estimatedTokens: 250n, duplicateRate: 0.1 },
    });
    const job = await prisma.job.create({
      data: { ownerId: owner.id, kind: 'FINE_TUNE', spec: { baseModel: 'tiny' }, requirements: { minVramMiB: 4096 }, idempotencyKey: 'k1' },
    });
    const step = await prisma.job.create({ data: { ownerId: owner.id, kind: 'EVAL', spec: {}, requirements: {}, parentJobId: job.id } });
    const v2 = await prisma.datasetVersion.create({
      data: { datasetId: dataset.id, version: 2, artifactId: artifact.id, form: 'CHAT', rows: 9, bytes: 900n, estimatedTokens: 225n, duplicateRate: 0, producedByJobId: job.id },
    });
    await prisma.datasetLineage.create({ data: { childId: v2.id, parentId: v1.id } });
    const attempt = await prisma.jobAttempt.create({
      data: { jobId: job.id, attemptNo: 1, agentId: agent.id, deviceIds: ['GPU-1'], leaseExpiresAt: new Date(Date.now() + 60_000), tokens: 1234n },
    });
    const checkpoint = await prisma.checkpoint.create({ data: { jobId: job.id, attemptId: attempt.id, step: 100, tokens: 1234n, artifactId: artifact.id } });
    const successor = await prisma.jobAttempt.create({
      data: { jobId: job.id, attemptNo: 2, agentId: agent.id, deviceIds: [], leaseExpiresAt: new Date(), resumedFromId: checkpoint.id },
    });
    const credit = await prisma.creditLedgerEntry.create({
      data: {
        idempotencyKey: `claim:${attempt.id}`, userId: owner.id, agentId: agent.id, jobId: job.id, attemptId: attempt.id,
        kind: 'COMPUTE', state: 'CLAIMED', amount: new Prisma.Decimal('0.000000000000000001'), reason: 'attempt completed', inputs: { tokens: 1234 },
      },
    });
    const minute = await prisma.telemetryMinute.create({
      data: { agentId: agent.id, gpuUuid: 'GPU-1', minute: new Date('2026-11-27T10:00:00Z'), samples: 12, utilizationAvg: 55.5, powerMax: 300, energyWh: 4.2, coveredSeconds: 60 },
    });
    const audit = await prisma.auditLog.create({ data: { actorUserId: owner.id, action: 'test', targetType: 'job', targetId: job.id, details: { ok: true } } });

    const loaded = await prisma.user.findUniqueOrThrow({
      where: { id: owner.id },
      include: { apiKeys: true, agents: { include: { gpus: true, attempts: true } }, memberships: { include: { team: true } }, datasets: { include: { versions: { include: { parents: true } } } }, jobs: { include: { steps: true, checkpoints: true } }, creditEntries: true, auditEntries: true },
    });
    expect(loaded.apiKeys.map((k) => k.id)).toEqual([apiKey.id]);
    expect(loaded.agents[0]?.gpus[0]?.id).toBe(gpu.id);
    expect(loaded.agents[0]?.attempts).toHaveLength(2);
    expect(loaded.memberships[0]?.id).toBe(membership.id);
    expect(loaded.memberships[0]?.team.name).toBe('Night owls');
    const versions = loaded.datasets[0]?.versions ?? [];
    expect(versions.find((v) => v.id === v2.id)?.parents[0]?.parentId).toBe(v1.id);
    expect(loaded.jobs.find((j) => j.id === job.id)?.steps.map((s) => s.id)).toEqual([step.id]);
    expect(loaded.jobs.find((j) => j.id === job.id)?.checkpoints[0]?.id).toBe(checkpoint.id);
    expect(loaded.creditEntries[0]?.amount.toString()).toBe('1e-18');
    expect(credit.amount.toFixed(18)).toBe('0.000000000000000001');
    expect(loaded.auditEntries[0]?.id).toBe(audit.id);
    expect((await prisma.agent.findUniqueOrThrow({ where: { id: agent.id }, include: { telemetryMinutes: true } })).telemetryMinutes[0]?.energyWh).toBe(minute.energyWh);
    expect((await prisma.jobAttempt.findUniqueOrThrow({ where: { id: successor.id }, include: { resumedFrom: true } })).resumedFrom?.id).toBe(checkpoint.id);
    expect((await prisma.artifact.findUniqueOrThrow({ where: { id: artifact.id } })).sizeBytes).toBe(5_000_000_000n);
  });

  it('enforces the unique keys idempotency relies on', async () => {
    const user = await prisma.user.create({ data: { handle: uniqueId('u'), displayName: 'B', roles: ['BUILDER'] } });
    const team = await prisma.team.create({ data: { slug: uniqueId('t-'), name: 'T', createdById: user.id } });
    await prisma.creditLedgerEntry.create({
      data: { idempotencyKey: 'grant:once', userId: user.id, kind: 'COMPUTE', state: 'GRANTED', amount: 1, reason: 'r', inputs: {} },
    });
    const duplicate = prisma.creditLedgerEntry.create({
      data: { idempotencyKey: 'grant:once', userId: user.id, kind: 'COMPUTE', state: 'GRANTED', amount: 1, reason: 'r', inputs: {} },
    });
    await expect(duplicate).rejects.toSatisfy(isUniqueViolation);
    await prisma.job.create({ data: { ownerId: user.id, kind: 'EVAL', spec: {}, requirements: {}, idempotencyKey: 'same' } });
    await expect(prisma.job.create({ data: { ownerId: user.id, kind: 'EVAL', spec: {}, requirements: {}, idempotencyKey: 'same' } })).rejects.toSatisfy(isUniqueViolation);
    await prisma.teamMembership.create({ data: { teamId: team.id, userId: user.id } });
    await expect(prisma.teamMembership.create({ data: { teamId: team.id, userId: user.id } })).rejects.toSatisfy(isUniqueViolation);
  });

  it('keeps the credit ledger append-only', async () => {
    const user = await prisma.user.create({ data: { handle: uniqueId('u'), displayName: 'C', roles: ['DONOR'] } });
    const entry = await prisma.creditLedgerEntry.create({
      data: { idempotencyKey: uniqueId('k'), userId: user.id, kind: 'DATA', state: 'PENDING', amount: 2, reason: 'r', inputs: {} },
    });
    await expect(prisma.creditLedgerEntry.update({ where: { id: entry.id }, data: { state: 'GRANTED' } })).rejects.toThrow(/append-only/);
    await expect(prisma.creditLedgerEntry.delete({ where: { id: entry.id } })).rejects.toThrow(/append-only/);
  });
});
