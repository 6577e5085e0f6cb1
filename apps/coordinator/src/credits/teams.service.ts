import { Injectable } from '@nestjs/common';
import type { CreateTeamBody, KindTotals, Page, TeamDetail, TeamListQuery, TeamMembershipView, TeamView } from '@potluck/protocol';
import { AuditService } from '../audit/audit.service.js';
import type { RequestContext } from '../auth/principal.js';
import { ConflictError, NotFoundError } from '../common/errors.js';
import { isUniqueViolation } from '../database/prisma-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import { BOARD_KINDS, unitsToCredit } from './board-math.js';
import { BoardsStore } from './boards.store.js';
import { teamMemberTotals } from './ledger-totals.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type TeamRow = Prisma.TeamGetPayload<{ include: { createdBy: { select: { handle: true } } } }>;

/**
 * Teams: anyone signed in creates one (and joins it), joins or leaves. Membership is
 * history: a row per stint, at most one open per user (a partial unique index). A team's
 * totals count the credit its members earned while members: each ledger entry names the
 * team of its contributor when it was written.
 */
@Injectable()
export class TeamsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly boards: BoardsStore,
    private readonly audit: AuditService,
  ) {}

  private async find(slugOrId: string): Promise<TeamRow> {
    const team = await this.prisma.client.team.findFirst({
      where: UUID.test(slugOrId) ? { id: slugOrId.toLowerCase() } : { slug: slugOrId.toLowerCase() },
      include: { createdBy: { select: { handle: true } } },
    });
    if (!team) throw new NotFoundError('Team');
    return team;
  }

  private async totals(teamIds: readonly string[]): Promise<Map<string, KindTotals>> {
    const byKind = await Promise.all(BOARD_KINDS.map((kind) => this.boards.totals('all', kind, 'teams', teamIds)));
    return new Map(
      teamIds.map((id, i) => [
        id,
        { compute: unitsToCredit(byKind[0]?.[i] ?? 0n), data: unitsToCredit(byKind[1]?.[i] ?? 0n), validation: unitsToCredit(byKind[2]?.[i] ?? 0n), total: unitsToCredit(byKind[3]?.[i] ?? 0n) },
      ]),
    );
  }

  private async views(teams: readonly TeamRow[]): Promise<TeamView[]> {
    const ids = teams.map((team) => team.id);
    const [totals, counts, ranks] = await Promise.all([
      this.totals(ids),
      this.prisma.client.teamMembership.groupBy({ by: ['teamId'], where: { teamId: { in: ids }, leftAt: null }, _count: { _all: true } }),
      this.boards.ranks('all', 'total', 'teams', ids),
    ]);
    const count = new Map(counts.map((row) => [row.teamId, row._count._all]));
    return teams.map((team, i) => {
      const rank = ranks[i];
      return {
        id: team.id,
        slug: team.slug,
        name: team.name,
        description: team.description,
        createdAt: team.createdAt.toISOString(),
        createdByHandle: team.createdBy.handle,
        memberCount: count.get(team.id) ?? 0,
        totals: totals.get(team.id) ?? { compute: '0', data: '0', validation: '0', total: '0' },
        rank: rank === null || rank === undefined ? null : rank + 1,
      };
    });
  }

  async detail(slugOrId: string): Promise<TeamDetail> {
    const team = await this.find(slugOrId);
    const [[view], stints, credit] = await Promise.all([
      this.views([team]),
      this.prisma.client.teamMembership.findMany({
        where: { teamId: team.id },
        include: { user: { select: { handle: true } } },
        orderBy: [{ joinedAt: 'desc' }],
        take: 200,
      }),
      teamMemberTotals(this.prisma.client, team.id),
    ]);
    const members = [...stints]
      .sort((a, b) => Number(a.leftAt !== null) - Number(b.leftAt !== null))
      .map((stint) => ({
        userId: stint.userId,
        handle: stint.user.handle,
        joinedAt: stint.joinedAt.toISOString(),
        leftAt: stint.leftAt?.toISOString() ?? null,
        credit: credit.get(stint.userId) ?? '0',
      }));
    return { ...(view as TeamView), members };
  }

  async list(query: TeamListQuery): Promise<Page<TeamView>> {
    const teams = await this.prisma.client.team.findMany({
      where: { ...(query.search ? { slug: { startsWith: query.search.toLowerCase() } } : {}), ...(query.cursor ? { slug: { gt: query.cursor, ...(query.search ? { startsWith: query.search.toLowerCase() } : {}) } } : {}) },
      include: { createdBy: { select: { handle: true } } },
      orderBy: { slug: 'asc' },
      take: query.limit + 1,
    });
    const page = teams.slice(0, query.limit);
    return { items: await this.views(page), nextCursor: teams.length > query.limit ? (page[page.length - 1]?.slug ?? null) : null };
  }

  /** Creates a team; its creator joins it (leaving their current team). */
  async create(body: CreateTeamBody, context: RequestContext): Promise<TeamDetail> {
    const userId = context.principal.userId;
    try {
      const team = await this.prisma.client.$transaction(async (tx) => {
        const created = await tx.team.create({ data: { slug: body.slug, name: body.name, description: body.description, createdById: userId } });
        await this.switchTeam(tx, userId, created.id, new Date());
        await this.audit.record(context, { action: 'team.create', targetType: 'team', targetId: created.id, details: { slug: created.slug } }, tx);
        return created;
      });
      return this.detail(team.id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`A team with the slug "${body.slug}" already exists.`);
      throw error;
    }
  }

  async join(slugOrId: string, context: RequestContext): Promise<TeamMembershipView> {
    const team = await this.find(slugOrId);
    const userId = context.principal.userId;
    const stint = await this.prisma.client.$transaction(async (tx) => {
      const open = await tx.teamMembership.findFirst({ where: { userId, leftAt: null } });
      if (open?.teamId === team.id) return open;
      const joined = await this.switchTeam(tx, userId, team.id, new Date());
      await this.audit.record(context, { action: 'team.join', targetType: 'team', targetId: team.id, details: { left: open?.teamId ?? null } }, tx);
      return joined;
    });
    return { teamId: team.id, slug: team.slug, joinedAt: stint.joinedAt.toISOString(), leftAt: null };
  }

  async leave(context: RequestContext): Promise<TeamMembershipView> {
    const userId = context.principal.userId;
    const left = await this.prisma.client.$transaction(async (tx) => {
      const open = await tx.teamMembership.findFirst({ where: { userId, leftAt: null }, include: { team: { select: { slug: true } } } });
      if (!open) throw new NotFoundError('Team membership');
      const closed = await tx.teamMembership.update({ where: { id: open.id }, data: { leftAt: new Date() } });
      await this.audit.record(context, { action: 'team.leave', targetType: 'team', targetId: open.teamId }, tx);
      return { ...closed, slug: open.team.slug };
    });
    return { teamId: left.teamId, slug: left.slug, joinedAt: left.joinedAt.toISOString(), leftAt: left.leftAt?.toISOString() ?? null };
  }

  async history(userId: string): Promise<TeamMembershipView[]> {
    const stints = await this.prisma.client.teamMembership.findMany({ where: { userId }, include: { team: { select: { slug: true } } }, orderBy: { joinedAt: 'desc' }, take: 200 });
    return stints.map((stint) => ({ teamId: stint.teamId, slug: stint.team.slug, joinedAt: stint.joinedAt.toISOString(), leftAt: stint.leftAt?.toISOString() ?? null }));
  }

  /** Closes the open stint (if any) and opens one in `teamId`; the partial unique index refuses a race. */
  private async switchTeam(tx: Prisma.TransactionClient, userId: string, teamId: string, now: Date) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`team-membership:${userId}`}, 0))`;
    await tx.teamMembership.updateMany({ where: { userId, leftAt: null }, data: { leftAt: now } });
    return tx.teamMembership.create({ data: { teamId, userId, joinedAt: now } });
  }
}
