import { Inject, Injectable, Logger } from '@nestjs/common';
import { lossesAgree, nextConsecutiveValid, replicationDecision, type CreditsConfig } from '@potluck/credits';
import { JobSpecSchema, RequirementsSchema, type CreateJobBody, type JobSpec, type ValidationOutcome } from '@potluck/protocol';
import { PrismaService } from '../database/prisma.service.js';
import type { Job } from '../generated/prisma/client.js';
import { JobsService } from '../jobs/jobs.service.js';
import { CREDITS_CONFIG } from './credits-config.js';
import { CreditService, type AfterDecision } from './credit.service.js';
import { GrantBatcher } from './grant-batcher.js';
import type { LedgerRow, Tx } from './ledger.service.js';

/** Trust grows with consecutive valid results: 0 (none or just invalid), 1 (1–9), 2 (≥ 10: results may go unreplicated), 3 (≥ 100). */
export function trustLevelOf(consecutiveValid: number): number {
  if (consecutiveValid >= 100) return 3;
  if (consecutiveValid >= 10) return 2;
  return consecutiveValid >= 1 ? 1 : 0;
}

/** The loss a job's result states (fine-tune: held-out loss; eval: its loss metric). */
export function lossOf(result: unknown): number | null {
  const r = result !== null && typeof result === 'object' ? (result as Record<string, unknown>) : {};
  const metrics = r.metrics !== null && typeof r.metrics === 'object' ? (r.metrics as Record<string, unknown>) : {};
  for (const value of [r.heldOutLoss, r.loss, metrics.loss]) if (typeof value === 'number' && Number.isFinite(value)) return value;
  return null;
}

/** What two results of the same work must share to agree: the loss within tolerance, else the output digest. */
export function resultsAgree(a: unknown, b: unknown, config: CreditsConfig): { agree: boolean; reported: number | null; reproduced: number | null; tolerance: number | null } {
  const la = lossOf(a);
  const lb = lossOf(b);
  if (la !== null && lb !== null) {
    const comparison = lossesAgree(la, lb, config);
    return { agree: comparison.agree, reported: la, reproduced: lb, tolerance: comparison.tolerance };
  }
  const digest = (value: unknown) => {
    const r = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    return typeof r.outputSha256 === 'string' ? r.outputSha256 : typeof r.sha256 === 'string' ? r.sha256 : null;
  };
  const da = digest(a);
  return { agree: da !== null && da === digest(b), reported: null, reproduced: null, tolerance: null };
}

type Purpose = 'reproduce-loss' | 'replicate';

/** Replacement jobs for a validation run whose job failed or was cancelled. */
const MAX_RETRIES = 3;

/** A job whose spec cannot be submitted again on its own (a pipeline step with placeholders). */
export class UnreplicableError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} cannot be replicated on its own`);
    this.name = 'UnreplicableError';
  }
}

/**
 * The spec a replica runs: the same work. A dataset job's replica writes its output under
 * `<outputName>.replica` (a dataset of its own), so checking a result never adds a version
 * to the dataset the builder asked for. Null when the spec is not a standalone job spec.
 */
export function replicaSpec(spec: unknown): JobSpec | null {
  const parsed = JobSpecSchema.safeParse(spec);
  if (!parsed.success || parsed.data.kind === 'pipeline') return null;
  if (parsed.data.kind === 'dataset') return { ...parsed.data, outputName: `${parsed.data.outputName.slice(0, 90)}.replica` };
  return parsed.data;
}

/**
 * Validation (CREDITS.md): a fine-tune's claim waits for an eval of its adapter on another
 * donor that reproduces the held-out loss; eval and dataset jobs are replicated on another
 * donor while their agent's CV is under 10, then with probability 1/CV. A disagreement is
 * settled by a third run on a third donor; the result on the wrong side is revoked and its
 * agent's CV resets. Validation runs are ordinary jobs owned by the original builder, with
 * `excludeDonors` naming the donors already involved.
 */
@Injectable()
export class ValidationService {
  private readonly logger = new Logger('Validation');

  constructor(
    private readonly prisma: PrismaService,
    private readonly credits: CreditService,
    private readonly batcher: GrantBatcher,
    private readonly jobs: JobsService,
    @Inject(CREDITS_CONFIG) private readonly config: CreditsConfig,
    /** Uniform draw in [0, 1) for the replication decision (tests pass a seeded one). */
    @Inject('VALIDATION_RANDOM') private readonly random: () => number,
  ) {}

  /** Next step after an attempt's claim was written (idempotent: each step is keyed). */
  async afterClaim(claim: LedgerRow): Promise<void> {
    if (!claim.attemptId || !claim.jobId) return;
    if (claim.kind === 'VALIDATION') return this.onValidatorResult(claim.jobId);
    const state = await this.credits.stateOf(claim.attemptId);
    if (state === 'granted' || state === 'revoked') return;
    const attempt = await this.prisma.client.jobAttempt.findUniqueOrThrow({ where: { id: claim.attemptId }, include: { job: true, agent: true } });
    if (attempt.job.kind === 'FINE_TUNE') {
      const check = await this.schedule(attempt.job, attempt.id, 1, 'reproduce-loss', [attempt.agent.ownerId]);
      await this.credits.pending(attempt.id, this.outcome('pending', 'an independent eval of the adapter on another donor must reproduce the reported held-out loss', check.id, lossOf(attempt.job.result), null, null));
      return;
    }
    const existing = await this.prisma.client.creditValidation.findFirst({ where: { subjectAttemptId: attempt.id, round: 1 } });
    const decision = existing ? { replicate: true, reason: 'untrusted' as const, probability: 1 } : replicationDecision(attempt.agent.consecutiveValid, this.random(), this.config);
    if (!decision.replicate) {
      await this.batcher.grant(attempt.id, this.outcome('not-required', `agent CV ${attempt.agent.consecutiveValid}: replicated with probability ${decision.probability}, not drawn this time`, null, null, null, null), 'unreplicated result of a trusted agent');
      return;
    }
    if (!replicaSpec(attempt.job.spec)) {
      // Not replicable on its own (a pipeline step): it waits, visibly, instead of passing unchecked.
      await this.credits.pending(attempt.id, this.outcome('pending', 'awaiting review: a pipeline step cannot be replicated on its own', null, null, null, null));
      return;
    }
    const replica = await this.schedule(attempt.job, attempt.id, 1, 'replicate', [attempt.agent.ownerId]);
    await this.credits.pending(attempt.id, this.outcome('pending', `replicated on another donor (${decision.reason}, agent CV ${attempt.agent.consecutiveValid})`, replica.id, null, null, null));
  }

  private outcome(status: ValidationOutcome['status'], method: string, validationJobId: string | null, reportedLoss: number | null, reproducedLoss: number | null, tolerance: number | null): ValidationOutcome {
    return { status, method, validationJobId, reportedLoss, reproducedLoss, tolerance };
  }

  /** Creates (once) the validation job of round `round` for an attempt, and records it. */
  private async schedule(subject: Job, attemptId: string, round: number, purpose: Purpose, excludeDonors: string[], retry = 0): Promise<Job> {
    const owner = await this.prisma.client.user.findUniqueOrThrow({ where: { id: subject.ownerId } });
    const requirements = RequirementsSchema.parse({ ...RequirementsSchema.parse(subject.requirements), excludeDonors: [...new Set(excludeDonors)] });
    const spec: JobSpec | null =
      purpose === 'reproduce-loss'
        ? (() => {
            const fineTune = subject.spec as { baseModel: string; datasets: { datasetId: string; version: number }[]; heldOutFraction?: number };
            const dataset = fineTune.datasets[0];
            if (!dataset) throw new Error(`fine-tune ${subject.id} has no dataset`);
            return { kind: 'eval', baseModel: fineTune.baseModel, adapterFromJob: subject.id, dataset, split: 'held-out', heldOutFraction: fineTune.heldOutFraction ?? 0.1, metrics: ['loss'] };
          })()
        : replicaSpec(subject.spec);
    if (!spec) throw new UnreplicableError(subject.id);
    const suffix = retry === 0 ? '' : `-r${retry}`;
    const body: CreateJobBody = { spec, requirements, priority: 100, idempotencyKey: `validation-${attemptId}-${round}${suffix}` };
    const { job } = await this.jobs.create(body, {
      principal: { userId: owner.id, handle: owner.handle, roles: owner.roles, apiKeyId: 'coordinator-validation' },
      requestId: `validation:${attemptId}:${round}${suffix}`,
      ip: null,
    });
    await this.prisma.client.creditValidation.createMany({ data: [{ subjectJobId: subject.id, subjectAttemptId: attemptId, validatorJobId: job.id, round, purpose, retry }], skipDuplicates: true });
    const stored = await this.prisma.client.job.findUniqueOrThrow({ where: { id: job.id } });
    this.logger.log({ subjectAttemptId: attemptId, validatorJobId: job.id, round, retry, purpose }, 'validation run scheduled');
    return stored;
  }

  /** Moves an agent's consecutive-valid count (and trust level) in the decision's transaction. */
  private cv(agentId: string | null, valid: boolean): AfterDecision {
    return async (tx: Tx) => {
      if (!agentId) return;
      const agent = await tx.agent.findUnique({ where: { id: agentId }, select: { consecutiveValid: true } });
      if (!agent) return;
      const next = nextConsecutiveValid(agent.consecutiveValid, valid);
      await tx.agent.update({ where: { id: agentId }, data: { consecutiveValid: next, trustLevel: trustLevelOf(next) } });
    };
  }

  /**
   * A validation run's job failed or was cancelled: another job replaces it (same round, next
   * retry, same excluded donors), up to MAX_RETRIES times, while its subject is undecided.
   */
  async onValidatorFailed(validatorJobId: string): Promise<void> {
    const validation = await this.prisma.client.creditValidation.findUnique({ where: { validatorJobId } });
    const job = await this.prisma.client.job.findUnique({ where: { id: validatorJobId } });
    if (!validation || !job || (job.status !== 'FAILED' && job.status !== 'CANCELLED')) return;
    const state = await this.credits.stateOf(validation.subjectAttemptId);
    if (state === 'granted' || state === 'revoked') return;
    const newer = await this.prisma.client.creditValidation.count({ where: { subjectAttemptId: validation.subjectAttemptId, round: validation.round, retry: { gt: validation.retry } } });
    if (newer > 0) return;
    if (validation.retry >= MAX_RETRIES) {
      this.logger.warn({ subjectAttemptId: validation.subjectAttemptId, round: validation.round }, 'validation runs keep failing; the claim stays pending');
      return;
    }
    const subject = await this.prisma.client.job.findUniqueOrThrow({ where: { id: validation.subjectJobId } });
    const excluded = RequirementsSchema.parse(job.requirements).excludeDonors;
    await this.schedule(subject, validation.subjectAttemptId, validation.round, validation.purpose as Purpose, excluded, validation.retry + 1);
  }

  /** A validation run finished: compare, and decide the subject and the validators once enough results are in. */
  async onValidatorResult(validatorJobId: string): Promise<void> {
    const validation = await this.prisma.client.creditValidation.findUnique({ where: { validatorJobId } });
    if (!validation) return;
    const subjectAttempt = await this.prisma.client.jobAttempt.findUniqueOrThrow({ where: { id: validation.subjectAttemptId }, include: { job: true, agent: true } });
    const rounds = await this.prisma.client.creditValidation.findMany({ where: { subjectAttemptId: subjectAttempt.id }, orderBy: { round: 'asc' } });
    const all = await Promise.all(
      rounds.map(async (round) => {
        const attempt = await this.prisma.client.jobAttempt.findFirst({ where: { jobId: round.validatorJobId, status: 'SUCCEEDED' }, include: { job: true, agent: true } });
        return { round, attempt };
      }),
    );
    // Per round, the run that succeeded (a retry replaces a run whose job failed), else the latest.
    const runs = [1, 2]
      .map((n) => {
        const ofRound = all.filter((run) => run.round.round === n);
        return ofRound.find((run) => run.attempt) ?? ofRound.sort((a, b) => b.round.retry - a.round.retry)[0];
      })
      .filter((run): run is (typeof all)[number] => run !== undefined);
    const first = runs.find((run) => run.round.round === 1);
    if (!first?.attempt) return;
    const reported = subjectAttempt.job.result;
    const firstCmp = resultsAgree(reported, first.attempt.job.result, this.config);
    const method = validation.purpose === 'reproduce-loss' ? 'independent eval of the held-out loss' : 'replication on another donor';
    const status = (agree: boolean): ValidationOutcome['status'] => (validation.purpose === 'reproduce-loss' ? (agree ? 'validated' : 'invalid') : agree ? 'replicated-agree' : 'replicated-disagree');
    if (firstCmp.agree) {
      const outcome = this.outcome(status(true), method, first.round.validatorJobId, firstCmp.reported, firstCmp.reproduced, firstCmp.tolerance);
      await this.credits.grant(subjectAttempt.id, outcome, `${method} agrees`, this.cv(subjectAttempt.agentId, true));
      await this.credits.grant(first.attempt.id, outcome, `validation run agreed with the result it checked`, this.cv(first.attempt.agentId, true));
      return;
    }
    const second = runs.find((run) => run.round.round === 2);
    if (!second) {
      await this.schedule(subjectAttempt.job, subjectAttempt.id, 2, validation.purpose as Purpose, [subjectAttempt.agent.ownerId, first.attempt.agent.ownerId]);
      return;
    }
    if (!second.attempt) return; // the tie-break has not finished
    const secondCmp = resultsAgree(reported, second.attempt.job.result, this.config);
    const between = resultsAgree(first.attempt.job.result, second.attempt.job.result, this.config);
    if (secondCmp.agree) {
      // The subject was right; the first validator was wrong.
      const outcome = this.outcome(status(true), `${method}, settled by a third run`, second.round.validatorJobId, secondCmp.reported, secondCmp.reproduced, secondCmp.tolerance);
      await this.credits.grant(subjectAttempt.id, outcome, `${method} agrees after a tie-break`, this.cv(subjectAttempt.agentId, true));
      await this.credits.grant(second.attempt.id, outcome, 'tie-break agreed with the result it checked', this.cv(second.attempt.agentId, true));
      await this.credits.revoke(first.attempt.id, this.outcome('invalid', `${method}: two other runs disagreed with this one`, second.round.validatorJobId, firstCmp.reported, firstCmp.reproduced, firstCmp.tolerance), 'its result disagreed with two other donors', this.cv(first.attempt.agentId, false));
      return;
    }
    if (between.agree) {
      // Both validators agree with each other against the subject: the subject's result is wrong.
      const outcome = this.outcome(status(false), `${method}: two independent runs disagree with the reported result`, second.round.validatorJobId, secondCmp.reported, secondCmp.reproduced, secondCmp.tolerance);
      await this.credits.revoke(subjectAttempt.id, outcome, 'two independent runs on other donors disagree with the reported result', this.cv(subjectAttempt.agentId, false));
      await this.credits.grant(first.attempt.id, outcome, 'validation run confirmed by a tie-break', this.cv(first.attempt.agentId, true));
      await this.credits.grant(second.attempt.id, outcome, 'tie-break confirmed the first validation', this.cv(second.attempt.agentId, true));
      return;
    }
    // Three different answers: nobody's CV moves; the unconfirmed subject earns nothing.
    const outcome = this.outcome('invalid', `${method}: inconclusive, three runs disagree`, second.round.validatorJobId, secondCmp.reported, secondCmp.reproduced, secondCmp.tolerance);
    await this.credits.revoke(subjectAttempt.id, outcome, 'inconclusive: no two of three runs agree');
    await this.credits.grant(first.attempt.id, outcome, 'validation run (inconclusive check)');
    await this.credits.grant(second.attempt.id, outcome, 'validation run (inconclusive check)');
  }
}
