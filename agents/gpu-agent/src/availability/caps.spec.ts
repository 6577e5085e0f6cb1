import { describe, expect, it } from 'vitest';
import { nextOverPower, nextOverTemperature, powerVerdict, temperatureVerdict } from './caps.js';

describe('nextOverTemperature (cap 85 °C, released below 82 °C)', () => {
  it.each<[boolean, number | null, number | null, boolean]>([
    // [was over, reading, cap, over now]
    [false, 84, 85, false],
    [false, 85, 85, false], // at the cap is not over it
    [false, 85.5, 85, true],
    [true, 85, 85, true],
    [true, 83, 85, true],
    [true, 82, 85, true], // exactly cap − 3 still holds
    [true, 81.9, 85, false],
    [false, 83, 85, false], // hysteresis only holds a tripped cap
    [false, null, 85, false],
    [true, null, 85, true], // a missing reading never trips a cap, nor releases one
    [true, 99, null, false], // no cap
  ])('was over %s, %s °C, cap %s → %s', (wasOver, reading, cap, expected) => {
    expect(nextOverTemperature(wasOver, reading, cap)).toBe(expected);
  });
});

describe('nextOverPower (cap 300 W, released below 285 W)', () => {
  it.each<[boolean, number | null, number | null, boolean]>([
    [false, 299, 300, false],
    [false, 300, 300, false],
    [false, 301, 300, true],
    [true, 290, 300, true],
    [true, 285, 300, true],
    [true, 284.9, 300, false],
    [false, 290, 300, false],
    [true, null, 300, true],
    [false, 1000, null, false],
  ])('was over %s, %s W, cap %s → %s', (wasOver, reading, cap, expected) => {
    expect(nextOverPower(wasOver, reading, cap)).toBe(expected);
  });
});

describe('cap reasons', () => {
  it.each([
    [temperatureVerdict(88, 85), '88 °C is over the 85 °C cap'],
    [temperatureVerdict(83.46, 85), 'cooling down: 83.5 °C, lent again below 82 °C'],
    [powerVerdict(312.345, 300), 'drawing 312.3 W, over the 300 W cap'],
    [powerVerdict(290, 300), 'drawing 290 W, lent again below 285 W'],
  ])('%j', (verdict, reason) => {
    expect(verdict.reason).toBe(reason);
    expect(verdict.until).toBeNull();
  });
});
