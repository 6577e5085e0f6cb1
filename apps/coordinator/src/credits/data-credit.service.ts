import { Inject, Injectable } from '@nestjs/common';
import { splitDataCredit, type CreditsConfig, type DatasetNode } from '@potluck/credits';
import type { DatasetRef } from '@potluck/protocol';
import { CREDITS_CONFIG } from './credits-config.js';
import { ledgerKeys, LedgerService, type LedgerRow, type NewEntry, type Tx } from './ledger.service.js';

/** The fields of a job spec that name the datasets it reads (a query may fetch only these). */
export const SPEC_DATASET_FIELDS: readonly string[] = ['datasets', 'dataset', 'input'];

/** The dataset versions a job read (by its spec), whatever its kind. */
export function datasetsOfSpec(spec: unknown): DatasetRef[] {
  if (spec === null || typeof spec !== 'object') return [];
  const record = spec as Record<string, unknown>;
  const refs: unknown[] = [];
  for (const field of SPEC_DATASET_FIELDS) {
    const value = record[field];
    if (Array.isArray(value)) refs.push(...(value as unknown[]));
    else if (value) refs.push(value);
  }
  return refs.filter(
    (ref): ref is DatasetRef =>
      ref !== null && typeof ref === 'object' && typeof (ref as DatasetRef).datasetId === 'string' && typeof (ref as DatasetRef).version === 'number',
  );
}

/**
 * Data credit (CREDITS.md): when a job's compute is granted, α × that credit goes to the
 * contributors of the datasets it read, split by tokens (each version's estimated tokens:
 * runtimes report the total they processed, not per dataset) and along lineage (parents of
 * a derived version) by libs/credits. One DATA entry per contributor and attempt.
 */
@Injectable()
export class DataCreditService {
  constructor(
    private readonly ledger: LedgerService,
    @Inject(CREDITS_CONFIG) private readonly credits: CreditsConfig,
  ) {}

  async grant(tx: Tx, source: { attemptId: string; jobId: string; spec: unknown; computeCredit: string; grantedAt: number }): Promise<LedgerRow[]> {
    const refs = datasetsOfSpec(source.spec);
    if (refs.length === 0) return [];
    const consumedVersions = await tx.datasetVersion.findMany({
      where: { OR: refs.map((ref) => ({ datasetId: ref.datasetId, version: ref.version })) },
      select: { id: true, estimatedTokens: true },
    });
    const nodes = await this.lineage(tx, consumedVersions.map((version) => version.id));
    const split = splitDataCredit(
      {
        computeCredit: source.computeCredit,
        consumed: consumedVersions.map((version) => ({ datasetId: version.id, tokens: version.estimatedTokens > 0n ? version.estimatedTokens : 1n })),
        lineage: (id) => nodes.get(id)?.node,
      },
      this.credits,
    );
    const entries: NewEntry[] = [];
    for (const [userId, amount] of Object.entries(split.byContributor)) {
      if (amount === '0') continue;
      const allocations = split.allocations
        .filter((allocation) => allocation.contributorId === userId)
        .map((allocation) => ({
          datasetVersionId: allocation.datasetId,
          datasetId: nodes.get(allocation.datasetId)?.datasetId ?? null,
          consumedVersionId: allocation.consumedDatasetId,
          depth: allocation.depth,
          amount: allocation.amount,
        }));
      entries.push({
        idempotencyKey: ledgerKeys.data(source.attemptId, userId, 'granted'),
        userId,
        jobId: source.jobId,
        attemptId: source.attemptId,
        kind: 'DATA',
        state: 'GRANTED',
        amount,
        reason: `data credit: α = ${this.credits.dataCreditAlpha} of the ${source.computeCredit} compute credit granted to attempt ${source.attemptId}`,
        inputs: { v: 1, computeCredit: source.computeCredit, alpha: this.credits.dataCreditAlpha, total: split.total, allocations, teamId: await this.ledger.teamOf(tx, userId), grantedAt: source.grantedAt },
      });
    }
    return this.ledger.insert(tx, entries);
  }

  /** Takes back the data credit granted from an attempt whose compute is revoked. */
  async revoke(tx: Tx, attemptId: string, reason: string): Promise<LedgerRow[]> {
    const granted = await tx.creditLedgerEntry.findMany({ where: { attemptId, kind: 'DATA', state: 'GRANTED' } });
    return this.ledger.insert(
      tx,
      granted.map((entry) => {
        const inputs = (entry.inputs ?? {}) as Record<string, unknown>;
        return {
          idempotencyKey: ledgerKeys.data(attemptId, entry.userId, 'revoked'),
          userId: entry.userId,
          jobId: entry.jobId,
          attemptId,
          kind: 'DATA' as const,
          state: 'REVOKED' as const,
          amount: entry.amount.toFixed(),
          reason: `data credit revoked: ${reason}`,
          inputs: { v: 1, revokes: entry.id, teamId: typeof inputs.teamId === 'string' ? inputs.teamId : null, grantedAt: entry.createdAt.getTime() },
        };
      }),
    );
  }

  /** Versions reachable from the consumed ones through lineage, with contributors and parents. */
  private async lineage(tx: Tx, start: readonly string[]): Promise<Map<string, { datasetId: string; node: DatasetNode }>> {
    const nodes = new Map<string, { datasetId: string; node: DatasetNode }>();
    let frontier = [...new Set(start)];
    for (let depth = 0; frontier.length > 0 && depth <= this.credits.lineageMaxDepth + 1; depth += 1) {
      const versions = await tx.datasetVersion.findMany({
        where: { id: { in: frontier } },
        select: { id: true, datasetId: true, dataset: { select: { ownerId: true, contributors: { select: { userId: true, share: true } } } }, parents: { select: { parentId: true } } },
      });
      for (const version of versions) {
        const contributors = version.dataset.contributors.length
          ? version.dataset.contributors.map((c) => ({ contributorId: c.userId, share: c.share.toFixed() }))
          : [{ contributorId: version.dataset.ownerId, share: '1' }];
        nodes.set(version.id, { datasetId: version.datasetId, node: { contributors, parents: version.parents.map((p) => ({ datasetId: p.parentId })) } });
      }
      frontier = [...new Set(versions.flatMap((version) => version.parents.map((p) => p.parentId)))].filter((id) => !nodes.has(id));
    }
    return nodes;
  }
}
