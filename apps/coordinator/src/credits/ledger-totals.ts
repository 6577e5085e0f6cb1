import type { KindTotals } from '@potluck/protocol';
import { Dec, sumCredits } from '@potluck/credits';
import type { PrismaService } from '../database/prisma.service.js';

type Client = PrismaService['client'];
const KINDS = { COMPUTE: 'compute', DATA: 'data', VALIDATION: 'validation' } as const;

export function zeroTotals(): KindTotals {
  return { compute: '0', data: '0', validation: '0', total: '0' };
}

function withTotal(parts: Omit<KindTotals, 'total'>): KindTotals {
  return { ...parts, total: sumCredits([parts.compute, parts.data, parts.validation]) };
}

/** Exact sums of the ledger (NUMERIC in PostgreSQL, decimal strings here). */
export async function userTotals(prisma: Client, userId: string): Promise<{ granted: KindTotals; revoked: KindTotals; pending: KindTotals }> {
  const rows = await prisma.$queryRaw<{ kind: keyof typeof KINDS; state: string; amount: string }[]>`
    SELECT kind::text AS kind, state::text AS state, SUM(amount)::text AS amount
    FROM "CreditLedgerEntry" WHERE "userId" = ${userId}::uuid AND state IN ('GRANTED', 'REVOKED')
    GROUP BY kind, state`;
  const pendingRows = await prisma.$queryRaw<{ kind: keyof typeof KINDS; amount: string }[]>`
    SELECT c.kind::text AS kind, SUM(c.amount)::text AS amount
    FROM "CreditLedgerEntry" c
    WHERE c."userId" = ${userId}::uuid AND c.state = 'CLAIMED' AND NOT EXISTS (
      SELECT 1 FROM "CreditLedgerEntry" d
      WHERE d."attemptId" = c."attemptId" AND d.kind = c.kind AND d."userId" = c."userId" AND d.state IN ('GRANTED', 'REVOKED'))
    GROUP BY c.kind`;
  const granted = { compute: '0', data: '0', validation: '0' };
  const revoked = { compute: '0', data: '0', validation: '0' };
  const pending = { compute: '0', data: '0', validation: '0' };
  for (const row of rows) {
    const kind = KINDS[row.kind];
    if (row.state === 'GRANTED') granted[kind] = sumCredits([granted[kind], row.amount]);
    else revoked[kind] = sumCredits([revoked[kind], row.amount]);
  }
  for (const row of pendingRows) pending[KINDS[row.kind]] = sumCredits([row.amount]);
  const minus = (a: string, b: string) => new Dec(a).sub(new Dec(b)).toFixed();
  const net = { compute: minus(granted.compute, revoked.compute), data: minus(granted.data, revoked.data), validation: minus(granted.validation, revoked.validation) };
  return { granted: withTotal(net), revoked: withTotal(revoked), pending: withTotal(pending) };
}

/** Credit counted for a team: entries written while the contributor was a member (their inputs name the team). */
export async function teamMemberTotals(prisma: Client, teamId: string): Promise<Map<string, string>> {
  const rows = await prisma.$queryRaw<{ userId: string; amount: string }[]>`
    SELECT "userId"::text AS "userId", SUM(CASE WHEN state = 'GRANTED' THEN amount ELSE -amount END)::text AS amount
    FROM "CreditLedgerEntry" WHERE state IN ('GRANTED', 'REVOKED') AND inputs->>'teamId' = ${teamId}
    GROUP BY "userId"`;
  return new Map(rows.map((row) => [row.userId, sumCredits([row.amount])]));
}
