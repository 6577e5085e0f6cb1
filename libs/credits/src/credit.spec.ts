import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDITS_CONFIG as config, parseCreditsConfig } from './config.js';
import { creditsFromFlops, flopsFromCredits, sumCredits } from './credit.js';

describe('creditsFromFlops', () => {
  it.each<[string | number | bigint, string]>([
    ['1000000000000000', '1'],
    ['5939060736', '0.000005939060736'], // LoRA, tiny model, 48,032 tokens
    [1, '0.000000000000001'],
    ['0', '0'],
    ['2500000000000000.9', '2.5'], // whole FLOPs only
    [10n ** 33n, '1000000000000000000'],
  ])('%s FLOPs → %s credits', (flops, credits) => {
    expect(creditsFromFlops(flops, config)).toBe(credits);
  });

  it('truncates at 18 places with a unit that does not divide evenly', () => {
    const thirds = parseCreditsConfig({ flopsPerCredit: '3' });
    expect(creditsFromFlops('2', thirds)).toBe('0.666666666666666666');
  });

  it('converts back and sums exactly', () => {
    expect(flopsFromCredits('0.000005939060736', config)).toBe('5939060736');
    expect(sumCredits(['0.1', '0.2', '0.000000000000000001'])).toBe('0.300000000000000001');
  });
});
