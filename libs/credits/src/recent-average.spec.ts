import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDITS_CONFIG as config, parseCreditsConfig } from './config.js';
import { Dec } from './decimal.js';
import { CreditsError } from './errors.js';
import { decayFactor, recentAverageAt, recentAverageFromGrants, updateRecentAverage, type RecentAverage } from './recent-average.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const close = (actual: string, expected: string | Dec, places = 17) => expect(new Dec(actual).sub(expected).abs().lte(new Dec(10).pow(-places))).toBe(true);

describe('decayFactor', () => {
  it.each([
    [0, '1'],
    [7 * DAY, '0.5'],
    [14 * DAY, '0.25'],
    [70 * DAY, '0.0009765625'],
  ])('after %d ms → %s', (elapsed, factor) => {
    expect(decayFactor(elapsed, config).toFixed()).toBe(factor);
  });

  it('3.5 days is 1/√2', () => {
    close(decayFactor(3.5 * DAY, config).toFixed(), new Dec(0.5).sqrt(), 30);
  });
});

describe('updateRecentAverage', () => {
  it('a grant adds credit × ln 2 / 7 days (credits per day)', () => {
    const rac = updateRecentAverage(null, '7', T0, config);
    expect(rac).toEqual({ rac: '0.693147180559945309', at: T0 });
  });

  it.each([
    [7, 0.5],
    [14, 0.25],
    [21, 0.125],
  ])('halves every 7 days: after %d days × %d', (days, factor) => {
    const start = updateRecentAverage(null, '100', T0, config);
    const later = recentAverageAt(start, T0 + days * DAY, config);
    close(later.rac, new Dec(start.rac).mul(factor));
    expect(later.at).toBe(T0 + days * DAY);
    // a zero grant is the same as decaying
    close(updateRecentAverage(start, 0, T0 + days * DAY, config).rac, later.rac, 18);
  });

  it('decays and adds in one step', () => {
    const start: RecentAverage = { rac: '10', at: T0 };
    const next = updateRecentAverage(start, '7', T0 + 7 * DAY, config);
    expect(next).toEqual({ rac: '5.693147180559945309', at: T0 + 7 * DAY });
  });

  it('settles at c per day for c credits a day', () => {
    let rac: RecentAverage | null = null;
    for (let day = 0; day < 200; day++) rac = updateRecentAverage(rac, '3', T0 + day * DAY, config);
    if (!rac) throw new Error('no average');
    // just after a grant (ln 2 / 7) / (1 − 2^(−1/7)) × 3 ≈ 3.15, a day later ≈ 3.15 × 2^(−1/7) ≈ 2.85
    const ratio = new Dec(2).pow(new Dec(-1).div(7));
    const justAfter = new Dec(2).ln().div(7).mul(3).mul(new Dec(1).sub(ratio.pow(200))).div(new Dec(1).sub(ratio));
    close(rac.rac, justAfter, 15);
    const dayLater = Number(recentAverageAt(rac, T0 + 200 * DAY, config).rac);
    expect(dayLater).toBeGreaterThan(2.8);
    expect(dayLater).toBeLessThan(3);
  });

  it('does not depend on how grants are batched, and agrees with a rebuild from the grants', () => {
    const grants = [
      { credit: '1.5', at: T0 },
      { credit: '0.25', at: T0 + DAY / 3 },
      { credit: '0.25', at: T0 + DAY / 3 },
      { credit: '4', at: T0 + 9 * DAY },
    ];
    const incremental = grants.reduce<RecentAverage | null>((rac, grant) => updateRecentAverage(rac, grant.credit, grant.at, config), null);
    const batched = [grants[0], { credit: '0.5', at: T0 + DAY / 3 }, grants[3]].reduce<RecentAverage | null>(
      (rac, grant) => (grant ? updateRecentAverage(rac, grant.credit, grant.at, config) : rac),
      null,
    );
    if (!incremental || !batched) throw new Error('no average');
    close(incremental.rac, batched.rac, 17);
    close(recentAverageFromGrants(grants, T0 + 9 * DAY, config), incremental.rac, 17);
  });

  it('follows the configured half-life', () => {
    const daily = parseCreditsConfig({ recentAverageHalfLifeMs: DAY });
    const start = updateRecentAverage(null, '1', T0, daily);
    close(start.rac, new Dec(2).ln());
    close(recentAverageAt(start, T0 + DAY, daily).rac, new Dec(2).ln().div(2));
  });

  it('refuses time running backwards', () => {
    expect(() => updateRecentAverage({ rac: '1', at: T0 }, '1', T0 - 1, config)).toThrow(CreditsError);
    expect(() => recentAverageAt({ rac: '1', at: T0 }, T0 - 1, config)).toThrow(CreditsError);
  });
});
