import { Injectable } from '@nestjs/common';
import { sumCredits } from '@potluck/credits';
import type { ContributorProfile, CreditPoint, LineageEntry } from '@potluck/protocol';
import { isAdmin, type Principal } from '../auth/principal.js';
import { NotFoundError } from '../common/errors.js';
import { PrismaService } from '../database/prisma.service.js';
import { BoardsService } from './boards.service.js';
import { userTotals } from './ledger-totals.js';
import { ReceiptsService } from './receipts.service.js';

const JOB_KIND = { FINE_TUNE: 'fine-tune', EVAL: 'eval', DATASET: 'dataset', PIPELINE: 'pipeline' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A contributor's public page; pending credit only for the contributor themself and admins. */
@Injectable()
export class ProfileService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly boards: BoardsService,
    private readonly receipts: ReceiptsService,
  ) {}

  async profile(handleOrId: string, viewer: Principal | null, now = Date.now()): Promise<ContributorProfile> {
    const user = await this.prisma.client.user.findFirst({
      where: UUID.test(handleOrId) ? { id: handleOrId.toLowerCase() } : { handle: handleOrId },
      select: { id: true, handle: true, displayName: true, createdAt: true, disabledAt: true },
    });
    if (!user || user.disabledAt) throw new NotFoundError('Contributor');
    const own = viewer !== null && (viewer.userId === user.id || isAdmin(viewer));
    const [totals, membership, energy, gpus, series, receipts, helped, all, d30, d7, recentAverage] = await Promise.all([
      userTotals(this.prisma.client, user.id),
      this.prisma.client.teamMembership.findFirst({ where: { userId: user.id, leftAt: null }, include: { team: { select: { id: true, slug: true, name: true } } } }),
      this.energy(user.id),
      this.gpus(user.id),
      this.series(user.id, now),
      this.receipts.list({ userId: user.id }, { limit: 10 }),
      this.helpedTrain(user.id),
      this.boards.rankOf('all', 'total', 'contributors', user.id),
      this.boards.rankOf('30d', 'total', 'contributors', user.id),
      this.boards.rankOf('7d', 'total', 'contributors', user.id),
      this.boards.recentAverage('contributors', user.id, now),
    ]);
    return {
      userId: user.id,
      handle: user.handle,
      displayName: user.displayName,
      joinedAt: user.createdAt.toISOString(),
      team: membership ? { id: membership.team.id, slug: membership.team.slug, name: membership.team.name } : null,
      granted: totals.granted,
      revoked: totals.revoked,
      pending: own ? totals.pending : null,
      recentAverage,
      ranks: { all, d30, d7 },
      energyWh: energy,
      gpus,
      series,
      recentReceipts: receipts.items,
      helpedTrain: helped,
    };
  }

  /** Watt-hours of the contributor's granted compute and validation (revoked ones taken back). */
  private async energy(userId: string): Promise<string> {
    const [row] = await this.prisma.client.$queryRaw<{ wh: string | null }[]>`
      SELECT SUM(CASE WHEN state = 'GRANTED' THEN 1 ELSE -1 END * COALESCE((inputs->'energy'->>'wattHours')::numeric, 0))::text AS wh
      FROM "CreditLedgerEntry"
      WHERE "userId" = ${userId}::uuid AND kind IN ('COMPUTE', 'VALIDATION') AND (state = 'GRANTED' OR (state = 'REVOKED' AND inputs->>'revokes' IS NOT NULL))`;
    return sumCredits([row?.wh ?? '0']);
  }

  private async gpus(userId: string): Promise<{ name: string; count: number }[]> {
    const rows = await this.prisma.client.gpu.groupBy({ by: ['name'], where: { agent: { ownerId: userId, revokedAt: null } }, _count: { _all: true }, orderBy: { name: 'asc' } });
    return rows.map((row) => ({ name: row.name, count: row._count._all }));
  }

  /** Granted minus revoked per UTC day and kind over the last 90 days. */
  private async series(userId: string, now: number): Promise<CreditPoint[]> {
    const rows = await this.prisma.client.$queryRaw<{ day: string; kind: string; amount: string }[]>`
      SELECT to_char(date_trunc('day', "createdAt" AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, kind::text AS kind,
             SUM(CASE WHEN state = 'GRANTED' THEN amount ELSE -amount END)::text AS amount
      FROM "CreditLedgerEntry"
      WHERE "userId" = ${userId}::uuid AND state IN ('GRANTED', 'REVOKED') AND "createdAt" >= ${new Date(now - 90 * 86_400_000)}
      GROUP BY 1, 2 ORDER BY 1`;
    const byDay = new Map<string, CreditPoint>();
    for (const row of rows) {
      const point = byDay.get(row.day) ?? { day: row.day, credit: { compute: '0', data: '0', validation: '0', total: '0' } };
      const kind = row.kind === 'COMPUTE' ? 'compute' : row.kind === 'DATA' ? 'data' : 'validation';
      point.credit[kind] = sumCredits([row.amount]);
      point.credit.total = sumCredits([point.credit.compute, point.credit.data, point.credit.validation]);
      byDay.set(row.day, point);
    }
    return [...byDay.values()];
  }

  /** "Helped train": the jobs the contributor's compute or data went into (latest 50 grants). */
  private async helpedTrain(userId: string): Promise<LineageEntry[]> {
    const rows = await this.prisma.client.creditLedgerEntry.findMany({
      where: { userId, state: 'GRANTED', kind: { in: ['COMPUTE', 'DATA'] }, jobId: { not: null } },
      include: { job: { select: { id: true, kind: true, spec: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: 50,
    });
    const versionIds = new Set<string>();
    for (const row of rows) for (const a of Array.isArray(obj(row.inputs).allocations) ? (obj(row.inputs).allocations as unknown[]) : []) versionIds.add(String(obj(a).consumedVersionId));
    const versions = await this.prisma.client.datasetVersion.findMany({ where: { id: { in: [...versionIds].filter((id) => UUID.test(id)) } }, select: { id: true, datasetId: true } });
    const datasetOfVersion = new Map(versions.map((v) => [v.id, v.datasetId]));
    const datasetIds = new Set<string>(versions.map((v) => v.datasetId));
    const entries: LineageEntry[] = [];
    for (const row of rows) {
      if (!row.job) continue;
      const base = { jobId: row.job.id, jobKind: JOB_KIND[row.job.kind], baseModel: typeof obj(row.job.spec).baseModel === 'string' ? (obj(row.job.spec).baseModel as string) : null, at: row.createdAt.toISOString() };
      if (row.kind === 'COMPUTE') {
        entries.push({ ...base, datasetId: null, datasetName: null, viaDatasetId: null, depth: 0, credit: row.amount.toFixed() });
        continue;
      }
      for (const a of (obj(row.inputs).allocations as unknown[] | undefined) ?? []) {
        const allocation = obj(a);
        const datasetId = typeof allocation.datasetId === 'string' ? allocation.datasetId : null;
        if (datasetId) datasetIds.add(datasetId);
        entries.push({
          ...base,
          datasetId,
          datasetName: null,
          viaDatasetId: datasetOfVersion.get(String(allocation.consumedVersionId)) ?? null,
          depth: typeof allocation.depth === 'number' ? allocation.depth : 0,
          credit: typeof allocation.amount === 'string' ? allocation.amount : '0',
        });
      }
    }
    // Names of private datasets stay private: the page is public.
    const datasets = await this.prisma.client.dataset.findMany({ where: { id: { in: [...datasetIds] }, visibility: 'PUBLIC' }, select: { id: true, name: true } });
    const names = new Map(datasets.map((d) => [d.id, d.name]));
    return entries.slice(0, 100).map((entry) => ({ ...entry, datasetName: entry.datasetId ? (names.get(entry.datasetId) ?? null) : null }));
  }
}
