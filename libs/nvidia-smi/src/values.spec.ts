import { describe, expect, it } from 'vitest';
import { bool, busId, int, num, text } from './values.js';

describe('values', () => {
  it.each([
    ['N/A'], ['[N/A]'], ['[Not Supported]'], ['[Unknown Error]'], ['[Requested functionality has been deprecated]'],
    ['ERR!'], [''], ['   '], [undefined], [null],
  ])('turns the placeholder %j into null', (raw) => {
    expect(num(raw)).toBeNull();
    expect(text(raw)).toBeNull();
  });

  it.each([
    ['1234 MiB', 1234], ['45 %', 45], ['250.00 W', 250], ['67 C', 67], ['1410 MHz', 1410], ['7', 7], ['2 GiB', 2048], ['0', 0],
  ])('reads %j as %d', (raw, expected) => {
    expect(num(raw)).toBe(expected);
  });

  it('never returns NaN', () => {
    for (const raw of ['abc', 'NaN', 'Infinity', '1e999 W', '12 parsecs', '--']) expect(num(raw)).toBeNull();
  });

  it('reads integers, booleans and bus ids', () => {
    expect(int('3')).toBe(3);
    expect(int('3.5')).toBeNull();
    expect(bool('Enabled')).toBe(true);
    expect(bool('Disabled')).toBe(false);
    expect(bool('N/A')).toBeNull();
    expect(busId('0000:3B:00.0')).toBe('00000000:3B:00.0');
    expect(busId('00000000:af:00.0')).toBe('00000000:AF:00.0');
  });
});
