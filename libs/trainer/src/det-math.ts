/**
 * Transcendental functions built only from IEEE-754 `+ - * /` and exact scaling by
 * powers of two, so every JavaScript engine on every machine returns the same bits.
 * (`Math.exp`, `Math.log`, `Math.cos` and `Math.pow` are implementation-defined;
 * `Math.sqrt` and `Math.round` are exact and may be used freely.)
 *
 * Accuracy is a few ulps, which is all the trainer needs; bit-identity is the point.
 */

const LN2_HI = 6.93147180369123816490e-1; // fdlibm split of ln 2: LN2_HI * k is exact
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700;
const SQRT2 = 1.4142135623730951;

/** POW2[k + 1074] = 2^k for k in [-1074, 1023], built by exact doubling and halving. */
const POW2 = ((): Float64Array => {
  const table = new Float64Array(1074 + 1024);
  let up = 1;
  for (let k = 0; k <= 1023; k += 1) {
    table[k + 1074] = up;
    up *= 2;
  }
  let down = 1;
  for (let k = 0; k >= -1074; k -= 1) {
    table[k + 1074] = down;
    down *= 0.5;
  }
  return table;
})();

/** 1/n! for the Taylor series of exp and sin, computed once by exact-order division. */
const INV_FACTORIAL = ((): Float64Array => {
  const table = new Float64Array(26);
  let f = 1;
  for (let n = 0; n < table.length; n += 1) {
    if (n > 0) f *= n;
    table[n] = 1 / f;
  }
  return table;
})();

function pow2(k: number): number {
  return POW2[k + 1074]!;
}

/** e^x, deterministic. */
export function detExp(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > 709.782712893384) return Number.POSITIVE_INFINITY;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x * INV_LN2);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Horner over 1/n! for n = 13..0; |r| <= 0.35 so the truncation error is below 1e-17.
  let p = INV_FACTORIAL[13]!;
  for (let n = 12; n >= 0; n -= 1) p = p * r + INV_FACTORIAL[n]!;
  if (k > 1023) return p * 2 * pow2(k - 1);
  if (k < -1022) return p * pow2(-1022) * pow2(k + 1022);
  return p * pow2(k);
}

const view = new DataView(new ArrayBuffer(8));

/** Natural logarithm, deterministic. */
export function detLog(x: number): number {
  if (Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return Number.NEGATIVE_INFINITY;
  if (x === Number.POSITIVE_INFINITY) return x;
  let e = 0;
  let y = x;
  if (y < pow2(-1022)) {
    y *= pow2(54); // subnormal: normalise first
    e = -54;
  }
  view.setFloat64(0, y);
  const high = view.getUint32(0);
  e += ((high >>> 20) & 0x7ff) - 1023;
  view.setUint32(0, (high & 0x000fffff) | 0x3ff00000);
  let m = view.getFloat64(0); // in [1, 2)
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const f = m - 1;
  const s = f / (2 + f); // |s| <= 0.1716
  const s2 = s * s;
  // 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), 12 terms: error below 1e-18.
  let series = 1 / 23;
  for (let n = 21; n >= 1; n -= 2) series = series * s2 + 1 / n;
  const logM = 2 * s * series;
  return e * LN2_HI + (logM + e * LN2_LO);
}

const HALF_PI = 1.5707963267948966;

/** (−1)^n / (2n+1)! for n = 0..12. */
const SIN_COEFFICIENTS = Float64Array.from({ length: 13 }, (_, n) => (n % 2 === 0 ? 1 : -1) * INV_FACTORIAL[2 * n + 1]!);

/** cos x for x in [0, π] (all the learning-rate schedule needs), deterministic. */
export function detCosHalfTurn(x: number): number {
  if (!(x >= 0 && x <= 2 * HALF_PI + 1e-12)) throw new RangeError(`detCosHalfTurn: ${x} is outside [0, π]`);
  const y = HALF_PI - x; // cos x = sin(π/2 − x), |y| <= π/2
  const y2 = y * y;
  // sin y = y Σ (−1)^n y^(2n)/(2n+1)! for n = 0..12, Horner in y².
  let p = SIN_COEFFICIENTS[12]!;
  for (let n = 11; n >= 0; n -= 1) p = p * y2 + SIN_COEFFICIENTS[n]!;
  return y * p;
}

/** base^n for a non-negative integer n by binary exponentiation, deterministic. */
export function powInt(base: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`powInt: exponent ${n} is not a non-negative integer`);
  let result = 1;
  let b = base;
  let k = n;
  while (k > 0) {
    if (k % 2 === 1) result *= b;
    b *= b;
    k = Math.floor(k / 2);
  }
  return result;
}
