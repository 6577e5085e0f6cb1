import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Dec } from '@potluck/credits';
import type { ValidationOutcome } from '@potluck/protocol';
import { PgService } from '../database/pg.service.js';
import { uuidV7 } from '../database/uuid-v7.js';
import { BoardSync } from './board-sync.service.js';
import { CreditService } from './credit.service.js';
import { DataCreditService, datasetsOfSpec, SPEC_DATASET_FIELDS } from './data-credit.service.js';
import { ledgerKeys, LedgerService, type LedgerRow } from './ledger.service.js';

interface RawGrant {
  id: string;
  idempotencyKey: string;
  userId: string;
  agentId: string | null;
  jobId: string | null;
  attemptId: string | null;
  kind: 'COMPUTE' | 'VALIDATION' | 'DATA';
  amount: string;
  reason: string;
  inputs: unknown;
  createdAt: Date;
}

export interface GrantRequest {
  attemptId: string;
  validation: ValidationOutcome;
  reason: string;
}

/** Requests gathered per batch, and how long the first one waits for company. */
const MAX_BATCH = 500;
const LINGER_MS = 2;

/**
 * Grants in batches: requests arriving within a couple of milliseconds share one
 * transaction (their attempts' advisory locks taken in one sorted statement, one read of their
 * entries, one multi-row insert of the new grants, their data credit) and one pipelined board
 * update. The same rules as a single grant hold — keys are the same, so a request repeated
 * inside a batch, across batches or against a single grant still grants once, and never after
 * a revocation. Attempts that resumed from a checkpoint (partial credit of predecessors) take
 * the single path. Used for the grants that need no CV change: unreplicated results.
 */
@Injectable()
export class GrantBatcher implements OnModuleDestroy {
  private readonly logger = new Logger('GrantBatcher');
  private queue: { request: GrantRequest; resolve: (granted: boolean) => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pg: PgService,
    private readonly ledger: LedgerService,
    private readonly dataCredit: DataCreditService,
    private readonly boards: BoardSync,
    private readonly credits: CreditService,
  ) {}

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
  }

  /** Resolves true when this request wrote the grant, false when it existed or cannot be (no claim, revoked). */
  grant(attemptId: string, validation: ValidationOutcome, reason: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { attemptId, validation, reason }, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), LINGER_MS);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.grantMany(batch.map((item) => item.request)).then(
        (results) => batch.forEach((item, i) => item.resolve(results[i] ?? false)),
        (error: unknown) => {
          this.logger.warn({ err: error, size: batch.length }, 'a grant batch failed');
          for (const item of batch) item.reject(error);
        },
      );
    }
  }

  /** One transaction for many grants; returns, per request, whether it wrote the grant. */
  async grantMany(requests: readonly GrantRequest[]): Promise<boolean[]> {
    const ids = [...new Set(requests.map((request) => request.attemptId))];
    const resumed = new Set(
      (await this.pg.query<{ id: string }>('SELECT a.id::text AS id FROM unnest($1::uuid[]) AS k(id) JOIN "JobAttempt" a ON a.id = k.id WHERE a."resumedFromId" IS NOT NULL', [ids])).map((row) => row.id),
    );
    const written = new Set<string>();
    for (const request of requests) {
      if (resumed.has(request.attemptId) && !written.has(request.attemptId)) {
        if (await this.credits.grant(request.attemptId, request.validation, request.reason)) written.add(request.attemptId);
      }
    }
    const plain = ids.filter((id) => !resumed.has(id)).sort();
    if (plain.length > 0) {
      const inserted = await this.ledger.transaction(async (tx) => {
        // Every attempt's lock, in one order for all batches (no deadlock between them).
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(h) FROM (SELECT hashtextextended('credit:' || k, 0) AS h FROM unnest(${plain}::text[]) AS k ORDER BY 1) AS locks`;
        const rows = await tx.$queryRaw<{ id: string; idempotencyKey: string; attemptId: string; state: string; kind: string }[]>`
          SELECT e.id::text AS id, e."idempotencyKey", e."attemptId"::text AS "attemptId", e.state::text AS state, e.kind::text AS kind
          FROM unnest(${plain}::uuid[]) AS k(id) JOIN "CreditLedgerEntry" e ON e."attemptId" = k.id`;
        const keys = new Set(rows.map((row) => row.idempotencyKey));
        const claims = new Map<string, (typeof rows)[number]>();
        for (const row of rows) if (row.state === 'CLAIMED' && row.kind !== 'DATA' && !claims.has(row.attemptId)) claims.set(row.attemptId, row);
        const entryIds: string[] = [];
        const claimIds: string[] = [];
        const grantKeys: string[] = [];
        const reasons: string[] = [];
        const validations: string[] = [];
        const seen = new Set<string>();
        for (const request of requests) {
          const attemptId = request.attemptId;
          if (resumed.has(attemptId) || seen.has(attemptId)) continue;
          seen.add(attemptId);
          const claim = claims.get(attemptId);
          if (!claim) continue;
          const key = (state: 'granted' | 'revoked') => (claim.kind === 'VALIDATION' ? ledgerKeys.validation(attemptId, state) : ledgerKeys.compute(attemptId, state));
          if (keys.has(key('granted')) || keys.has(key('revoked'))) continue;
          entryIds.push(uuidV7()); // time-ordered, as LedgerService.insert's
          claimIds.push(claim.id);
          grantKeys.push(key('granted'));
          reasons.push(`granted: ${request.reason}`);
          validations.push(JSON.stringify(request.validation));
        }
        // The grant copies its claim inside PostgreSQL (amount, inputs + validation): no inputs travel.
        const granted: LedgerRow[] =
          claimIds.length === 0
            ? []
            : (
                await tx.$queryRaw<RawGrant[]>`
                  INSERT INTO "CreditLedgerEntry" (id, "idempotencyKey", "userId", "agentId", "jobId", "attemptId", kind, state, amount, reason, inputs, "createdAt")
                  SELECT g.id, g.key, c."userId", c."agentId", c."jobId", c."attemptId", c.kind, 'GRANTED'::"CreditState", c.amount, g.reason,
                         c.inputs || jsonb_build_object('claimEntryId', c.id::text, 'validation', g.validation::jsonb),
                         clock_timestamp() -- after the locks (now() would be the transaction's start, possibly before the claim)
                  FROM unnest(${entryIds}::uuid[], ${claimIds}::uuid[], ${grantKeys}::text[], ${reasons}::text[], ${validations}::text[]) AS g(id, claim_id, key, reason, validation)
                  JOIN "CreditLedgerEntry" c ON c.id = g.claim_id
                  ON CONFLICT ("idempotencyKey") DO NOTHING
                  RETURNING id::text AS id, "idempotencyKey", "userId"::text AS "userId", "agentId"::text AS "agentId", "jobId"::text AS "jobId", "attemptId"::text AS "attemptId",
                            kind::text AS kind, amount::text AS amount, reason, jsonb_build_object('teamId', inputs->'teamId', 'gpuClass', inputs->'gpuClass') AS inputs, "createdAt"`
              ).map((row) => ({ ...row, state: 'GRANTED' as const, amount: new Dec(row.amount).toFixed() }));
        const all: LedgerRow[] = [...granted];
        const computeGrants = granted.filter((row) => row.kind === 'COMPUTE' && row.jobId);
        if (computeGrants.length > 0) {
          // Only the parts of each spec that name datasets travel (SPEC_DATASET_FIELDS), not whole specs.
          const jobIds = computeGrants.map((row) => row.jobId as string);
          const specs = new Map(
            (
              await tx.$queryRaw<{ id: string; spec: unknown }[]>`
                SELECT j.id::text AS id, (SELECT jsonb_object_agg(f, j.spec -> f) FROM unnest(${SPEC_DATASET_FIELDS}::text[]) AS f WHERE j.spec -> f IS NOT NULL) AS spec
                FROM unnest(${jobIds}::uuid[]) AS k(id) JOIN "Job" j ON j.id = k.id`
            ).map((job) => [job.id, job.spec]),
          );
          for (const row of computeGrants) {
            const spec = specs.get(row.jobId as string);
            if (datasetsOfSpec(spec).length === 0) continue;
            all.push(...(await this.dataCredit.grant(tx, { attemptId: row.attemptId as string, jobId: row.jobId as string, spec, computeCredit: row.amount, grantedAt: row.createdAt.getTime() })));
          }
        }
        return all;
      });
      await this.boards.applyCommitted(inserted);
      for (const row of inserted) if (row.state === 'GRANTED' && row.kind !== 'DATA' && row.attemptId) written.add(row.attemptId);
    }
    // Only the first request for an attempt reports the write.
    const reported = new Set<string>();
    return requests.map((request) => {
      if (!written.has(request.attemptId) || reported.has(request.attemptId)) return false;
      reported.add(request.attemptId);
      return true;
    });
  }
}
