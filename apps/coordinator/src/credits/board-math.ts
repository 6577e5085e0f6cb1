import type { BoardKind, BoardScope, BoardWindow } from '@potluck/protocol';

/**
 * The boards' arithmetic, shared by the live path, the rebuild and the check so the three
 * agree by construction. Boards count each ledger entry in whole units of 10⁻⁹ credit
 * (1 MFLOP), truncated toward zero: Redis keeps such units as exact 64-bit integers
 * (HINCRBY), which doubles could not do for 18 decimal places.
 */
export const BOARD_SCALE = 9;
const SCALE = 10n ** BigInt(BOARD_SCALE);
export const DAY_MS = 86_400_000;
/** The recent-average board stores Σ credit × 2^((t − epoch) / H): ordering by it is ordering by RAC at any moment. */
export const RECENT_EPOCH_MS = Date.UTC(2026, 0, 1);

export const BOARD_KINDS: readonly BoardKind[] = ['compute', 'data', 'validation', 'total'];
export const BOARD_SCOPES: readonly BoardScope[] = ['contributors', 'teams', 'gpu-class'];
export const BOARD_WINDOWS: readonly BoardWindow[] = ['all', '30d', '7d', 'recent'];
/** Whole UTC days a window covers, today included. */
export const WINDOW_DAYS = { '30d': 30, '7d': 7 } as const;
export type DayWindow = keyof typeof WINDOW_DAYS;

/** Decimal string (the ledger's DECIMAL(38,18)) → board units, truncated toward zero. */
export function creditUnits(amount: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new Error(`not a decimal amount: ${amount}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const units = BigInt(whole) * SCALE + BigInt((fraction + '0'.repeat(BOARD_SCALE)).slice(0, BOARD_SCALE));
  return sign === '-' ? -units : units;
}

/** Board units → a plain decimal string of credits (no trailing zeros). */
export function unitsToCredit(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(BOARD_SCALE, '0').replace(/0+$/, '');
  return `${negative && abs !== 0n ? '-' : ''}${whole.toString()}${fraction ? `.${fraction}` : ''}`;
}

/**
 * The same as unitsToCredit for units that are a safe integer (below 2^53, 9 million credits),
 * without BigInt: `%` and the division of a multiple of 10^9 are exact on such doubles. A board
 * page formats a hundred scores this way.
 */
export function safeUnitsToCredit(units: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer number of units: ${units}`);
  const abs = Math.abs(units);
  let fraction = abs % 1e9;
  const whole = (abs - fraction) / 1e9;
  const sign = units < 0 ? '-' : '';
  if (fraction === 0) return sign + String(whole);
  // Trailing zeros come off arithmetically, then the leading ones go back: no regular expression per score.
  let digits = BOARD_SCALE;
  while (fraction % 10 === 0) {
    fraction /= 10;
    digits -= 1;
  }
  const text = String(fraction);
  return `${sign}${whole}.${text.length < digits ? '0'.repeat(digits - text.length) + text : text}`;
}

/** A non-negative float → decimal string with at most 9 places (recent averages). */
export function floatToCredit(value: number): string {
  if (!Number.isFinite(value) || Math.abs(value) < 5e-10) return '0';
  const fixed = value.toFixed(BOARD_SCALE).replace(/\.?0+$/, '');
  return fixed === '-0' ? '0' : fixed;
}

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** First day a window covers when today is `today` (30d: the last 30 UTC days, today included). */
export function windowStart(window: DayWindow, today: number): number {
  return today - WINDOW_DAYS[window] + 1;
}

export function recentWeight(atMs: number, halfLifeMs: number): number {
  return 2 ** ((atMs - RECENT_EPOCH_MS) / halfLifeMs);
}

/** Recent average credit per day at `now` from a stored recent-board score. */
export function recentRate(score: number, now: number, halfLifeMs: number): number {
  return score * 2 ** (-(now - RECENT_EPOCH_MS) / halfLifeMs) * (Math.LN2 / (halfLifeMs / DAY_MS));
}

/** What one granted or revoked ledger entry does to the boards. */
export interface BoardDelta {
  entryId: string;
  kind: 'compute' | 'data' | 'validation';
  /** UTC day the credit counts for in windows: the grant's day (a revocation undoes its grant where it counted). */
  day: number;
  /** UTC day the entry was written (the applied-set the boards use to apply it once). */
  writtenDay: number;
  /** Signed board units: + for a grant, − for a revocation. */
  units: bigint;
  /** Signed contribution to the recent board's score. */
  recent: number;
  members: { scope: BoardScope; member: string }[];
}

export interface LedgerRowForBoards {
  id: string;
  userId: string;
  kind: 'COMPUTE' | 'DATA' | 'VALIDATION';
  state: 'CLAIMED' | 'PENDING' | 'GRANTED' | 'REVOKED';
  amount: string;
  createdAt: Date;
  inputs: unknown;
}

function field(inputs: unknown, name: string): unknown {
  return inputs !== null && typeof inputs === 'object' ? (inputs as Record<string, unknown>)[name] : undefined;
}

/**
 * The board delta of a ledger entry, or null (claims and pending entries are not on boards).
 * Team and GPU class come from the entry's inputs, fixed when it was written (the team the
 * contributor belonged to then; a revocation names the team and time of its grant).
 */
export function boardDelta(entry: LedgerRowForBoards, halfLifeMs: number): BoardDelta | null {
  if (entry.state !== 'GRANTED' && entry.state !== 'REVOKED') return null;
  const sign = entry.state === 'GRANTED' ? 1n : -1n;
  const units = creditUnits(entry.amount) * sign;
  const teamId = field(entry.inputs, 'teamId');
  const gpuClass = field(entry.inputs, 'gpuClass');
  const grantedAt = field(entry.inputs, 'grantedAt');
  const at = entry.state === 'REVOKED' && typeof grantedAt === 'number' ? grantedAt : entry.createdAt.getTime();
  const members: BoardDelta['members'] = [{ scope: 'contributors', member: entry.userId }];
  if (typeof teamId === 'string' && teamId) members.push({ scope: 'teams', member: teamId });
  if (typeof gpuClass === 'string' && gpuClass) members.push({ scope: 'gpu-class', member: gpuClass });
  return {
    entryId: entry.id,
    kind: entry.kind === 'COMPUTE' ? 'compute' : entry.kind === 'DATA' ? 'data' : 'validation',
    day: dayOf(at),
    writtenDay: dayOf(entry.createdAt.getTime()),
    units,
    recent: (Number(units) / Number(SCALE)) * recentWeight(at, halfLifeMs),
    members,
  };
}
