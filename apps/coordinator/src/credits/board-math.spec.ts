import { describe, expect, it } from 'vitest';
import { boardDelta, creditUnits, dayOf, floatToCredit, recentRate, recentWeight, safeUnitsToCredit, unitsToCredit, windowStart } from './board-math.js';

const WEEK = 7 * 86_400_000;

describe('board arithmetic', () => {
  it.each([
    ['0.000005935104', 5935n],
    ['1', 1_000_000_000n],
    ['-2.5', -2_500_000_000n],
    ['12345678901234.999999999999999999', 12_345_678_901_234_999_999_999n],
    ['0.0000000009', 0n],
  ])('truncates %s credits to %s units of 1e-9', (amount, units) => {
    expect(creditUnits(amount)).toBe(units);
  });

  it('prints units back as plain decimals', () => {
    expect(unitsToCredit(5935n)).toBe('0.000005935');
    expect(unitsToCredit(-2_500_000_000n)).toBe('-2.5');
    expect(unitsToCredit(0n)).toBe('0');
  });

  it.each([0, 1, -1, 10, 100, 5935, 999_999_999, 1_000_000_010, -1_200_000_000, 999_000_000, 1_000_000_000, -2_500_000_000, 1_000_000_001, 9_007_198_999_999_999, 9_007_199_000_000_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 8_999_999_999_999_999])(
    'formats %d safe-integer units exactly as the BigInt path does',
    (units) => {
      expect(safeUnitsToCredit(units)).toBe(unitsToCredit(BigInt(units)));
    },
  );

  it('agrees with the BigInt path on random safe integers of every size', () => {
    for (let i = 0; i < 20_000; i += 1) {
      const units = Math.round((Math.random() - 0.5) * 2 * 10 ** (1 + (i % 15)));
      expect(safeUnitsToCredit(units)).toBe(unitsToCredit(BigInt(units)));
    }
  });

  it('refuses units that are not a safe integer', () => {
    expect(() => safeUnitsToCredit(2 ** 53)).toThrow(RangeError);
    expect(() => safeUnitsToCredit(1.5)).toThrow(RangeError);
  });

  it('windows cover whole UTC days, today included', () => {
    const today = dayOf(Date.UTC(2026, 10, 28, 23, 59));
    expect(windowStart('7d', today)).toBe(today - 6);
    expect(windowStart('30d', today)).toBe(today - 29);
  });

  it('recent board scores decode to the 7-day half-life average (7 credits → ln 2 per day, half a week later)', () => {
    const at = Date.UTC(2026, 5, 1);
    const score = 7 * recentWeight(at, WEEK);
    expect(recentRate(score, at, WEEK)).toBeCloseTo(Math.LN2, 12);
    expect(recentRate(score, at + WEEK, WEEK)).toBeCloseTo(Math.LN2 / 2, 12);
    expect(floatToCredit(recentRate(score, at, WEEK))).toBe('0.693147181');
  });

  it('a revocation counts on the day and time of the grant it undoes, for the contributor, team and GPU class of the grant', () => {
    const grantedAt = Date.UTC(2026, 5, 1);
    const delta = boardDelta(
      { id: 'e', userId: 'u', kind: 'COMPUTE', state: 'REVOKED', amount: '3', createdAt: new Date(grantedAt + 40 * 86_400_000), inputs: { teamId: 't', gpuClass: 'H100 SXM', grantedAt } },
      WEEK,
    );
    expect(delta).toMatchObject({ units: -3_000_000_000n, day: dayOf(grantedAt), writtenDay: dayOf(grantedAt) + 40, members: [{ scope: 'contributors', member: 'u' }, { scope: 'teams', member: 't' }, { scope: 'gpu-class', member: 'H100 SXM' }] });
    expect(delta?.recent).toBeCloseTo(-3 * recentWeight(grantedAt, WEEK), 6);
    expect(boardDelta({ id: 'c', userId: 'u', kind: 'COMPUTE', state: 'CLAIMED', amount: '3', createdAt: new Date(), inputs: {} }, WEEK)).toBeNull();
  });
});
