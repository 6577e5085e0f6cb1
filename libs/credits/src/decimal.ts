import { Decimal as DecimalJs } from 'decimal.js';

/**
 * The one Decimal constructor of this package: 80 significant digits (a DECIMAL(38,18)
 * value needs 38), half-even rounding, never exponent notation in `toString()`.
 */
export const Dec = DecimalJs.clone({ precision: 80, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
export type Dec = InstanceType<typeof Dec>;

/** Anything a decimal amount may be given as; numbers go through their shortest string form. */
export type DecimalInput = string | number | bigint | Dec;

/** Digits after the point that the ledger stores (DECIMAL(38,18)). */
export const LEDGER_SCALE = 18;

/** The smallest amount the ledger can hold, 10^-18. */
export const LEDGER_UNIT = new Dec(1).div(new Dec(10).pow(LEDGER_SCALE));

export function dec(value: DecimalInput): Dec {
  if (typeof value === 'bigint') return new Dec(value.toString());
  return new Dec(value);
}

/** Plain decimal string with no exponent and no trailing zeros ("0.000005939", "12"). */
export function toPlain(value: Dec): string {
  return value.isZero() ? '0' : value.toFixed();
}

/** Truncates toward zero at the ledger's 18 places and formats as a plain string. */
export function toLedger(value: Dec): string {
  return toPlain(value.toDecimalPlaces(LEDGER_SCALE, Dec.ROUND_DOWN));
}

/** An amount in whole ledger units (10^-18), rounded down. */
export function toUnits(value: Dec): bigint {
  return BigInt(value.mul(new Dec(10).pow(LEDGER_SCALE)).floor().toFixed(0));
}

/** Ledger units back to a plain decimal string (exact). */
export function fromUnits(units: bigint): string {
  return toPlain(new Dec(units.toString()).div(new Dec(10).pow(LEDGER_SCALE)));
}

/** A non-negative decimal as an integer numerator over 10^scale (exact). */
export function toScaledInteger(value: Dec, scale: number): bigint {
  return BigInt(value.mul(new Dec(10).pow(scale)).toFixed(0));
}
