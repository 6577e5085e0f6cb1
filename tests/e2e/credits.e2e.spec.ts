import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiptSchema, type Receipt } from '@potluck/protocol';
import { PotluckClient } from '@potluck/sdk';
import { sampleChatRows } from '@potluck/trainer';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCommand, startAgent } from '../support/agent.js';
import { startCoordinator, type CoordinatorProcess } from '../support/coordinator.js';
import { uniqueId } from '../support/database.js';
import { REPO_ROOT } from '../support/paths.js';
import type { Running } from '../support/process.js';

/**
 * Credits end to end: a real coordinator and real simulated agents. One cheats on purpose
 * (--simulate-fault: ten times the tokens and FLOPs it processed, and losses 1 nat lower than
 * the truth); two honest donors' agents run the coordinator's validation jobs. The maximum
 * efficiency is set so low that the tiny builtin model's tenfold claim must exceed what the
 * simulated RTX 4090 could have done.
 */
const work = mkdtempSync(join(tmpdir(), 'potluck-credits-'));
let coordinator: CoordinatorProcess;
let cheat: Running;
const honest: Running[] = [];
let builder: PotluckClient;
let donor: PotluckClient;
let db: pg.Client;
let cheatToken = '';
let cheatAgentId = '';
const validators: { userId: string; client: PotluckClient; socket: string }[] = [];

async function one<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await db.query(sql, params)).rows[0] as T | undefined;
}

/** The first row of a query, once there is one (polled with a deadline). */
async function row<T>(sql: string, params: unknown[], timeout = 15_000): Promise<T> {
  let found: T | undefined;
  await expect.poll(async () => (found = await one<T>(sql, params)), { timeout, interval: 250 }).toBeDefined();
  return found as T;
}

interface Claim {
  attemptId: string;
  amount: string;
  reason: string;
  inputs: { tokens: string; flagged: boolean; claimed: { flops: string }; bounded: { capped: boolean; grantedFlops: string; boundFlops: string } };
}

beforeAll(async () => {
  coordinator = await startCoordinator({
    POTLUCK_TELEMETRY_INTERVAL_MS: '1000',
    POTLUCK_ALLOW_SIMULATED_CREDIT: 'true',
    POTLUCK_BOARD_CATCHUP_EVERY_MS: '1000',
    POTLUCK_CREDITS_CONFIG: JSON.stringify({ maxEfficiency: 0.000001 }),
  });
  db = new pg.Client({ connectionString: coordinator.databaseUrl });
  await db.connect();
  const admin = new PotluckClient({ baseUrl: coordinator.url, apiKey: coordinator.adminKey });
  builder = admin.withApiKey((await admin.users.create({ handle: uniqueId('builder-'), displayName: 'Builder', roles: ['BUILDER'] })).secret);
  donor = admin.withApiKey((await admin.users.create({ handle: uniqueId('cheat-'), displayName: 'Cheat', roles: ['DONOR'] })).secret);
  for (const name of ['v1', 'v2']) {
    const created = await admin.users.create({ handle: uniqueId(`${name}-`), displayName: name, roles: ['DONOR'] });
    const client = admin.withApiKey(created.secret);
    validators.push({ userId: created.user.id, client, socket: join(work, `${name}.sock`) });
  }
  const registered = await donor.agents.create({ name: 'rig' });
  cheatToken = registered.token;
  cheatAgentId = registered.agent.id;
  cheat = startAgent(
    ['start', '--coordinator', coordinator.url, '--simulate', join(REPO_ROOT, 'examples/simulated-rig.csv'), '--simulate-fault', 'inflate-tokens=10,wrong-loss=-1', '--control-socket', join(work, 'agent.sock')],
    { POTLUCK_AGENT_TOKEN: cheatToken },
  );
  await cheat.waitFor(/connected as agent/);
  await db.query('UPDATE "Agent" SET "consecutiveValid" = 5, "trustLevel" = 1 WHERE id = $1', [cheatAgentId]);
});

afterAll(async () => {
  await cheat?.stop('SIGKILL');
  for (const agent of honest) await agent.stop('SIGKILL');
  await db?.end();
  await coordinator?.dispose();
});

/** The honest donors' agents join (their work: the validation runs). */
async function startHonest(): Promise<void> {
  for (const validator of validators) {
    const registered = await validator.client.agents.create({ name: uniqueId('honest-') });
    const agent = startAgent(['start', '--coordinator', coordinator.url, '--simulate', join(REPO_ROOT, 'examples/simulated-rig.csv'), '--control-socket', validator.socket], { POTLUCK_AGENT_TOKEN: registered.token });
    honest.push(agent);
    await agent.waitFor(/connected as agent/);
  }
}

function verifyOffline(receipt: Receipt, dir: string): { status: number; out: string } {
  writeFileSync(join(dir, 'receipt.json'), JSON.stringify(receipt));
  try {
    return { status: 0, out: execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/verify-receipt.mjs'), join(dir, 'receipt.json'), join(dir, 'key.json')], { encoding: 'utf8' }) };
  } catch (error) {
    return { status: (error as { status: number }).status, out: String((error as { stdout: string }).stdout) };
  }
}

describe('credits with a cheating agent', () => {
  let jobId = '';
  let attemptId = '';

  it('caps a claim of ten times the processed tokens to the telemetry bound and flags it', async () => {
    const dataset = await builder.datasets.create({ name: 'chats', licence: 'CC0-1.0', visibility: 'public' });
    await builder.datasets.upload(dataset.id, `${sampleChatRows(300, 7).map((row) => JSON.stringify(row)).join('\n')}\n`);
    const job = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: 'potluck-tiny-byte-v1', datasets: [{ datasetId: dataset.id, version: 1 }], hyperparameters: { steps: 60, batchSize: 8 } } });
    jobId = job.id;
    await expect.poll(async () => (await builder.jobs.get(job.id)).status, { timeout: 90_000, interval: 500, message: cheat.output() }).toBe('succeeded');
    const processed = (await builder.jobs.progress(job.id)).latest?.tokens ?? 0;
    const claim = await row<Claim>(`SELECT "attemptId", amount::text, reason, inputs FROM "CreditLedgerEntry" WHERE "jobId" = $1 AND state = 'CLAIMED'`, [job.id]);
    attemptId = claim.attemptId;
    expect(processed).toBeGreaterThan(0);
    expect(Number(claim.inputs.tokens)).toBe(processed * 10);
    expect(claim.inputs.bounded.capped).toBe(true);
    expect(claim.inputs.flagged).toBe(true);
    expect(BigInt(claim.inputs.bounded.grantedFlops)).toBe(BigInt(claim.inputs.bounded.boundFlops));
    expect(BigInt(claim.inputs.bounded.boundFlops)).toBeLessThan(BigInt(claim.inputs.claimed.flops));
    expect(claim.reason).toMatch(/capped to the bound and flagged/);
    // The donor sees the capped claim as pending on their own page while the eval runs; others do not.
    const handle = (await donor.me()).handle;
    expect((await donor.credits.profile(handle)).pending?.compute).toBe(claim.amount.replace(/\.?0+$/, ''));
    expect((await builder.credits.profile(handle)).pending).toBeNull();
  });

  it('evals on two other donors catch the wrong held-out loss: the claim is revoked and the agent\'s CV resets', async () => {
    const round1 = await row<{ validatorJobId: string }>(`SELECT "validatorJobId" FROM "CreditValidation" WHERE "subjectAttemptId" = $1 AND round = 1`, [attemptId]);
    const evalJob = await builder.jobs.get(round1.validatorJobId);
    expect(evalJob).toMatchObject({ kind: 'eval', status: 'queued', spec: { adapterFromJob: jobId, split: 'held-out' }, requirements: { excludeDonors: [(await donor.me()).id] } });
    // The matcher keeps the checked donor's own agent away from it, and says why.
    const why = await donor.jobs.whyNoJob(cheatAgentId);
    expect(why.jobs.find((j) => j.jobId === evalJob.id)?.rule).toBe('excluded-donor');
    await startHonest();
    // Round 1 disagrees with the reported loss; round 2 (on the third donor) settles it.
    await expect
      .poll(() => one<{ n: number }>(`SELECT count(*)::int AS n FROM "CreditLedgerEntry" WHERE "attemptId" = $1 AND state = 'REVOKED'`, [attemptId]).then((r) => r?.n), { timeout: 90_000, interval: 500, message: honest.map((agent) => agent.output()).join('\n') })
      .toBe(1);
    const rounds = await db.query<{ round: number; validatorJobId: string }>(`SELECT round, "validatorJobId" FROM "CreditValidation" WHERE "subjectAttemptId" = $1 ORDER BY round`, [attemptId]);
    expect(rounds.rows.map((r) => r.round)).toEqual([1, 2]);
    const losses = await Promise.all(rounds.rows.map(async (r) => (await builder.jobs.get(r.validatorJobId)).result?.loss as number));
    const reported = (await builder.jobs.get(jobId)).result?.heldOutLoss as number;
    expect(losses[0]).toBe(losses[1]); // honest evals agree bit for bit…
    expect(losses[0]).toBeCloseTo(reported + 1, 6); // …and the cheat's loss was 1 nat too low
    expect(await one(`SELECT "consecutiveValid", "trustLevel" FROM "Agent" WHERE id = $1`, [cheatAgentId])).toEqual({ consecutiveValid: 0, trustLevel: 0 });
    expect((await donor.agents.get(cheatAgentId)).trustLevel).toBe(0);
  });

  it('potluck-agent receipts shows the revocation; its receipt verifies offline with the public key and fails when one byte changes', async () => {
    const listed = await agentCommand(['receipts', '--coordinator', coordinator.url, '--token', cheatToken, '--json']);
    expect(listed.code, listed.output).toBe(0);
    const receipts = listed.output.trim().split('\n').map((line) => ReceiptSchema.parse(JSON.parse(line)));
    const revoked = receipts.find((receipt) => receipt.body.attemptId === attemptId && receipt.body.kind === 'compute');
    expect(revoked?.body).toMatchObject({ state: 'revoked', capped: true, validation: { status: 'invalid' }, jobKind: 'fine-tune', gpuModels: ['NVIDIA GeForce RTX 4090'] });
    const table = await agentCommand(['receipts', '--coordinator', coordinator.url, '--token', cheatToken]);
    expect(table.output).toMatch(/revoked\s+compute/);
    const checked = await agentCommand(['receipts', '--coordinator', coordinator.url, '--token', cheatToken, '--verify']);
    expect(checked.code, checked.output).toBe(0);
    expect(checked.output).toMatch(new RegExp(`revoked\\s+compute.*signed:${revoked?.keyId ?? '-'}`));
    const dir = mkdtempSync(join(tmpdir(), 'receipt-'));
    writeFileSync(join(dir, 'key.json'), JSON.stringify(await builder.credits.publicKey()));
    expect(verifyOffline(revoked as Receipt, dir)).toMatchObject({ status: 0, out: expect.stringMatching(/^VALID/) });
    const text = JSON.stringify(revoked);
    const at = text.indexOf('"reason":"') + 12;
    const flipped = JSON.parse(`${text.slice(0, at)}${text[at] === 'x' ? 'y' : 'x'}${text.slice(at + 1)}`) as Receipt;
    expect(verifyOffline(flipped, dir)).toMatchObject({ status: 1, out: expect.stringMatching(/^INVALID/) });
    // A validator's grant verifies too (and through the coordinator's own check).
    const granted = (await validators[0]?.client.receipts.list())?.items[0];
    expect(granted?.body).toMatchObject({ state: 'granted', kind: 'validation' });
    expect(verifyOffline(granted as Receipt, dir).status).toBe(0);
    expect((await builder.receipts.verify(granted as Receipt)).valid).toBe(true);
  });

  it('an eval job run by the cheating agent is replicated on another donor, the disagreement settled by a third: revoked, CV reset', async () => {
    const dataset = await builder.datasets.create({ name: 'eval-chats', licence: 'CC0-1.0', visibility: 'public' });
    await builder.datasets.upload(dataset.id, `${sampleChatRows(120, 3).map((row) => JSON.stringify(row)).join('\n')}\n`);
    await db.query('UPDATE "Agent" SET "consecutiveValid" = 3, "trustLevel" = 1 WHERE id = $1', [cheatAgentId]);
    // The honest agents pause, so the cheating agent takes the eval (and reports a loss 1 nat too low).
    for (const validator of validators) expect((await agentCommand(['pause', '--control-socket', validator.socket])).code).toBe(0);
    const job = await builder.jobs.create({ spec: { kind: 'eval', baseModel: 'potluck-tiny-byte-v1', dataset: { datasetId: dataset.id, version: 1 }, split: 'all' } });
    await expect.poll(async () => (await builder.jobs.get(job.id)).status, { timeout: 60_000, interval: 500, message: cheat.output() }).toBe('succeeded');
    const claim = await row<{ attemptId: string }>(`SELECT "attemptId" FROM "CreditLedgerEntry" WHERE "jobId" = $1 AND state = 'PENDING'`, [job.id]);
    // CV 3 < 10: always replicated. The replica (excluding the cheat) and the tie-break (excluding both) run on the honest donors.
    for (const validator of validators) expect((await agentCommand(['resume', '--control-socket', validator.socket])).code).toBe(0);
    await expect
      .poll(() => one<{ n: number }>(`SELECT count(*)::int AS n FROM "CreditLedgerEntry" WHERE "attemptId" = $1 AND state = 'REVOKED'`, [claim.attemptId]).then((r) => r?.n), { timeout: 90_000, interval: 500, message: honest.map((agent) => agent.output()).join('\n') })
      .toBe(1);
    expect(await one(`SELECT count(*)::int AS n FROM "CreditValidation" WHERE "subjectAttemptId" = $1`, [claim.attemptId])).toEqual({ n: 2 });
    expect(await one(`SELECT "consecutiveValid" FROM "Agent" WHERE id = $1`, [cheatAgentId])).toEqual({ consecutiveValid: 0 });
    const receipts = (await agentCommand(['receipts', '--coordinator', coordinator.url, '--token', cheatToken, '--json'])).output.trim().split('\n').map((line) => ReceiptSchema.parse(JSON.parse(line)));
    expect(receipts.find((receipt) => receipt.body.jobId === job.id)?.body).toMatchObject({ state: 'revoked', jobKind: 'eval', validation: { status: 'replicated-disagree' } });
  });
});
