import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/config.js';
import { PgService } from '../database/pg.service.js';
import { createPrismaClient } from '../database/prisma.service.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { createTestDatabase, uniqueId, type TestDatabase } from '../testing/test-database.js';
import { DispatchRepository } from './dispatch.repository.js';

let database: TestDatabase;
let prisma: PrismaClient;
let pg: PgService;
let repository: DispatchRepository;

beforeAll(async () => {
  database = await createTestDatabase(); // its own database: candidates are read across every builder
  prisma = createPrismaClient(database.url);
  pg = new PgService({ DATABASE_URL: database.url } as AppConfig);
  repository = new DispatchRepository(pg);
});

afterAll(async () => {
  await pg.onApplicationShutdown();
  await prisma.$disconnect();
  await database.drop();
});

const builder = async () => (await prisma.user.create({ data: { handle: uniqueId('b-'), displayName: 'B', roles: ['BUILDER'] } })).id;
let clock = Date.parse('2026-12-01T00:00:00Z');
const job = async (ownerId: string, data: { status?: 'QUEUED' | 'RUNNING' | 'SUCCEEDED'; priority?: number; kind?: 'EVAL' | 'PIPELINE'; parentJobId?: string; stepIndex?: number } = {}) =>
  (
    await prisma.job.create({
      data: { ownerId, kind: data.kind ?? 'EVAL', spec: {}, requirements: {}, priority: data.priority ?? 0, status: data.status ?? 'QUEUED', parentJobId: data.parentJobId ?? null, stepIndex: data.stepIndex ?? null, createdAt: new Date((clock += 1000)) },
    })
  ).id;

describe('DispatchRepository.candidates', () => {
  it('orders builders by running jobs, then priority, then age; caps the list; leaves out pipelines and steps not yet due', async () => {
    const busy = await builder(); // two running jobs
    const idle = await builder();
    await job(busy, { status: 'RUNNING' });
    await job(busy, { status: 'RUNNING' });
    const busyOld = await job(busy, { priority: 9 });
    const idleOld = await job(idle);
    const idleUrgent = await job(idle, { priority: 5 });
    const idleNew = await job(idle);
    const pipeline = await job(idle, { kind: 'PIPELINE' });
    const firstStep = await job(idle, { parentJobId: pipeline, stepIndex: 0 });
    await job(idle, { parentJobId: pipeline, stepIndex: 1 }); // waits for step 0

    const all = await repository.candidates(100);
    expect(all.map((c) => c.id)).toEqual([idleUrgent, idleOld, idleNew, firstStep, busyOld]);
    expect(all.map((c) => c.running)).toEqual([0, 0, 0, 0, 2]);
    expect(all[0]).toMatchObject({ ownerId: idle, kind: 'EVAL', priority: 5 });

    expect((await repository.candidates(2)).map((c) => c.id)).toEqual([idleUrgent, idleOld]);

    await prisma.job.update({ where: { id: firstStep }, data: { status: 'SUCCEEDED' } });
    const afterStep = (await repository.candidates(100)).map((c) => c.id);
    expect(afterStep).toHaveLength(5); // step 1 is due now
    expect(afterStep).not.toContain(firstStep);
    expect(afterStep.at(-1)).toBe(busyOld);
  });
});

describe('DispatchRepository.claim', () => {
  it('claims a job once with its attempt, skips one another transaction holds locked without waiting, and busy follows the open attempt', async () => {
    const owner = await builder();
    const agent = await prisma.agent.create({ data: { ownerId: owner, name: 'rig', tokenPrefix: 'pa_x', tokenHash: uniqueId('hash-') } });
    const free = await job(owner);
    const locked = await job(owner);
    const now = Date.now();
    const lockHolder = await pg['pool'].connect();
    try {
      await lockHolder.query('BEGIN');
      await lockHolder.query('SELECT id FROM "Job" WHERE id = $1 FOR UPDATE', [locked]);
      const started = performance.now();
      const claimed = await repository.claim([{ jobId: locked, agentId: agent.id, deviceIds: ['GPU-0'] }, { jobId: free, agentId: agent.id, deviceIds: ['GPU-1'] }], 60_000, now);
      expect(performance.now() - started).toBeLessThan(2000); // a wait would last until the lock holder ends (below)
      expect(claimed.map((c) => [c.jobId, c.attemptNo, c.deviceIds])).toEqual([[free, 1, ['GPU-1']]]);
      await lockHolder.query('ROLLBACK');
    } finally {
      lockHolder.release();
    }
    expect((await prisma.job.findUniqueOrThrow({ where: { id: locked } })).status).toBe('QUEUED');
    expect(await repository.claim([{ jobId: free, agentId: agent.id, deviceIds: ['GPU-1'] }], 60_000, now)).toEqual([]); // taken already
    expect((await repository.agentStates([agent.id])).get(agent.id)).toEqual({ trustLevel: 0, busy: true });
    expect((await repository.claim([{ jobId: locked, agentId: agent.id, deviceIds: ['GPU-0'] }], 60_000, now)).map((c) => c.jobId)).toEqual([locked]);
  });
});
