import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import { uuidV7 } from '../database/uuid-v7.js';
import type { CreditKind, CreditState, Prisma } from '../generated/prisma/client.js';
import type { LedgerRowForBoards } from './board-math.js';

export type Tx = Prisma.TransactionClient;

export interface NewEntry {
  idempotencyKey: string;
  userId: string;
  agentId?: string | null;
  jobId?: string | null;
  attemptId?: string | null;
  kind: CreditKind;
  state: CreditState;
  /** Decimal string, at most 18 places. */
  amount: string;
  reason: string;
  inputs: Prisma.InputJsonObject;
}

export interface LedgerRow extends LedgerRowForBoards {
  idempotencyKey: string;
  agentId: string | null;
  jobId: string | null;
  attemptId: string | null;
  reason: string;
}

/** Deterministic idempotency keys: one entry per subject, kind of credit and state, ever. */
export const ledgerKeys = {
  compute: (attemptId: string, state: 'claimed' | 'pending' | 'granted' | 'revoked') => `compute:${attemptId}:${state}`,
  validation: (attemptId: string, state: 'claimed' | 'pending' | 'granted' | 'revoked') => `validation:${attemptId}:${state}`,
  data: (attemptId: string, userId: string, state: 'granted' | 'revoked') => `data:${attemptId}:${userId}:${state}`,
};

/** A position in the ledger's (createdAt, id) order: the last entry of a page read. */
export interface LedgerCursor {
  createdAt: Date;
  id: string;
}

/**
 * The entries after `cursor` in (createdAt, id) order, ascending or descending. The bound on
 * createdAt alone is what an index seeks to; the OR, which no index can seek by, only drops
 * the cursor's own timestamp's entries already read. Written as the OR alone, every page
 * walked the index from the start: reading the ledger was quadratic in its size.
 */
export function ledgerEntriesAfter(cursor: LedgerCursor, order: 'asc' | 'desc'): Prisma.CreditLedgerEntryWhereInput {
  return order === 'asc'
    ? { createdAt: { gte: cursor.createdAt }, OR: [{ createdAt: { gt: cursor.createdAt } }, { id: { gt: cursor.id } }] }
    : { createdAt: { lte: cursor.createdAt }, OR: [{ createdAt: { lt: cursor.createdAt } }, { id: { lt: cursor.id } }] };
}

/**
 * The append-only credit ledger (PostgreSQL; a trigger refuses UPDATE and DELETE). Every
 * write names its idempotency key; a key already present is skipped, so a retried job, a
 * duplicate message or a replayed event never writes twice. Decisions that depend on the
 * entries already there (grant only a claim never revoked, …) run under a transaction-level
 * advisory lock of their subject.
 */
@Injectable()
export class LedgerService {
  constructor(private readonly prisma: PrismaService) {}

  /** Serialises decisions about one subject (an attempt) until the transaction ends. */
  async lock(tx: Tx, subject: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`credit:${subject}`}, 0))`;
  }

  /** Inserts the entries whose keys are new; returns those inserted (the others were there already). */
  async insert(tx: Tx, entries: readonly NewEntry[]): Promise<LedgerRow[]> {
    if (entries.length === 0) return [];
    const rows = await tx.creditLedgerEntry.createManyAndReturn({
      // Time-ordered ids: the ledger only grows, and its primary key then grows at one edge.
      data: entries.map((entry) => ({ id: uuidV7(), ...entry, agentId: entry.agentId ?? null, jobId: entry.jobId ?? null, attemptId: entry.attemptId ?? null })),
      skipDuplicates: true,
    });
    return rows.map(toRow);
  }

  /** Entries by key (those that exist). */
  async byKeys(tx: Tx, keys: readonly string[]): Promise<Map<string, LedgerRow>> {
    if (keys.length === 0) return new Map();
    const rows = await tx.creditLedgerEntry.findMany({ where: { idempotencyKey: { in: [...keys] } } });
    return new Map(rows.map((row) => [row.idempotencyKey, toRow(row)]));
  }

  async ofAttempt(tx: Tx, attemptId: string): Promise<LedgerRow[]> {
    const rows = await tx.creditLedgerEntry.findMany({ where: { attemptId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map(toRow);
  }

  /** The contributor's current team (an open stint), recorded on entries for the team boards. */
  async teamOf(tx: Tx, userId: string): Promise<string | null> {
    const open = await tx.teamMembership.findFirst({ where: { userId, leftAt: null }, select: { teamId: true } });
    return open?.teamId ?? null;
  }

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.client.$transaction(work, { timeout: 20_000 });
  }
}

export function toRow(row: {
  id: string;
  idempotencyKey: string;
  userId: string;
  agentId: string | null;
  jobId: string | null;
  attemptId: string | null;
  kind: CreditKind;
  state: CreditState;
  amount: { toFixed(): string };
  reason: string;
  inputs: unknown;
  createdAt: Date;
}): LedgerRow {
  return {
    id: row.id,
    idempotencyKey: row.idempotencyKey,
    userId: row.userId,
    agentId: row.agentId,
    jobId: row.jobId,
    attemptId: row.attemptId,
    kind: row.kind,
    state: row.state,
    amount: row.amount.toFixed(),
    reason: row.reason,
    inputs: row.inputs,
    createdAt: row.createdAt,
  };
}
