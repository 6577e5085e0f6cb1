import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobWork } from '@potluck/credits';
import type { ValidationOutcome } from '@potluck/protocol';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ModelRegistry } from '../jobs/model-registry.js';
import { AttemptAssessor, type Assessed } from './attempt-assessor.js';
import { BoardSync } from './board-sync.service.js';
import { simulatedMayEarn } from './credits-config.js';
import { DataCreditService, datasetsOfSpec } from './data-credit.service.js';
import { ledgerKeys, LedgerService, type LedgerRow, type NewEntry, type Tx } from './ledger.service.js';

type State = 'claimed' | 'pending' | 'granted' | 'revoked';
const JOB_KIND = { FINE_TUNE: 'fine-tune', EVAL: 'eval', DATASET: 'dataset', PIPELINE: 'pipeline' } as const;

function num(record: unknown, name: string): number | null {
  const value = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[name] : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/** The development-only no-op runtime (dispatch benchmarks) does no work and earns nothing. */
function isNoop(job: { requirements: unknown; result: unknown }): boolean {
  return str(job.requirements, 'runtime') === 'noop' || str(job.result, 'kind') === 'noop';
}

function str(record: unknown, name: string): string | null {
  const value = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : null;
}

/** Runs in the decision's transaction, only when the decision writes (e.g. the agent's CV moves exactly once). */
export type AfterDecision = (tx: Tx, claim: LedgerRow) => Promise<void>;

type AttemptWithJob = Prisma.JobAttemptGetPayload<{ include: { job: true; agent: true; resumedFrom: true } }>;

/**
 * An attempt's credit through the ledger: claimed when it succeeds (what it did, bounded by
 * telemetry), pending while a validation runs, then granted or revoked. Keys are
 * `compute:<attempt>:<state>` (`validation:` for the runs that validate others), so each
 * state exists at most once per attempt; a grant needs a claim and no revocation, and a
 * revocation takes back what was granted. Boards are updated after each commit.
 */
@Injectable()
export class CreditService {
  private readonly logger = new Logger('Credits');

  constructor(
    private readonly prisma: PrismaService,
    private readonly ledger: LedgerService,
    private readonly assessor: AttemptAssessor,
    private readonly dataCredit: DataCreditService,
    private readonly boards: BoardSync,
    private readonly models: ModelRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The ledger kind of an attempt's own credit: validation runs earn VALIDATION, the rest COMPUTE. */
  private async kindOf(tx: Tx, jobId: string): Promise<'COMPUTE' | 'VALIDATION'> {
    const validator = await tx.creditValidation.findUnique({ where: { validatorJobId: jobId }, select: { id: true } });
    return validator ? 'VALIDATION' : 'COMPUTE';
  }

  private key(kind: 'COMPUTE' | 'VALIDATION', attemptId: string, state: State): string {
    return kind === 'COMPUTE' ? ledgerKeys.compute(attemptId, state) : ledgerKeys.validation(attemptId, state);
  }

  private async loadAttempt(attemptId: string): Promise<AttemptWithJob | null> {
    return this.prisma.client.jobAttempt.findUnique({ where: { id: attemptId }, include: { job: true, agent: true, resumedFrom: true } });
  }

  /** What the attempt did, in libs/credits' terms; tokens before a resumed checkpoint are its predecessors'. */
  private workOf(attempt: AttemptWithJob, tokens: number, inputBytes = 0): JobWork {
    const spec = attempt.job.spec;
    const parameters = this.models.find(str(spec, 'baseModel') ?? '')?.parameters ?? 0;
    switch (attempt.job.kind) {
      case 'FINE_TUNE':
        return { kind: 'fine-tune', method: str(spec, 'method') === 'full' ? 'full' : 'lora', parameters, tokens };
      case 'EVAL':
        return { kind: 'eval', parameters, tokens };
      default: {
        // Rows read (the runtime reports them) and bytes read (the input version's size on record).
        const result = attempt.job.result;
        return { kind: 'dataset', model: false, rows: num(result, 'rowsIn') ?? num(result, 'rows') ?? 0, bytes: inputBytes };
      }
    }
  }

  private claimInputs(attempt: AttemptWithJob, assessed: Assessed, tokens: number, teamId: string | null, extra: Record<string, Prisma.InputJsonValue | null>): Prisma.InputJsonObject {
    const { assessment } = assessed;
    return {
      v: 1,
      jobKind: JOB_KIND[attempt.job.kind],
      baseModel: str(attempt.job.spec, 'baseModel'),
      method: str(attempt.job.spec, 'method'),
      tokens: String(tokens),
      precision: assessed.precision,
      gpus: assessed.gpus.map((gpu) => ({ deviceId: gpu.deviceId, name: gpu.name, gpuClass: gpu.gpuClass, peakFlops: gpu.peakFlops, fallback: gpu.fallback })),
      gpuClass: assessed.gpuClass,
      teamId,
      simulated: attempt.agent.simulated,
      claimed: { ...assessment.claimed },
      bound: { ...assessment.bound },
      bounded: { ...assessment.bounded },
      flagged: assessment.bounded.capped,
      credits: assessment.credits,
      energy: { ...assessment.energy },
      ...extra,
    };
  }

  /**
   * Writes the claim of a succeeded attempt (once; a repeat returns the existing claim).
   * Null when the attempt earns nothing: not succeeded, a pipeline, the no-op runtime, or a simulated agent
   * where the operator does not allow simulated credit.
   */
  async claim(attemptId: string): Promise<LedgerRow | null> {
    const attempt = await this.loadAttempt(attemptId);
    if (!attempt || attempt.status !== 'SUCCEEDED' || attempt.job.kind === 'PIPELINE' || isNoop(attempt.job)) return null;
    if (attempt.agent.simulated && !simulatedMayEarn(this.config)) return null;
    const kind = await this.kindOf(this.prisma.client, attempt.jobId);
    const existing = await this.ledger.byKeys(this.prisma.client, [this.key(kind, attemptId, 'claimed')]);
    const found = existing.get(this.key(kind, attemptId, 'claimed'));
    if (found) return found;
    const result = attempt.job.result;
    const totalTokens = num(result, 'tokens') ?? Number(attempt.tokens);
    const resumedTokens = attempt.resumedFrom ? Number(attempt.resumedFrom.tokens) : 0;
    const tokens = Math.max(0, totalTokens - resumedTokens);
    // A resumed run reports counts from step 0: its own share is claimed by the formula.
    const reported = attempt.resumedFrom ? null : num(result, 'flops');
    const input = attempt.job.kind === 'DATASET' ? datasetsOfSpec(attempt.job.spec)[0] : undefined;
    const inputVersion = input ? await this.prisma.client.datasetVersion.findUnique({ where: { datasetId_version: input }, select: { bytes: true } }) : null;
    const work = this.workOf(attempt, tokens, Number(inputVersion?.bytes ?? 0n));
    const assessed = await this.assessor.assess(attempt, work, reported === null ? null : String(Math.floor(reported)));
    return this.ledger.transaction(async (tx) => {
      await this.ledger.lock(tx, attemptId);
      const teamId = await this.ledger.teamOf(tx, attempt.agent.ownerId);
      const capped = assessed.assessment.bounded.capped;
      const [row] = await this.ledger.insert(tx, [
        {
          idempotencyKey: this.key(kind, attemptId, 'claimed'),
          userId: attempt.agent.ownerId,
          agentId: attempt.agentId,
          jobId: attempt.jobId,
          attemptId,
          kind,
          state: 'CLAIMED',
          amount: assessed.assessment.credits,
          reason: capped
            ? `claimed ${assessed.assessment.claimed.flops} FLOPs, above the telemetry bound of ${assessed.assessment.bounded.boundFlops}: capped to the bound and flagged`
            : `claimed ${assessed.assessment.claimed.flops} FLOPs (${assessed.assessment.claimed.source}), within the telemetry bound`,
          inputs: this.claimInputs(attempt, assessed, tokens, teamId, { resumedFromCheckpointId: attempt.resumedFromId, resumedTokens: String(resumedTokens) }),
        },
      ]);
      if (row && capped) this.logger.warn({ attemptId, agentId: attempt.agentId, claimed: assessed.assessment.claimed.flops, bound: assessed.assessment.bounded.boundFlops }, 'claim above the telemetry bound: capped and flagged');
      return row ?? (await this.ledger.byKeys(tx, [this.key(kind, attemptId, 'claimed')])).get(this.key(kind, attemptId, 'claimed')) ?? null;
    });
  }

  /** The ledger state of an attempt's own credit: null before a claim. */
  async stateOf(attemptId: string): Promise<'claimed' | 'pending' | 'granted' | 'revoked' | null> {
    const rows = await this.ledger.ofAttempt(this.prisma.client, attemptId);
    const own = rows.filter((row) => row.kind !== 'DATA');
    if (own.some((row) => row.state === 'REVOKED')) return 'revoked';
    if (own.some((row) => row.state === 'GRANTED')) return 'granted';
    if (own.some((row) => row.state === 'PENDING')) return 'pending';
    return own.some((row) => row.state === 'CLAIMED') ? 'claimed' : null;
  }

  /** Marks a claim as waiting for validation (no-op once granted or revoked). */
  async pending(attemptId: string, validation: ValidationOutcome): Promise<boolean> {
    return this.decide(attemptId, async (tx, kind, claim, entries) => {
      if (entries.has(this.key(kind, attemptId, 'granted')) || entries.has(this.key(kind, attemptId, 'revoked'))) return [];
      return this.ledger.insert(tx, [
        { ...this.fromClaim(claim, kind, 'pending'), amount: claim.amount, reason: `pending: ${validation.method}`, inputs: { ...(claim.inputs as Prisma.InputJsonObject), claimEntryId: claim.id, validation: { ...validation } } },
      ]);
    });
  }

  /**
   * Grants a claim (never twice, never after a revocation); then the data credit it earns
   * and, for a fine-tune that resumed from checkpoints, the predecessors' partial credit.
   */
  async grant(attemptId: string, validation: ValidationOutcome, reason: string, after?: AfterDecision): Promise<boolean> {
    const partials = await this.partialClaims(attemptId);
    return this.decide(attemptId, async (tx, kind, claim, entries) => {
      if (entries.has(this.key(kind, attemptId, 'granted')) || entries.has(this.key(kind, attemptId, 'revoked'))) return [];
      if (after) await after(tx, claim);
      const inserted = await this.ledger.insert(tx, [
        { ...this.fromClaim(claim, kind, 'granted'), amount: claim.amount, reason: `granted: ${reason}`, inputs: { ...(claim.inputs as Prisma.InputJsonObject), claimEntryId: claim.id, validation: { ...validation } } },
      ]);
      const granted = inserted[0];
      if (!granted) return [];
      const spec = (await tx.job.findUnique({ where: { id: claim.jobId ?? '' }, select: { spec: true } }))?.spec;
      const rows = [granted];
      if (kind === 'COMPUTE') {
        rows.push(...(await this.dataCredit.grant(tx, { attemptId, jobId: claim.jobId ?? '', spec, computeCredit: claim.amount, grantedAt: granted.createdAt.getTime() })));
      }
      for (const partial of partials) {
        const [partialClaim] = await this.ledger.insert(tx, [partial.claim]);
        const [partialGrant] = await this.ledger.insert(tx, [{ ...partial.claim, idempotencyKey: ledgerKeys.compute(partial.attemptId, 'granted'), state: 'GRANTED', reason: `granted: partial credit, the final result validated (${reason})`, inputs: { ...partial.claim.inputs, validation: { ...validation } } }]);
        if (partialClaim) rows.push(partialClaim);
        if (partialGrant) {
          rows.push(partialGrant);
          rows.push(...(await this.dataCredit.grant(tx, { attemptId: partial.attemptId, jobId: claim.jobId ?? '', spec, computeCredit: partialGrant.amount, grantedAt: partialGrant.createdAt.getTime() })));
        }
      }
      return rows;
    });
  }

  /** Revokes a claim: takes back what was granted (0 when it was never granted), and the data credit that came with it. */
  async revoke(attemptId: string, validation: ValidationOutcome, reason: string, after?: AfterDecision): Promise<boolean> {
    return this.decide(attemptId, async (tx, kind, claim, entries) => {
      if (entries.has(this.key(kind, attemptId, 'revoked'))) return [];
      if (after) await after(tx, claim);
      const granted = entries.get(this.key(kind, attemptId, 'granted'));
      const claimInputs = (claim.inputs ?? {}) as Record<string, Prisma.InputJsonValue>;
      const grantedInputs = (granted?.inputs ?? claimInputs) as Record<string, Prisma.InputJsonValue>;
      const inserted = await this.ledger.insert(tx, [
        {
          ...this.fromClaim(claim, kind, 'revoked'),
          amount: granted?.amount ?? '0',
          reason: `revoked: ${reason}`,
          inputs: {
            ...claimInputs,
            teamId: grantedInputs.teamId ?? null,
            claimEntryId: claim.id,
            claimedAmount: claim.amount,
            revokes: granted?.id ?? null,
            grantedAt: granted ? granted.createdAt.getTime() : null,
            validation: { ...validation },
          },
        },
      ]);
      if (inserted.length === 0) return [];
      return [...inserted, ...(kind === 'COMPUTE' ? await this.dataCredit.revoke(tx, attemptId, reason) : [])];
    });
  }

  private fromClaim(claim: LedgerRow, kind: 'COMPUTE' | 'VALIDATION', state: 'pending' | 'granted' | 'revoked'): Omit<NewEntry, 'amount' | 'reason' | 'inputs'> {
    return {
      idempotencyKey: this.key(kind, claim.attemptId ?? '', state),
      userId: claim.userId,
      agentId: claim.agentId,
      jobId: claim.jobId,
      attemptId: claim.attemptId,
      kind,
      state: state === 'pending' ? 'PENDING' : state === 'granted' ? 'GRANTED' : 'REVOKED',
    };
  }

  /** Runs a decision about one attempt under its lock, with its claim and entries; boards follow the commit. */
  private async decide(attemptId: string, step: (tx: Tx, kind: 'COMPUTE' | 'VALIDATION', claim: LedgerRow, entries: Map<string, LedgerRow>) => Promise<LedgerRow[]>): Promise<boolean> {
    const inserted = await this.ledger.transaction(async (tx) => {
      await this.ledger.lock(tx, attemptId);
      const rows = await this.ledger.ofAttempt(tx, attemptId);
      const entries = new Map(rows.map((row) => [row.idempotencyKey, row]));
      const claim = rows.find((row) => row.state === 'CLAIMED' && row.kind !== 'DATA');
      if (!claim) return [];
      return step(tx, claim.kind === 'VALIDATION' ? 'VALIDATION' : 'COMPUTE', claim, entries);
    });
    await this.boards.applyCommitted(inserted);
    return inserted.length > 0;
  }

  /**
   * Partial credit (CREDITS.md): each earlier attempt whose checkpoint a later one resumed
   * from is credited for the tokens between the checkpoint it resumed from (if any) and the
   * checkpoint taken over, by the formula, bounded by its own telemetry.
   */
  private async partialClaims(attemptId: string): Promise<{ attemptId: string; claim: NewEntry & { inputs: Prisma.InputJsonObject } }[]> {
    const out: { attemptId: string; claim: NewEntry & { inputs: Prisma.InputJsonObject } }[] = [];
    let current = await this.loadAttempt(attemptId);
    if (!current || current.job.kind !== 'FINE_TUNE') return out;
    for (let hops = 0; current?.resumedFrom && hops < 32; hops += 1) {
      const checkpoint: NonNullable<AttemptWithJob['resumedFrom']> = current.resumedFrom;
      const previous: AttemptWithJob | null = await this.loadAttempt(checkpoint.attemptId);
      if (!previous || previous.id === current.id) break;
      if (!(previous.agent.simulated && !simulatedMayEarn(this.config))) {
        const before = previous.resumedFrom ? Number(previous.resumedFrom.tokens) : 0;
        const tokens = Math.max(0, Number(checkpoint.tokens) - before);
        const assessed = await this.assessor.assess(previous, this.workOf(previous, tokens), null);
        const teamId = await this.ledger.teamOf(this.prisma.client, previous.agent.ownerId);
        out.push({
          attemptId: previous.id,
          claim: {
            idempotencyKey: ledgerKeys.compute(previous.id, 'claimed'),
            userId: previous.agent.ownerId,
            agentId: previous.agentId,
            jobId: previous.jobId,
            attemptId: previous.id,
            kind: 'COMPUTE',
            state: 'CLAIMED',
            amount: assessed.assessment.credits,
            reason: `partial: ${tokens} tokens up to the checkpoint at step ${checkpoint.step} that attempt ${current.id} resumed from`,
            inputs: this.claimInputs(previous, assessed, tokens, teamId, { partial: true, resumedBy: current.id, checkpointId: checkpoint.id, coordinatorIncident: previous.coordinatorIncident }),
          },
        });
      }
      current = previous;
    }
    return out;
  }
}
