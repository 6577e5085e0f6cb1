import { Inject, Injectable } from '@nestjs/common';
import type { CreditsConfig } from '@potluck/credits';
import type { BoardKind, BoardPage, BoardQuery, BoardRow, BoardScope, BoardWindow } from '@potluck/protocol';
import type { Principal } from '../auth/principal.js';
import { ExpiringCache } from '../common/expiring-cache.js';
import { JsonText } from '../common/json-text.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { floatToCredit, recentRate, safeUnitsToCredit, unitsToCredit } from './board-math.js';
import { BoardSync } from './board-sync.service.js';
import { BoardsStore } from './boards.store.js';
import { CREDITS_CONFIG } from './credits-config.js';

/** How many matches of a search are ranked (prefix matches beyond this are not listed). */
const SEARCH_CANDIDATES = 500;
const NAME_CACHE_MS = 60_000;
const NAME_CACHE_SIZE = 100_000;
/** Board pages kept (window, kind, scope, cursor and limit make a page; the oldest makes room). */
const PAGE_CACHE_SIZE = 1_000;
const UUID = /^[0-9a-f-]{36}$/;

interface Name {
  handle: string;
  name: string;
}

/**
 * What a board page shows every viewer alike (`me` is each viewer's own) and, once a reply has
 * needed it, that part serialised around the place where `me` goes.
 */
interface SharedPage {
  page: Omit<BoardPage, 'me'>;
  json?: { beforeMe: string; afterMe: string };
}

/** The page with the caller's row, its fields in the order the JSON has them. */
function withMe(page: SharedPage['page'], me: BoardRow | null): BoardPage {
  return { window: page.window, kind: page.kind, scope: page.scope, total: page.total, items: page.items, nextCursor: page.nextCursor, me, asOf: page.asOf };
}

function jsonAroundMe(page: SharedPage['page']): NonNullable<SharedPage['json']> {
  const { asOf, ...beforeMe } = page;
  const head = JSON.stringify(beforeMe); // an object: ends with '}'
  return { beforeMe: `${head.slice(0, -1)},"me":`, afterMe: `,"asOf":${JSON.stringify(asOf)}}` };
}

/**
 * Leaderboard pages: ranks and scores from Redis, names from PostgreSQL (one query per page).
 * A page's shared part is reused for POTLUCK_BOARD_PAGE_CACHE_MS (its `asOf` says when it was
 * read) unless this process changed the boards meanwhile; the caller's own row is read for
 * every request.
 */
@Injectable()
export class BoardsService {
  /** Per scope, by member id (no key is built per lookup: a page looks up a hundred). */
  private readonly nameCache = { contributors: new ExpiringCache<string, Name>(NAME_CACHE_MS, NAME_CACHE_SIZE), teams: new ExpiringCache<string, Name>(NAME_CACHE_MS, NAME_CACHE_SIZE) };
  private readonly pages: ExpiringCache<string, SharedPage>;

  constructor(
    private readonly prisma: PrismaService,
    private readonly store: BoardsStore,
    private readonly sync: BoardSync,
    @Inject(CREDITS_CONFIG) private readonly credits: CreditsConfig,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pages = new ExpiringCache(config.POTLUCK_BOARD_PAGE_CACHE_MS, PAGE_CACHE_SIZE);
  }

  async page(query: BoardQuery, viewer: Principal | null, now = Date.now()): Promise<BoardPage> {
    const { shared, me } = await this.parts(query, viewer, now);
    return withMe(shared.page, me);
  }

  /**
   * The same page as JSON text, for the HTTP answer: the shared part of a cached page is
   * serialised once, and each request adds only the caller's row.
   */
  async pageJson(query: BoardQuery, viewer: Principal | null, now = Date.now()): Promise<JsonText> {
    const { shared, me } = await this.parts(query, viewer, now);
    shared.json ??= jsonAroundMe(shared.page);
    return new JsonText(`${shared.json.beforeMe}${JSON.stringify(me)}${shared.json.afterMe}`);
  }

  private async parts(query: BoardQuery, viewer: Principal | null, now: number): Promise<{ shared: SharedPage; me: BoardRow | null }> {
    await this.sync.advance(now);
    const { window, kind, scope } = query;
    const offset = query.cursor ? Number(query.cursor) : 0;
    if (query.search) {
      const candidates = await this.searchMembers(scope, query.search, window, kind);
      const ranks = await this.store.ranks(window, kind, scope, candidates);
      const all = candidates
        .map((member, i) => ({ member, rank: ranks[i] }))
        .filter((row): row is { member: string; rank: number } => typeof row.rank === 'number')
        .sort((a, b) => a.rank - b.rank);
      const total = await this.store.count(window, kind, scope);
      const shown = all.slice(offset, offset + query.limit);
      const items = await this.rows(
        window,
        kind,
        scope,
        shown.map((row) => row.member),
        shown.map((row) => row.rank + 1),
        now,
      );
      const meMember = await this.memberOf(scope, viewer);
      const page = { window, kind, scope, total, items, nextCursor: all.length > offset + query.limit ? String(offset + query.limit) : null, asOf: new Date(now).toISOString() };
      return { shared: { page }, me: meMember ? await this.me(window, kind, scope, meMember, now) : null };
    }
    const meMember = await this.memberOf(scope, viewer);
    const pageKey = `${window}:${kind}:${scope}:${offset}:${query.limit}`;
    const version = this.store.version; // read before the page: a change while it is read drops it
    const shared = this.pages.get(pageKey, now, version);
    if (shared) return { shared, me: meMember ? await this.me(window, kind, scope, meMember, now) : null };
    const slice = await this.store.pageWithMember(window, kind, scope, offset, query.limit, meMember);
    const { total, members, scores } = slice;
    const ranks = members.map((_, i) => offset + i + 1);
    if (slice.member && meMember) {
      members.push(meMember);
      ranks.push(slice.member.rank + 1);
      scores.push(slice.member.score);
    }
    const rows = await this.rows(window, kind, scope, members, ranks, now, scores);
    const me = slice.member && meMember ? (rows.pop() ?? null) : null;
    const fresh: SharedPage = { page: { window, kind, scope, total, items: rows, nextCursor: total > offset + query.limit ? String(offset + query.limit) : null, asOf: new Date(now).toISOString() } };
    this.pages.set(pageKey, fresh, now, version);
    return { shared: fresh, me };
  }

  /** The caller's member on a board: themself (contributors), their current team (teams); none for GPU classes. */
  private async memberOf(scope: BoardScope, viewer: Principal | null): Promise<string | null> {
    if (!viewer || scope === 'gpu-class') return null;
    if (scope === 'contributors') return viewer.userId;
    return (await this.prisma.client.teamMembership.findFirst({ where: { userId: viewer.userId, leftAt: null }, select: { teamId: true } }))?.teamId ?? null;
  }

  /** 1-based rank of a member on a board, or null. */
  async rankOf(window: BoardWindow, kind: BoardKind, scope: BoardScope, member: string): Promise<number | null> {
    const [rank] = await this.store.ranks(window, kind, scope, [member]);
    return rank === null || rank === undefined ? null : rank + 1;
  }

  /** Recent average credit per day of a member (total kind). */
  async recentAverage(scope: BoardScope, member: string, now = Date.now()): Promise<string> {
    const [score] = await this.store.scores('recent', 'total', scope, [member]);
    return floatToCredit(recentRate(score ?? 0, now, this.credits.recentAverageHalfLifeMs));
  }

  /** A member's own row: one round trip for its rank and score. */
  private async me(window: BoardWindow, kind: BoardKind, scope: BoardScope, member: string, now: number): Promise<BoardRow | null> {
    const place = await this.store.place(window, kind, scope, member);
    if (!place) return null;
    const [row] = await this.rows(window, kind, scope, [member], [place.rank + 1], now, [place.score]);
    return row ?? null;
  }

  /**
   * Rows with credit and names. Scores already read are used: on the exact boards a score is
   * the exact total while it is a safe integer (below 2^53 units, 9 million credits); past
   * that the exact total is read from its hash.
   */
  private async rows(window: BoardWindow, kind: BoardKind, scope: BoardScope, members: readonly string[], ranks: readonly number[], now: number, knownScores?: readonly number[]): Promise<BoardRow[]> {
    const scores = knownScores ?? (await this.store.scores(window, kind, scope, members)).map((score) => score ?? 0);
    let credits: string[];
    if (window === 'recent') credits = scores.map((score) => floatToCredit(recentRate(score, now, this.credits.recentAverageHalfLifeMs)));
    else if (scores.every((score) => Number.isSafeInteger(score))) credits = scores.map(safeUnitsToCredit);
    else credits = (await this.store.totals(window, kind, scope, members)).map(unitsToCredit);
    const names = await this.names(scope, members);
    return members.map((member, i) => {
      const name = names[i];
      return { rank: ranks[i] ?? 0, id: member, handle: name?.handle ?? member, name: name?.name ?? member, credit: credits[i] ?? '0' };
    });
  }

  /** Handles and names in the order of `members` (undefined: none), cached for a minute (a board page shows the same few hundred again and again). */
  private async names(scope: BoardScope, members: readonly string[]): Promise<(Name | undefined)[]> {
    if (scope === 'gpu-class') return [];
    const cache = this.nameCache[scope];
    const now = Date.now();
    const out: (Name | undefined)[] = new Array<Name | undefined>(members.length);
    let missing: string[] | null = null;
    for (let i = 0; i < members.length; i += 1) {
      const member = members[i] as string;
      const cached = cache.get(member, now);
      if (cached) out[i] = cached;
      else if (UUID.test(member)) (missing ??= []).push(member);
    }
    if (!missing) return out;
    const found =
      scope === 'contributors'
        ? (await this.prisma.client.user.findMany({ where: { id: { in: missing } }, select: { id: true, handle: true, displayName: true } })).map((u) => ({ id: u.id, handle: u.handle, name: u.displayName }))
        : (await this.prisma.client.team.findMany({ where: { id: { in: missing } }, select: { id: true, slug: true, name: true } })).map((t) => ({ id: t.id, handle: t.slug, name: t.name }));
    const byId = new Map<string, Name>();
    for (const row of found) {
      const name = { handle: row.handle, name: row.name };
      byId.set(row.id, name);
      cache.set(row.id, name, now);
    }
    return members.map((member, i) => out[i] ?? byId.get(member));
  }

  private async searchMembers(scope: BoardScope, search: string, window: BoardWindow, kind: BoardKind): Promise<string[]> {
    const prefix = search.toLowerCase();
    if (scope === 'contributors') {
      const users = await this.prisma.client.user.findMany({ where: { handle: { startsWith: prefix, mode: 'insensitive' } }, select: { id: true }, take: SEARCH_CANDIDATES });
      return users.map((user) => user.id);
    }
    if (scope === 'teams') {
      const teams = await this.prisma.client.team.findMany({ where: { slug: { startsWith: prefix, mode: 'insensitive' } }, select: { id: true }, take: SEARCH_CANDIDATES });
      return teams.map((team) => team.id);
    }
    const classes = await this.store.slice(window, kind, scope, 0, SEARCH_CANDIDATES);
    return classes.rows.map((row) => row.member).filter((member) => member.toLowerCase().startsWith(prefix));
  }
}
