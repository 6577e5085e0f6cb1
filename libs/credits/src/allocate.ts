import { dec, toScaledInteger, type DecimalInput } from './decimal.js';
import { CreditsError } from './errors.js';

/**
 * Splits `units` (whole ledger units) across keys in proportion to their weights, exactly:
 * every key gets ⌊units × w / W⌋, and the few units left over go one each to the keys
 * with the largest remainders (ties: keys in ascending order). The parts always sum to
 * `units`. Weights are non-negative decimals; keys with weight 0 get 0.
 */
export function allocate(units: bigint, weights: ReadonlyMap<string, DecimalInput>): Map<string, bigint> {
  if (units < 0n) throw new CreditsError('invalid_input', 'cannot allocate a negative amount');
  const entries = [...weights.entries()].map(([key, weight]) => {
    const value = dec(weight);
    if (!value.isFinite() || value.isNegative()) throw new CreditsError('invalid_input', `weight of ${key} must be finite and non-negative`);
    return { key, value };
  });
  const scale = entries.reduce((max, { value }) => Math.max(max, value.decimalPlaces()), 0);
  const scaled = entries.map(({ key, value }) => ({ key, weight: toScaledInteger(value, scale) }));
  const total = scaled.reduce((sum, { weight }) => sum + weight, 0n);
  const parts = new Map<string, bigint>(scaled.map(({ key }) => [key, 0n]));
  if (total === 0n) {
    if (units > 0n) throw new CreditsError('invalid_input', 'cannot allocate an amount across zero weights');
    return parts;
  }
  let given = 0n;
  const remainders: { key: string; remainder: bigint }[] = [];
  for (const { key, weight } of scaled) {
    const product = units * weight;
    const part = product / total;
    parts.set(key, part);
    given += part;
    if (weight > 0n) remainders.push({ key, remainder: product % total });
  }
  remainders.sort((a, b) => (a.remainder === b.remainder ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.remainder > b.remainder ? -1 : 1));
  for (let i = 0n; i < units - given; i++) {
    const winner = remainders[Number(i)];
    if (!winner) break;
    parts.set(winner.key, (parts.get(winner.key) ?? 0n) + 1n);
  }
  return parts;
}
