import type { CreditsConfig } from './config.js';
import { dec, toLedger, type DecimalInput } from './decimal.js';
import { parseFlops } from './flops.js';

/**
 * Credits for FLOPs: FLOPs ÷ flopsPerCredit (1 credit = 1 PFLOP), a plain decimal string
 * truncated toward zero at 18 places (the ledger's DECIMAL(38,18)), so a credit never
 * exceeds the work. FLOPs are rounded down to a whole FLOP first. With the default unit
 * (10^15) the division is exact: whole FLOPs have at most 15 decimal places in credits.
 */
export function creditsFromFlops(flops: DecimalInput, config: CreditsConfig): string {
  return toLedger(parseFlops(flops).floor().div(config.flopsPerCredit));
}

/** FLOPs worth a number of credits (credits × flopsPerCredit), plain decimal string. */
export function flopsFromCredits(credits: DecimalInput, config: CreditsConfig): string {
  return dec(credits).mul(config.flopsPerCredit).toFixed();
}

/** Sum of decimal amounts, exact, as a plain string (for totals of ledger amounts). */
export function sumCredits(amounts: readonly DecimalInput[]): string {
  return amounts.reduce<ReturnType<typeof dec>>((sum, amount) => sum.add(dec(amount)), dec(0)).toFixed();
}
