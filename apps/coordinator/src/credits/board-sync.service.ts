import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { CreditsConfig } from '@potluck/credits';
import type { BoardKind, BoardScope, BoardWindow } from '@potluck/protocol';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { BOARD_KINDS, BOARD_SCOPES, BOARD_WINDOWS, boardDelta, dayOf, DAY_MS, windowStart, type BoardDelta } from './board-math.js';
import { BoardsStore } from './boards.store.js';
import { CREDITS_CONFIG } from './credits-config.js';
import { ledgerEntriesAfter, toRow, type LedgerCursor, type LedgerRow } from './ledger.service.js';

const BATCH = 2000;

export interface BoardDifference {
  window: BoardWindow;
  kind: BoardKind;
  scope: BoardScope;
  member: string;
  ledger: string;
  board: string;
}

/**
 * Keeps the Redis boards a view of the ledger: entries are applied right after their
 * transaction commits; a periodic catch-up applies any entry of the last day that a crash
 * left out (applying is idempotent per entry); the rebuild starts from nothing; the check
 * recomputes every board from the ledger and compares.
 */
@Injectable()
export class BoardSync implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Boards');
  private advancedDay = -1;
  private timer: NodeJS.Timeout | null = null;
  private lastCatchUp = 0;

  constructor(
    private readonly prisma: PrismaService,
    private readonly boards: BoardsStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CREDITS_CONFIG) private readonly credits: CreditsConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.NODE_ENV === 'test' && this.config.POTLUCK_BOARD_CATCHUP_EVERY_MS >= 60_000) return; // tests drive catch-up themselves
    this.timer = setInterval(() => {
      this.catchUp(Date.now()).catch((error: unknown) => this.logger.warn({ err: error }, 'board catch-up failed; the next run retries'));
    }, this.config.POTLUCK_BOARD_CATCHUP_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  deltas(rows: readonly LedgerRow[]): BoardDelta[] {
    return rows.map((row) => boardDelta(row, this.credits.recentAverageHalfLifeMs)).filter((delta): delta is BoardDelta => delta !== null);
  }

  /** Moves the day windows when the UTC day changed (cheap when it did not). */
  async advance(now: number): Promise<void> {
    const today = dayOf(now);
    if (today === this.advancedDay) return;
    await this.boards.advance(today);
    this.advancedDay = today;
  }

  /** Applies committed entries (claims and pending entries are ignored). Errors are logged: the catch-up repairs. */
  async applyCommitted(rows: readonly LedgerRow[], now = Date.now()): Promise<void> {
    const deltas = this.deltas(rows);
    if (deltas.length === 0) return;
    try {
      await this.advance(now);
      await this.boards.apply(deltas);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not update the boards; the catch-up will apply these entries');
    }
  }

  /**
   * Applies granted and revoked entries written since the last catch-up (the first run: the
   * last day), with an overlap of ten minutes. Returns how many were new to the boards.
   */
  async catchUp(now: number, sinceMs?: number): Promise<number> {
    await this.advance(now);
    const since = sinceMs ?? (this.lastCatchUp === 0 ? now - DAY_MS : this.lastCatchUp - 10 * 60_000);
    let applied = 0;
    await this.scan(new Date(since), async (rows) => {
      applied += await this.boards.apply(this.deltas(rows));
    });
    this.lastCatchUp = now;
    if (applied > 0) this.logger.log({ applied }, 'board catch-up applied entries a crash had left out');
    return applied;
  }

  /** Deletes every board and applies the whole ledger again. Returns the entries applied. */
  async rebuild(now: number): Promise<number> {
    await this.boards.clear();
    this.advancedDay = -1;
    await this.advance(now);
    let applied = 0;
    await this.scan(new Date(0), async (rows) => {
      applied += await this.boards.apply(this.deltas(rows));
    });
    return applied;
  }

  /**
   * Recomputes every board from the ledger (same units and window starts as the boards
   * use) and lists each member whose total differs, or whose sorted-set score disagrees
   * with its exact total. Recent averages are floats: they must agree to 1e-9 relative.
   */
  async check(now: number): Promise<BoardDifference[]> {
    await this.advance(now);
    const starts = await this.boards.starts();
    const today = dayOf(now);
    const start30 = starts['30d'] ?? windowStart('30d', today);
    const start7 = starts['7d'] ?? windowStart('7d', today);
    const expected = new Map<string, Map<string, bigint>>();
    const expectedRecent = new Map<string, Map<string, number>>();
    const bump = (window: string, kind: string, scope: string, member: string, units: bigint) => {
      const key = `${window}|${kind}|${scope}`;
      const board = expected.get(key) ?? new Map<string, bigint>();
      board.set(member, (board.get(member) ?? 0n) + units);
      expected.set(key, board);
    };
    await this.scan(new Date(0), (rows) => {
      for (const delta of this.deltas(rows)) {
        for (const kind of [delta.kind, 'total'] as const) {
          for (const { scope, member } of delta.members) {
            bump('all', kind, scope, member, delta.units);
            if (delta.day >= start30) bump('30d', kind, scope, member, delta.units);
            if (delta.day >= start7) bump('7d', kind, scope, member, delta.units);
            const key = `${kind}|${scope}`;
            const recent = expectedRecent.get(key) ?? new Map<string, number>();
            recent.set(member, (recent.get(member) ?? 0) + delta.recent);
            expectedRecent.set(key, recent);
          }
        }
      }
      return Promise.resolve();
    });
    const differences: BoardDifference[] = [];
    for (const window of BOARD_WINDOWS) {
      for (const kind of BOARD_KINDS) {
        for (const scope of BOARD_SCOPES) {
          const { totals, scores } = await this.boards.dump(window, kind, scope);
          if (window === 'recent') {
            const want = expectedRecent.get(`${kind}|${scope}`) ?? new Map<string, number>();
            for (const member of new Set([...want.keys(), ...scores.keys()])) {
              const a = want.get(member) ?? 0;
              const b = scores.get(member) ?? 0;
              if (Math.abs(a - b) > 1e-9 * Math.max(1e-12, Math.abs(a), Math.abs(b))) {
                differences.push({ window, kind, scope, member, ledger: String(a), board: String(b) });
              }
            }
            continue;
          }
          const want = expected.get(`${window}|${kind}|${scope}`) ?? new Map<string, bigint>();
          for (const member of new Set([...want.keys(), ...totals.keys(), ...scores.keys()])) {
            const a = want.get(member) ?? 0n;
            const b = totals.get(member) ?? 0n;
            const score = scores.get(member) ?? 0;
            if (a !== b || score !== Number(b)) differences.push({ window, kind, scope, member, ledger: a.toString(), board: `${b.toString()} (score ${score})` });
          }
        }
      }
    }
    return differences;
  }

  /** Granted and revoked entries written at or after `since`, oldest first, in batches. */
  private async scan(since: Date, each: (rows: LedgerRow[]) => Promise<void>): Promise<void> {
    let cursor: LedgerCursor | null = null;
    for (;;) {
      const rows: Parameters<typeof toRow>[0][] = await this.prisma.client.creditLedgerEntry.findMany({
        where: {
          state: { in: ['GRANTED', 'REVOKED'] },
          ...(cursor ? ledgerEntriesAfter(cursor, 'asc') : { createdAt: { gte: since } }),
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: BATCH,
      });
      if (rows.length === 0) return;
      await each(rows.map(toRow));
      const last = rows[rows.length - 1];
      if (!last || rows.length < BATCH) return;
      cursor = { createdAt: last.createdAt, id: last.id };
    }
  }
}
