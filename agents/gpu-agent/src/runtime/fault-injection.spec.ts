import { describe, expect, it } from 'vitest';
import { parseSimulatedFaults, SIMULATE_FAULT_PATTERN, withFaults } from './fault-injection.js';

describe('simulated faults', () => {
  it('parses the option', () => {
    expect(SIMULATE_FAULT_PATTERN.test('inflate-tokens=10,wrong-loss=-1.5')).toBe(true);
    expect(SIMULATE_FAULT_PATTERN.test('steal=1')).toBe(false);
    expect(parseSimulatedFaults('inflate-tokens=10,wrong-loss=-1.5')).toEqual({ inflateTokens: 10, wrongLoss: -1.5 });
  });

  it('inflates tokens and FLOPs tenfold, shifts losses, leaves the rest', () => {
    expect(withFaults({ tokens: 48_000, flops: 100, formulaFlops: 7, heldOutLoss: 2.5, adapterSha256: 'x' }, { inflateTokens: 10, wrongLoss: 1 })).toEqual({
      tokens: 480_000,
      flops: 1000,
      formulaFlops: 70,
      heldOutLoss: 3.5,
      adapterSha256: 'x',
    });
    expect(withFaults({ loss: 2 }, {})).toEqual({ loss: 2 });
  });
});
