import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Dec, sumCredits, type CreditsConfig } from '@potluck/credits';
import type { StatsExportHeader, StatsExportIndex, StatsExportRow } from '@potluck/protocol';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { NotFoundError } from '../common/errors.js';
import { PrismaService } from '../database/prisma.service.js';
import { DAY_MS, dayOf, dayString, floatToCredit, RECENT_EPOCH_MS } from './board-math.js';
import { CREDITS_CONFIG } from './credits-config.js';

const EXPORT_UNIT = 'credit = 1 PFLOP of validated work' as const;
const FIRST_DAY = dayOf(RECENT_EPOCH_MS);

interface TotalsRow {
  id: string;
  handle: string;
  name: string;
  kind: string;
  amount: string;
  recent: number | null;
}

/**
 * The public daily stats export: per closed UTC day, one JSON line of header, then one per
 * contributor and per team with granted credit, totals up to the end of that day (format
 * version 1, docs/credits.md). Written once per day into StatsSnapshot (so a day's file never
 * changes), by an hourly timer and, for a day not written yet, on first request.
 */
@Injectable()
export class StatsExportService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('StatsExport');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CREDITS_CONFIG) private readonly credits: CreditsConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.NODE_ENV === 'test') return;
    this.timer = setInterval(() => {
      this.ensure(dayOf(Date.now()) - 1, Date.now()).catch((error: unknown) => this.logger.warn({ err: error }, 'daily stats snapshot failed; retried within the hour'));
    }, 3_600_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async index(now = Date.now()): Promise<StatsExportIndex> {
    await this.ensure(dayOf(now) - 1, now);
    const rows = await this.prisma.client.statsSnapshot.findMany({ select: { day: true }, orderBy: { day: 'desc' }, take: 3660 });
    return { days: rows.map((row) => row.day.toISOString().slice(0, 10)) };
  }

  /** The JSON-lines file of a closed day (written now if it was not yet). */
  async file(day: string, now = Date.now()): Promise<string> {
    const number = dayOf(Date.parse(`${day}T00:00:00Z`));
    if (!Number.isFinite(number) || number < FIRST_DAY || number >= dayOf(now)) throw new NotFoundError('Snapshot');
    return this.ensure(number, now);
  }

  /** Writes the snapshot of `day` unless it exists; returns its content. */
  async ensure(day: number, now: number): Promise<string> {
    const date = new Date(day * DAY_MS);
    const existing = await this.prisma.client.statsSnapshot.findUnique({ where: { day: date } });
    if (existing) return existing.content;
    const { content, contributors, teams } = await this.compute(day, now);
    await this.prisma.client.statsSnapshot.createMany({ data: [{ day: date, content, contributors, teams }], skipDuplicates: true });
    return (await this.prisma.client.statsSnapshot.findUniqueOrThrow({ where: { day: date } })).content;
  }

  private async compute(day: number, now: number): Promise<{ content: string; contributors: number; teams: number }> {
    const end = new Date((day + 1) * DAY_MS);
    const h = this.credits.recentAverageHalfLifeMs;
    const contributorRows = await this.prisma.client.$queryRaw<TotalsRow[]>`
      SELECT u.id::text AS id, u.handle AS handle, u."displayName" AS name, e.kind::text AS kind,
             SUM(CASE WHEN e.state = 'GRANTED' THEN e.amount ELSE -e.amount END)::text AS amount,
             SUM(CASE WHEN e.state = 'GRANTED' THEN 1 ELSE -1 END * e.amount::float8
                 * power(2, (COALESCE(CASE WHEN e.state = 'REVOKED' THEN (e.inputs->>'grantedAt')::float8 END, extract(epoch FROM e."createdAt") * 1000) - ${end.getTime()}::float8) / ${h}::float8)) AS recent
      FROM "CreditLedgerEntry" e JOIN "User" u ON u.id = e."userId"
      WHERE e.state IN ('GRANTED', 'REVOKED') AND e."createdAt" < ${end} AND u."disabledAt" IS NULL
      GROUP BY u.id, u.handle, u."displayName", e.kind`;
    const teamRows = await this.prisma.client.$queryRaw<TotalsRow[]>`
      SELECT t.id::text AS id, t.slug AS handle, t.name AS name, e.kind::text AS kind,
             SUM(CASE WHEN e.state = 'GRANTED' THEN e.amount ELSE -e.amount END)::text AS amount,
             SUM(CASE WHEN e.state = 'GRANTED' THEN 1 ELSE -1 END * e.amount::float8
                 * power(2, (COALESCE(CASE WHEN e.state = 'REVOKED' THEN (e.inputs->>'grantedAt')::float8 END, extract(epoch FROM e."createdAt") * 1000) - ${end.getTime()}::float8) / ${h}::float8)) AS recent
      FROM "CreditLedgerEntry" e JOIN "Team" t ON t.id::text = e.inputs->>'teamId'
      WHERE e.state IN ('GRANTED', 'REVOKED') AND e."createdAt" < ${end}
      GROUP BY t.id, t.slug, t.name, e.kind`;
    const members = await this.prisma.client.$queryRaw<{ teamId: string; members: number }[]>`
      SELECT "teamId"::text AS "teamId", COUNT(*)::int AS members FROM "TeamMembership"
      WHERE "joinedAt" < ${end} AND ("leftAt" IS NULL OR "leftAt" >= ${end}) GROUP BY "teamId"`;
    const memberCount = new Map(members.map((row) => [row.teamId, row.members]));
    const contributors = this.rows('contributor', contributorRows);
    const teams = this.rows('team', teamRows).map((row) => ({ ...row, members: memberCount.get(row.id) ?? 0 }));
    const header: StatsExportHeader = { v: 1, type: 'header', day: dayString(day), generatedAt: new Date(now).toISOString(), unit: EXPORT_UNIT, contributors: contributors.length, teams: teams.length };
    const lines = [header, ...contributors, ...teams].map((line) => JSON.stringify(line));
    return { content: `${lines.join('\n')}\n`, contributors: contributors.length, teams: teams.length };
  }

  private rows(type: 'contributor' | 'team', rows: readonly TotalsRow[]): StatsExportRow[] {
    const rate = Math.LN2 / (this.credits.recentAverageHalfLifeMs / DAY_MS);
    const byId = new Map<string, { handle: string; name: string; compute: string; data: string; validation: string; recent: number }>();
    for (const row of rows) {
      const entry = byId.get(row.id) ?? { handle: row.handle, name: row.name, compute: '0', data: '0', validation: '0', recent: 0 };
      const kind = row.kind === 'COMPUTE' ? 'compute' : row.kind === 'DATA' ? 'data' : 'validation';
      entry[kind] = sumCredits([row.amount]);
      entry.recent += Number(row.recent ?? 0);
      byId.set(row.id, entry);
    }
    const list = [...byId.entries()]
      .map(([id, entry]) => ({ id, ...entry, total: sumCredits([entry.compute, entry.data, entry.validation]) }))
      .filter((entry) => !new Dec(entry.total).isZero())
      .sort((a, b) => new Dec(b.total).comparedTo(new Dec(a.total)) || (a.id < b.id ? -1 : 1));
    return list.map((entry, i) => ({
      v: 1,
      type,
      id: entry.id,
      handle: entry.handle,
      name: entry.name,
      compute: entry.compute,
      data: entry.data,
      validation: entry.validation,
      total: entry.total,
      recentAverage: floatToCredit(entry.recent * rate),
      rank: i + 1,
    }));
  }
}
