import { describe, expect, it } from 'vitest';
import { formatBytes, formatCredit, formatDuration } from './format';

describe('formatting', () => {
  it('shows decimal credit strings without going through a float', () => {
    expect(formatCredit('1234567.123456789012345678')).toBe('1,234,567.123');
    expect(formatCredit('40.250000000000000000')).toBe('40.25');
    expect(formatCredit('3')).toBe('3');
    expect(formatCredit('-0.5')).toBe('−0.5');
    expect(formatCredit('123456789012345678901.999999', 2)).toBe('123,456,789,012,345,678,901.99');
  });

  it('shows sizes and durations in words a person reads', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(35_700)).toBe('34.9 KiB');
    expect(formatDuration(2_000)).toBe('2 s');
    expect(formatDuration(3_725_000)).toBe('1 h 2 min');
  });
});
