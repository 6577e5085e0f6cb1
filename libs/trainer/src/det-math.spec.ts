import { describe, expect, it } from 'vitest';
import { detCosHalfTurn, detExp, detLog, powInt } from './det-math.js';
import { Prng } from './prng.js';

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);

describe('deterministic math', () => {
  it('exp matches Math.exp to a few ulps over its range', () => {
    const prng = Prng.fromLabel('exp');
    for (let i = 0; i < 20_000; i += 1) {
      const x = prng.nextSymmetric(700);
      expect(relative(detExp(x), Math.exp(x))).toBeLessThan(1e-14);
    }
    for (const x of [0, -0, 1, -1, 1e-300, -1e-300, 0.5, -0.34657359027997264, 700, -700]) expect(relative(detExp(x), Math.exp(x))).toBeLessThan(1e-14);
    expect(detExp(0)).toBe(1);
    expect(detExp(800)).toBe(Number.POSITIVE_INFINITY);
    expect(detExp(-800)).toBe(0);
    expect(detExp(Number.NaN)).toBeNaN();
  });

  it('log matches Math.log to a few ulps, subnormals included', () => {
    const prng = Prng.fromLabel('log');
    for (let i = 0; i < 20_000; i += 1) {
      const x = detExp(prng.nextSymmetric(700));
      const expected = Math.log(x);
      expect(Math.abs(detLog(x) - expected)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(expected)));
    }
    expect(detLog(1)).toBe(0);
    expect(Math.abs(detLog(5e-324) - Math.log(5e-324))).toBeLessThan(1e-12);
    expect(detLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(detLog(-1)).toBeNaN();
    expect(detLog(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });

  it('cos on [0, π] matches Math.cos', () => {
    for (let i = 0; i <= 1000; i += 1) {
      const x = (Math.PI * i) / 1000;
      expect(Math.abs(detCosHalfTurn(x) - Math.cos(x))).toBeLessThan(1e-15);
    }
    expect(() => detCosHalfTurn(4)).toThrow(RangeError);
  });

  it('integer powers are exact where the result is representable', () => {
    expect(powInt(0.5, 10)).toBe(1 / 1024);
    expect(powInt(3, 0)).toBe(1);
    expect(relative(powInt(0.999, 1000), 0.999 ** 1000)).toBeLessThan(1e-13);
    expect(() => powInt(2, 1.5)).toThrow(RangeError);
  });
});
