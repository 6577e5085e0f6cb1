import type { ValidationOutcome } from '@potluck/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';
import { BoardSync } from './board-sync.service.js';
import { BoardsStore } from './boards.store.js';
import { CreditService } from './credit.service.js';
import { GrantBatcher } from './grant-batcher.js';
import { finishedAttempt, makeDataset, makeDonor, makeFineTune, sendTelemetry, type Donor } from '../testing/credit-fixtures.js';
import { seededRandom as prng } from '@potluck/protocol/testing';

const OUTCOME: ValidationOutcome = { status: 'validated', method: 'property test', validationJobId: null, reportedLoss: null, reproducedLoss: null, tolerance: null };

let t: TestApp;
let credits: CreditService;
let sync: BoardSync;
let store: BoardsStore;
let batcher: GrantBatcher;

beforeAll(async () => {
  t = await startTestApp({ POTLUCK_ALLOW_SIMULATED_CREDIT: 'true' });
  credits = t.app.get(CreditService);
  sync = t.app.get(BoardSync);
  store = t.app.get(BoardsStore);
  batcher = t.app.get(GrantBatcher);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await t.close();
});

type Step = 'claim' | 'pending' | 'grant' | 'grant-batch' | 'revoke' | 'join' | 'leave' | 'crash-next-board-write' | 'catch-up' | 'rebuild' | 'days-pass';

describe('the ledger and the boards under random replays', () => {
  it.each([11, 2024, 77_777])('seed %i: never two grants for an attempt; boards equal the ledger after every recovery', async (seed) => {
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const builder = await makeDonor(t);
    const dataset = await makeDataset(t, builder);
    const donors: Donor[] = [await makeDonor(t), await makeDonor(t), await makeDonor(t)];
    const team = await donors[0]!.client.teams.create({ slug: uniqueId('p-').toLowerCase().replace(/[^a-z0-9-]/g, ''), name: 'prop' });
    const start = Date.now() - 60_000;
    for (const donor of donors) await sendTelemetry(t, donor, [0, 5000, 10_000, 15_000].map((dt) => ({ at: start + dt, util: 40 + Math.floor(random() * 60) })));
    const attempts: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const donor = pick(donors);
      const jobId = await makeFineTune(t, builder, dataset, { tokens: 1000 + Math.floor(random() * 50_000), flops: Math.floor(random() * 1e12), heldOutLoss: 2 });
      attempts.push(await finishedAttempt(t, jobId, donor, start, start + 15_000));
    }
    const steps: Step[] = ['claim', 'claim', 'pending', 'grant', 'grant', 'grant-batch', 'grant-batch', 'revoke', 'join', 'leave', 'crash-next-board-write', 'catch-up', 'rebuild', 'days-pass'];
    let clock = Date.now(); // the boards' notion of now: days pass, so the 7- and 30-day windows drop credit
    for (let round = 0; round < 12; round += 1) {
      // A burst of events, some duplicated, run concurrently (arbitrary interleavings).
      const burst = Array.from({ length: 6 }, () => ({ step: pick(steps), attempt: pick(attempts), donor: pick(donors) }));
      const duplicated = [...burst, ...burst.filter(() => random() < 0.3)].sort(() => random() - 0.5);
      await Promise.all(
        duplicated.map(async ({ step, attempt, donor }) => {
          switch (step) {
            case 'claim':
              return credits.claim(attempt);
            case 'pending':
              return credits.pending(attempt, { ...OUTCOME, status: 'pending' });
            case 'grant':
              return credits.grant(attempt, OUTCOME, 'property test');
            case 'grant-batch': {
              // A batch of grants in one transaction, with repeats inside it and against the singles.
              const some = attempts.filter(() => random() < 0.4);
              return batcher.grantMany([...some, ...some.slice(0, 2), attempt].map((id) => ({ attemptId: id, validation: OUTCOME, reason: 'property test (batch)' })));
            }
            case 'revoke':
              return credits.revoke(attempt, { ...OUTCOME, status: 'invalid' }, 'property test');
            case 'join':
              return donor.client.teams.join(team.slug).catch(() => null);
            case 'leave':
              return donor.client.teams.leave().catch(() => null);
            case 'crash-next-board-write':
              // The process dies after the ledger commit, before Redis hears of it.
              vi.spyOn(store, 'apply').mockRejectedValueOnce(new Error('crashed before the boards were updated'));
              return null;
            case 'days-pass':
              clock += Math.floor(1 + random() * 9) * 86_400_000;
              return null;
            case 'catch-up':
              return null;
            case 'rebuild':
              return null;
          }
        }),
      );
      const recovery = burst.some((event) => event.step === 'rebuild') ? 'rebuild' : 'catch-up';
      vi.restoreAllMocks();
      clock = Math.max(clock, Date.now());
      if (recovery === 'rebuild') await sync.rebuild(clock);
      else await sync.catchUp(clock, start - 60_000);
      expect(await sync.check(clock), `seed ${seed}, round ${round}`).toEqual([]);
    }
    const rows = await t.prisma.creditLedgerEntry.findMany({ where: { attemptId: { in: attempts } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(rows.some((row) => row.state === 'GRANTED')).toBe(true); // the sequence exercised grants…
    expect(rows.some((row) => row.kind === 'DATA')).toBe(true); // …and the data credit they bring
    for (const attempt of attempts) {
      const own = rows.filter((row) => row.attemptId === attempt && row.kind === 'COMPUTE');
      expect(own.filter((row) => row.state === 'GRANTED').length).toBeLessThanOrEqual(1);
      expect(own.filter((row) => row.state === 'REVOKED').length).toBeLessThanOrEqual(1);
      expect(own.filter((row) => row.state === 'CLAIMED').length).toBeLessThanOrEqual(1);
      const granted = own.findIndex((row) => row.state === 'GRANTED');
      const revoked = own.findIndex((row) => row.state === 'REVOKED');
      if (granted >= 0 && revoked >= 0) expect(granted).toBeLessThan(revoked); // never granted after a revocation
      if (granted >= 0 || revoked >= 0) expect(own[0]?.state).toBe('CLAIMED'); // nothing decided without a claim
      const revocation = own[revoked];
      if (revocation) expect(revocation.amount.toFixed()).toBe(granted >= 0 ? own[granted]?.amount.toFixed() : '0');
    }
  });
});
