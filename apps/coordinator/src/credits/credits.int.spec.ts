import { ReceiptSchema, StatsExportHeaderSchema, StatsExportRowSchema } from '@potluck/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../testing/rejection.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';
import { BoardSync } from './board-sync.service.js';
import { dayOf, dayString } from './board-math.js';
import { StatsExportService } from './stats-export.service.js';
import { boardsCommand } from './boards-command.js';
import { BoardsStore } from './boards.store.js';
import { RedisService } from '../redis/redis.service.js';
import { CreditFlow } from './credit-flow.service.js';
import { finishedAttempt, makeDataset, makeDonor, makeFineTune, sendTelemetry, type Donor } from '../testing/credit-fixtures.js';

let t: TestApp;
let flow: CreditFlow;
let boards: BoardSync;

beforeAll(async () => {
  t = await startTestApp({ POTLUCK_ALLOW_SIMULATED_CREDIT: 'true' });
  flow = t.app.get(CreditFlow);
  boards = t.app.get(BoardSync);
});

afterAll(async () => {
  expect(await t.serverErrors()).toBe(0);
  await t.close();
});

const RESULT = { tokens: 48_000, flops: 5_935_104_000, heldOutLoss: 2.5, adapterSha256: 'a'.repeat(64) };

/** A donor fine-tuned for 10 s at full utilisation (telemetry every 5 s) and reported `result`. */
async function fineTuned(donor: Donor, builder: Donor, dataset: { datasetId: string }, result: Record<string, unknown> = RESULT) {
  const start = Date.now() - 20_000;
  await sendTelemetry(t, donor, [0, 5000, 10_000].map((dt) => ({ at: start + dt, util: 100, power: 360 })));
  const jobId = await makeFineTune(t, builder, dataset, result);
  const attemptId = await finishedAttempt(t, jobId, donor, start, start + 10_000, { tokens: 48_000 });
  return { jobId, attemptId };
}

async function entries(attemptId: string) {
  return t.prisma.creditLedgerEntry.findMany({ where: { attemptId }, orderBy: { createdAt: 'asc' } });
}

/** The eval that validates a subject attempt finishes on `validator` with this loss. */
async function evalFinishes(subjectAttemptId: string, round: number, validator: Donor, loss: number): Promise<string> {
  const validation = await t.prisma.creditValidation.findFirstOrThrow({ where: { subjectAttemptId, round }, orderBy: { retry: 'desc' } });
  await t.prisma.job.update({ where: { id: validation.validatorJobId }, data: { status: 'SUCCEEDED', result: { loss, tokens: 1000 } } });
  const start = Date.now() - 10_000;
  await sendTelemetry(t, validator, [0, 5000].map((dt) => ({ at: start + dt, util: 100 })));
  const attemptId = await finishedAttempt(t, validation.validatorJobId, validator, start, start + 5000);
  await flow.process(attemptId);
  return attemptId;
}

describe('the credit ledger', () => {
  it('claims a succeeded fine-tune within its telemetry bound, marks it pending, and schedules an eval on another donor', async () => {
    const [builder, donor] = [await makeDonor(t), await makeDonor(t)];
    const dataset = await makeDataset(t, builder);
    const { jobId, attemptId } = await fineTuned(donor, builder, dataset);
    await flow.process(attemptId);
    await flow.process(attemptId); // a replayed event changes nothing
    const rows = await entries(attemptId);
    expect(rows.map((row) => row.state)).toEqual(['CLAIMED', 'PENDING']);
    expect(rows[0]?.amount.toFixed()).toBe('0.000005935104');
    expect(rows[0]?.inputs).toMatchObject({ claimed: { source: 'reported', flops: '5935104000' }, bounded: { capped: false }, gpuClass: 'GeForce RTX 4090', flagged: false });
    const validation = await t.prisma.creditValidation.findFirstOrThrow({ where: { subjectAttemptId: attemptId } });
    const evalJob = await t.prisma.job.findUniqueOrThrow({ where: { id: validation.validatorJobId } });
    expect(evalJob).toMatchObject({ kind: 'EVAL', ownerId: builder.userId, status: 'QUEUED', spec: { kind: 'eval', adapterFromJob: jobId, split: 'held-out' } });
    expect(evalJob.requirements).toMatchObject({ excludeDonors: [donor.userId] });
  });

  it('gives the development no-op runtime nothing, and the sweep leaves it alone', async () => {
    const [builder, donor] = [await makeDonor(t), await makeDonor(t)];
    const job = await t.prisma.job.create({ data: { ownerId: builder.userId, kind: 'FINE_TUNE', status: 'SUCCEEDED', spec: {}, requirements: { runtime: 'noop' }, result: { kind: 'noop' } } });
    const attemptId = await finishedAttempt(t, job.id, donor, Date.now() - 2000, Date.now() - 1000);
    await flow.process(attemptId);
    await flow.sweep(Date.now());
    expect(await entries(attemptId)).toEqual([]);
  });

  it('caps a claim above the telemetry bound to the bound and flags it', async () => {
    const [builder, donor] = [await makeDonor(t), await makeDonor(t)];
    const dataset = await makeDataset(t, builder);
    // 10 s at 100 % on an RTX 4090 (82.6 TFLOPS fp32, 0.75 efficiency) bounds the claim at 6.195e14 FLOPs.
    const { attemptId } = await fineTuned(donor, builder, dataset, { ...RESULT, flops: 1e16 });
    const claim = await t.app.get(CreditFlow).process(attemptId).then(() => entries(attemptId));
    expect(claim[0]?.inputs).toMatchObject({ bounded: { capped: true, boundFlops: '619500000000000', grantedFlops: '619500000000000' }, flagged: true });
    expect(claim[0]?.amount.toFixed()).toBe('0.6195');
    expect(claim[0]?.reason).toMatch(/capped to the bound and flagged/);
  });

  it('grants when the eval reproduces the loss: data credit to the dataset contributor, CV up, boards and a receipt that verifies', async () => {
    const [builder, donor, validator] = [await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    const dataset = await makeDataset(t, builder);
    const { attemptId } = await fineTuned(donor, builder, dataset);
    await flow.process(attemptId);
    const validatorAttempt = await evalFinishes(attemptId, 1, validator, 2.505);
    await flow.process(validatorAttempt); // replay
    const rows = await entries(attemptId);
    expect(rows.filter((row) => row.state === 'GRANTED' && row.kind === 'COMPUTE')).toHaveLength(1);
    const data = rows.filter((row) => row.kind === 'DATA');
    expect(data.map((row) => [row.userId, row.amount.toFixed()])).toEqual([[builder.userId, '0.0000005935104']]);
    expect((await entries(validatorAttempt)).map((row) => `${row.kind}:${row.state}`)).toEqual(['VALIDATION:CLAIMED', 'VALIDATION:GRANTED']);
    expect(await t.prisma.agent.findUniqueOrThrow({ where: { id: donor.agentId } })).toMatchObject({ consecutiveValid: 1, trustLevel: 1 });

    const board = await t.anonymous.credits.board({ window: 'all', kind: 'compute' });
    expect(board.items.find((row) => row.id === donor.userId)).toMatchObject({ handle: donor.handle, credit: '0.000005935' });
    const mine = await donor.client.credits.board({ window: '7d', kind: 'total' });
    expect(mine.me).toMatchObject({ id: donor.userId, credit: '0.000005935' });
    expect(await boards.check(Date.now())).toEqual([]);

    const profile = await donor.client.credits.profile(donor.handle);
    expect(profile.granted.compute).toBe('0.000005935104');
    expect(profile.pending).toEqual({ compute: '0', data: '0', validation: '0', total: '0' });
    expect(Number(profile.energyWh)).toBeCloseTo((360 * 10) / 3600, 6);
    expect((await t.anonymous.credits.profile(donor.handle)).pending).toBeNull();
    const builderProfile = await t.anonymous.credits.profile(builder.handle);
    expect(builderProfile.helpedTrain[0]).toMatchObject({ jobKind: 'fine-tune', datasetId: dataset.datasetId, depth: 0 });

    const receipts = await donor.client.receipts.list();
    const receipt = receipts.items.find((item) => item.body.attemptId === attemptId && item.body.kind === 'compute');
    expect(receipt?.body).toMatchObject({ state: 'granted', gpuModels: ['NVIDIA GeForce RTX 4090'], flopsClaimed: '5935104000', capped: false, validation: { status: 'validated', reportedLoss: 2.5, reproducedLoss: 2.505 } });
    expect((await t.anonymous.receipts.verify(ReceiptSchema.parse(receipt))).valid).toBe(true);
    const tampered = { ...(receipt as NonNullable<typeof receipt>), body: { ...(receipt as NonNullable<typeof receipt>).body, credit: '1.000005935104' } };
    expect(await t.anonymous.receipts.verify(tampered)).toMatchObject({ valid: false, reason: 'bad-signature' });
  });

  it('splits data credit along two levels of lineage: the derived dataset\'s owner, its parent\'s, and the grandparent\'s contributors', async () => {
    const [alice, bob, carol, donor, validator] = [await makeDonor(t), await makeDonor(t), await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    const raw = await makeDataset(t, alice);
    const merged = await makeDataset(t, bob);
    const filtered = await makeDataset(t, carol);
    await t.prisma.datasetLineage.createMany({ data: [{ childId: merged.versionId, parentId: raw.versionId }, { childId: filtered.versionId, parentId: merged.versionId }] });
    // Carol built the fine-tune on her filtered dataset; the donor ran it.
    const { attemptId } = await fineTuned(donor, carol, filtered);
    await flow.process(attemptId);
    await evalFinishes(attemptId, 1, validator, 2.5);
    const data = (await entries(attemptId)).filter((row) => row.kind === 'DATA');
    // α × 0.000005935104 = 0.0000005935104: Carol keeps half, Bob half of the rest, Alice the last quarter.
    expect(Object.fromEntries(data.map((row) => [row.userId, row.amount.toFixed()]))).toEqual({
      [carol.userId]: '0.0000002967552',
      [bob.userId]: '0.0000001483776',
      [alice.userId]: '0.0000001483776',
    });
    const helped = (await t.anonymous.credits.profile(alice.handle)).helpedTrain;
    expect(helped[0]).toMatchObject({ jobKind: 'fine-tune', datasetId: raw.datasetId, viaDatasetId: filtered.datasetId, depth: 2 });
  });

  it('replaces a validation run whose job failed (same round, next retry, same excluded donor), and decides on the replacement', async () => {
    const [builder, donor, validator] = [await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    const { attemptId } = await fineTuned(donor, builder, await makeDataset(t, builder));
    await flow.process(attemptId);
    const first = await t.prisma.creditValidation.findFirstOrThrow({ where: { subjectAttemptId: attemptId, round: 1 } });
    await t.prisma.job.update({ where: { id: first.validatorJobId }, data: { status: 'FAILED', finishedAt: new Date(), errorCode: 'ATTEMPTS_EXHAUSTED' } });
    await flow.sweep(Date.now());
    await flow.sweep(Date.now()); // a second sweep adds nothing
    const retries = await t.prisma.creditValidation.findMany({ where: { subjectAttemptId: attemptId }, orderBy: { retry: 'asc' } });
    expect(retries.map((row) => [row.round, row.retry])).toEqual([[1, 0], [1, 1]]);
    const replacement = await t.prisma.job.findUniqueOrThrow({ where: { id: retries[1]?.validatorJobId ?? '' } });
    expect(replacement).toMatchObject({ kind: 'EVAL', status: 'QUEUED', requirements: { excludeDonors: [donor.userId] } });
    await evalFinishes(attemptId, 1, validator, 2.5);
    expect((await entries(attemptId)).filter((row) => row.kind === 'COMPUTE').map((row) => row.state)).toEqual(['CLAIMED', 'PENDING', 'GRANTED']);
  });

  it('settles a disagreement with a third run: the wrong fine-tune result is revoked and its agent CV resets', async () => {
    const [builder, donor, v1, v2] = [await makeDonor(t), await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    await t.prisma.agent.update({ where: { id: donor.agentId }, data: { consecutiveValid: 7, trustLevel: 1 } });
    const dataset = await makeDataset(t, builder);
    const { attemptId } = await fineTuned(donor, builder, dataset, { ...RESULT, heldOutLoss: 0.4 }); // claims a loss far better than reality
    await flow.process(attemptId);
    const first = await evalFinishes(attemptId, 1, v1, 2.5);
    const round2 = await t.prisma.creditValidation.findFirstOrThrow({ where: { subjectAttemptId: attemptId, round: 2 } });
    expect((await t.prisma.job.findUniqueOrThrow({ where: { id: round2.validatorJobId } })).requirements).toMatchObject({ excludeDonors: [donor.userId, v1.userId] });
    const second = await evalFinishes(attemptId, 2, v2, 2.49);
    expect((await entries(attemptId)).map((row) => row.state)).toEqual(['CLAIMED', 'PENDING', 'REVOKED']);
    expect(await t.prisma.agent.findUniqueOrThrow({ where: { id: donor.agentId } })).toMatchObject({ consecutiveValid: 0, trustLevel: 0 });
    for (const validatorAttempt of [first, second]) expect((await entries(validatorAttempt)).map((row) => row.state)).toEqual(['CLAIMED', 'GRANTED']);
    const receipts = await donor.client.receipts.list({ jobId: (await entries(attemptId))[0]?.jobId ?? '' });
    expect(receipts.items[0]?.body).toMatchObject({ state: 'revoked', credit: '0', validation: { status: 'invalid' } });
    expect(await boards.check(Date.now())).toEqual([]);
  });

  it('credits a lost attempt whose checkpoint the successor resumed from, once the final result validates', async () => {
    const [builder, first, second, validator] = [await makeDonor(t), await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    const dataset = await makeDataset(t, builder);
    const start = Date.now() - 40_000;
    await sendTelemetry(t, first, [0, 5000, 10_000].map((dt) => ({ at: start + dt, util: 100 })));
    await sendTelemetry(t, second, [20_000, 25_000, 30_000].map((dt) => ({ at: start + dt, util: 100 })));
    const jobId = await makeFineTune(t, builder, dataset, RESULT);
    const lost = await finishedAttempt(t, jobId, first, start, start + 12_000, { status: 'LOST', tokens: 20_000 });
    const artifact = await t.prisma.artifact.create({ data: { sha256: uniqueId('c').padEnd(64, '0').slice(0, 64), sizeBytes: 1n, mediaType: 'x', storageKey: uniqueId('k') } });
    const checkpoint = await t.prisma.checkpoint.create({ data: { jobId, attemptId: lost, step: 50, tokens: 20_000n, artifactId: artifact.id } });
    const final = await finishedAttempt(t, jobId, second, start + 20_000, start + 30_000, { attemptNo: 2, tokens: 48_000, resumedFromId: checkpoint.id });
    await flow.process(final);
    expect(await entries(lost)).toEqual([]);
    await evalFinishes(final, 1, validator, 2.5);
    const partial = await entries(lost);
    expect(partial.map((row) => `${row.kind}:${row.state}`)).toEqual(expect.arrayContaining(['COMPUTE:CLAIMED', 'COMPUTE:GRANTED', 'DATA:GRANTED']));
    // 4 × 30,912 parameters × 20,000 tokens by the formula; the successor claims the other 28,000 tokens.
    expect(partial.find((row) => row.state === 'GRANTED' && row.kind === 'COMPUTE')?.amount.toFixed()).toBe('0.00000247296');
    expect((await entries(final)).find((row) => row.state === 'CLAIMED')?.inputs).toMatchObject({ tokens: '28000', claimed: { source: 'formula' } });
  });
});

describe('adaptive replication of eval jobs', () => {
  async function evalJob(builder: Donor, dataset: { datasetId: string }, loss: number) {
    const job = await t.prisma.job.create({
      data: { ownerId: builder.userId, kind: 'EVAL', status: 'SUCCEEDED', spec: { kind: 'eval', baseModel: 'potluck-tiny-byte-v1', dataset: { datasetId: dataset.datasetId, version: 1 }, split: 'all', heldOutFraction: 0.1, metrics: ['loss'] }, requirements: {}, result: { kind: 'eval', loss, tokens: 5000, flops: 309_120_000 } },
    });
    return job.id;
  }

  it('replicates an untrusted agent\'s eval on another donor; agreement grants both and raises CV', async () => {
    const [builder, donor, other] = [await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    const dataset = await makeDataset(t, builder);
    const start = Date.now() - 10_000;
    await sendTelemetry(t, donor, [0, 5000].map((dt) => ({ at: start + dt, util: 100 })));
    const attemptId = await finishedAttempt(t, await evalJob(builder, dataset, 3.1), donor, start, start + 5000);
    await flow.process(attemptId);
    expect((await entries(attemptId)).map((row) => row.state)).toEqual(['CLAIMED', 'PENDING']);
    const replica = await t.prisma.creditValidation.findFirstOrThrow({ where: { subjectAttemptId: attemptId, round: 1 } });
    expect(replica.purpose).toBe('replicate');
    expect((await t.prisma.job.findUniqueOrThrow({ where: { id: replica.validatorJobId } })).requirements).toMatchObject({ excludeDonors: [donor.userId] });
    await evalFinishes(attemptId, 1, other, 3.1);
    const own = (await entries(attemptId)).filter((row) => row.kind !== 'DATA');
    expect(own.map((row) => row.state)).toEqual(['CLAIMED', 'PENDING', 'GRANTED']);
    expect(own.at(-1)?.inputs).toMatchObject({ validation: { status: 'replicated-agree' } });
    expect((await t.prisma.agent.findUniqueOrThrow({ where: { id: other.agentId } })).consecutiveValid).toBe(1);
  });

  it('grants a trusted agent\'s eval unreplicated when the 1/CV draw says so', async () => {
    const [builder, donor] = [await makeDonor(t), await makeDonor(t)];
    await t.prisma.agent.update({ where: { id: donor.agentId }, data: { consecutiveValid: 1_000_000_000, trustLevel: 3 } });
    const dataset = await makeDataset(t, builder);
    const start = Date.now() - 10_000;
    await sendTelemetry(t, donor, [0, 5000].map((dt) => ({ at: start + dt, util: 100 })));
    const attemptId = await finishedAttempt(t, await evalJob(builder, dataset, 3.1), donor, start, start + 5000);
    await flow.process(attemptId);
    const rows = (await entries(attemptId)).filter((row) => row.kind !== 'DATA');
    expect(rows.map((row) => row.state)).toEqual(['CLAIMED', 'GRANTED']);
    expect(rows[1]?.inputs).toMatchObject({ validation: { status: 'not-required' } });
    expect(await t.prisma.creditValidation.count({ where: { subjectAttemptId: attemptId } })).toBe(0);
  });
});

describe('receipts', () => {
  it('lists receipts page by page, newest first, with no entry lost or repeated where several share a timestamp', async () => {
    const donor = await makeDonor(t);
    const now = Date.now();
    const at = (ms: number) => new Date(now - 10 + ms);
    const times = [at(3), at(2), at(2), at(2), at(2), at(2), at(1)]; // a page boundary falls inside the shared one
    await t.prisma.creditLedgerEntry.createMany({
      data: times.map((createdAt, i) => ({ idempotencyKey: uniqueId(`paging-${i}-`), userId: donor.userId, kind: 'COMPUTE' as const, state: 'GRANTED' as const, amount: '1', reason: 'paging', inputs: {}, createdAt })),
    });
    await boards.catchUp(Date.now(), now - 60_000); // onto the boards too, as the other tests check them against the ledger
    const expected = (await t.prisma.creditLedgerEntry.findMany({ where: { userId: donor.userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { id: true } })).map((row) => row.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await donor.client.receipts.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((receipt) => receipt.body.entryId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(7);
  });
});

describe('npm run credit-boards', () => {
  it('check exits 1 when a board drifts from the ledger, rebuild repairs it, check exits 0', async () => {
    const [builder, donor, validator] = [await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    const { attemptId } = await fineTuned(donor, builder, await makeDataset(t, builder));
    await flow.process(attemptId);
    await evalFinishes(attemptId, 1, validator, 2.5);
    const lines: string[] = [];
    expect(await boardsCommand(['check'], t.config, (line) => lines.push(line))).toBe(0);
    await t.app.get(RedisService).client.hincrby(`${t.app.get(BoardsStore).prefix}tot:all:compute:contributors`, donor.userId, 1);
    expect(await boardsCommand(['check'], t.config, (line) => lines.push(line))).toBe(1);
    expect(lines.join('')).toContain(`differs: all compute contributors ${donor.userId}`);
    expect(await boardsCommand(['rebuild'], t.config, (line) => lines.push(line))).toBe(0);
    expect(await boardsCommand(['check'], t.config, (line) => lines.push(line))).toBe(0);
    expect(await boardsCommand(['nonsense'], t.config, (line) => lines.push(line))).toBe(64);
  });
});

describe('the daily stats export', () => {
  it('writes a closed day once as versioned JSON lines, serves it publicly, and refuses days not closed', async () => {
    const [builder, donor, validator] = [await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    const { attemptId } = await fineTuned(donor, builder, await makeDataset(t, builder));
    await flow.process(attemptId);
    await evalFinishes(attemptId, 1, validator, 2.5);
    // Today's snapshot, written directly (the public route serves closed days only).
    const today = dayOf(Date.now());
    const content = await t.app.get(StatsExportService).ensure(today, Date.now());
    const [header, ...rows] = content.trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(StatsExportHeaderSchema.parse(header)).toMatchObject({ v: 1, day: dayString(today) });
    const parsed = rows.map((row) => StatsExportRowSchema.parse(row));
    expect(parsed.find((row) => row.id === donor.userId)).toMatchObject({ type: 'contributor', handle: donor.handle, compute: '0.000005935104', total: '0.000005935104' });
    expect(parsed.filter((row) => row.type === 'contributor').map((row) => row.rank)).toEqual(parsed.filter((row) => row.type === 'contributor').map((_, i) => i + 1));
    expect(await t.app.get(StatsExportService).ensure(today, Date.now() + 60_000)).toBe(content); // written once, never changed

    const yesterday = dayString(today - 1);
    const file = await t.anonymous.stats.export(yesterday);
    expect(file.header).toMatchObject({ v: 1, type: 'header', day: yesterday, contributors: 0 });
    expect((await t.anonymous.stats.days()).days).toContain(yesterday);
    expect((await rejection(t.anonymous.stats.export(dayString(today + 1)))).status).toBe(404);
  });
});

describe('teams', () => {
  it('creates, joins and leaves with history; team totals count credit earned while a member', async () => {
    const [alice, bob] = [await makeDonor(t), await makeDonor(t)];
    const slug = uniqueId('team-').toLowerCase().replace(/[^a-z0-9-]/g, '');
    const team = await alice.client.teams.create({ slug, name: 'Night owls' });
    expect(team).toMatchObject({ slug, memberCount: 1, members: [{ handle: alice.handle, leftAt: null }] });
    expect((await rejection(bob.client.teams.create({ slug, name: 'dup' }))).status).toBe(409);
    await bob.client.teams.join(slug);
    expect((await t.anonymous.teams.get(slug)).memberCount).toBe(2);
    const left = await bob.client.teams.leave();
    expect(left.leftAt).not.toBeNull();
    expect((await rejection(bob.client.teams.leave())).status).toBe(404);
    expect((await bob.client.teams.history()).map((stint) => stint.slug)).toEqual([slug]);
    expect((await rejection(t.anonymous.teams.join(slug))).status).toBe(401);

    // Alice earns while a member: the team gets it; after she leaves, it does not.
    const builder = await makeDonor(t);
    const dataset = await makeDataset(t, builder);
    const validator = await makeDonor(t);
    const { attemptId } = await fineTuned(alice, builder, dataset);
    await flow.process(attemptId);
    await evalFinishes(attemptId, 1, validator, 2.5);
    await alice.client.teams.leave();
    const second = await fineTuned(alice, builder, dataset);
    await flow.process(second.attemptId);
    await evalFinishes(second.attemptId, 1, validator, 2.5);
    const detail = await t.anonymous.teams.get(slug);
    expect(detail.totals.compute).toBe('0.000005935');
    expect(detail.members.find((member) => member.handle === alice.handle)?.credit).toBe('0.000005935104');
    const teamBoard = await t.anonymous.credits.board({ scope: 'teams', kind: 'compute' });
    expect(teamBoard.items.find((row) => row.id === team.id)).toMatchObject({ handle: slug, credit: '0.000005935' });
    expect(await boards.check(Date.now())).toEqual([]);
  });
});
