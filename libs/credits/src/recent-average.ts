import type { CreditsConfig } from './config.js';
import { Dec, dec, LEDGER_SCALE, toPlain, type DecimalInput } from './decimal.js';
import { CreditsError } from './errors.js';

const DAY_MS = 86_400_000;

/** A recent average credit and the moment it was computed for. */
export interface RecentAverage {
  /** Credits per day, plain decimal string (18 places, half-even). */
  rac: string;
  /** Milliseconds since the epoch. */
  at: number;
}

function round(value: Dec): string {
  return toPlain(value.toDecimalPlaces(LEDGER_SCALE, Dec.ROUND_HALF_EVEN));
}

/** 2^(−Δt / half-life), the decay over Δt milliseconds. */
export function decayFactor(elapsedMs: number, config: CreditsConfig): Dec {
  if (!Number.isFinite(elapsedMs) || elapsedMs < 0) throw new CreditsError('invalid_input', 'time must not run backwards');
  return new Dec(2).pow(dec(-elapsedMs).div(config.recentAverageHalfLifeMs));
}

/**
 * The recent average decayed to time `at`: rac × 2^(−(at − previous.at) / H).
 * (`at` before `previous.at` is refused: time is a parameter and must not run backwards.)
 */
export function recentAverageAt(previous: RecentAverage, at: number, config: CreditsConfig): RecentAverage {
  return { rac: round(dec(previous.rac).mul(decayFactor(at - previous.at, config))), at };
}

/**
 * Adds a grant of `credit` at time `now` to a recent average (BOINC's RAC, in credits per day):
 *
 *   RAC(now) = RAC(prev) × 2^(−(now − prev)/H) + credit × ln 2 / H_days
 *
 * i.e. RAC(t) = (ln 2 / H_days) × Σ credit_i × 2^(−(t − t_i)/H), an exponentially weighted
 * sum of grants whose steady state for c credits a day is c. BOINC spreads each grant over
 * the time since the previous update; counting it at the moment of grant (the limit of
 * BOINC's formula for short intervals) makes the result independent of how grants are
 * batched, so a board rebuilt from the ledger agrees with one kept up to date.
 * `previous` null: no earlier credit.
 */
export function updateRecentAverage(previous: RecentAverage | null, credit: DecimalInput, now: number, config: CreditsConfig): RecentAverage {
  const amount = dec(credit);
  if (!amount.isFinite()) throw new CreditsError('invalid_input', 'credit must be finite');
  const decayed = previous ? dec(previous.rac).mul(decayFactor(now - previous.at, config)) : new Dec(0);
  const halfLifeDays = dec(config.recentAverageHalfLifeMs).div(DAY_MS);
  return { rac: round(decayed.add(amount.mul(Dec.ln(2)).div(halfLifeDays))), at: now };
}

/** The recent average at `at` computed from scratch from grants (each at or before `at`). */
export function recentAverageFromGrants(grants: readonly { credit: DecimalInput; at: number }[], at: number, config: CreditsConfig): string {
  const halfLifeDays = dec(config.recentAverageHalfLifeMs).div(DAY_MS);
  const weight = Dec.ln(2).div(halfLifeDays);
  const sum = grants.reduce((total, grant) => total.add(dec(grant.credit).mul(decayFactor(at - grant.at, config))), new Dec(0));
  return round(sum.mul(weight));
}
