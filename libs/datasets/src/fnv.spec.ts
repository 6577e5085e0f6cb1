import { describe, expect, it } from 'vitest';
import { FingerprintSet } from './fingerprint-set.js';
import { fingerprintHex, fnv1a64, mix32 } from './fnv.js';
import { below, seededRandom } from './testing/random-rows.js';

/** Published FNV-1a 64 test vectors (Fowler, Noll, Vo). */
const VECTORS: [string, string][] = [
  ['', 'cbf29ce484222325'],
  ['a', 'af63dc4c8601ec8c'],
  ['b', 'af63df4c8601f1a5'],
  ['foobar', '85944171f73967e8'],
];

/** Independent oracle: the textbook BigInt definition. */
function reference(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash.toString(16).padStart(16, '0');
}

describe('fnv1a64', () => {
  it.each(VECTORS)('hashes %j to %s', (text, hex) => {
    expect(fingerprintHex(fnv1a64(text))).toBe(hex);
  });

  it('matches the BigInt definition on random UTF-8 strings', () => {
    const random = seededRandom(0xf1f1);
    for (let i = 0; i < 500; i += 1) {
      const text = String.fromCodePoint(...Array.from({ length: below(random, 40) }, () => below(random, 0x1_0000) || 0x1f372));
      expect(fingerprintHex(fnv1a64(text))).toBe(reference(text));
    }
  });

  it('mixes to unsigned 32-bit values', () => {
    const mixed = mix32(fnv1a64('foobar'));
    expect(Number.isInteger(mixed) && mixed >= 0 && mixed < 2 ** 32).toBe(true);
  });
});

describe('FingerprintSet', () => {
  it('adds once, grows past its first table and keeps every member', () => {
    const set = new FingerprintSet();
    const fingerprints = Array.from({ length: 5000 }, (_, i) => fnv1a64(`row ${i}`));
    expect(fingerprints.every((fingerprint) => set.add(fingerprint))).toBe(true);
    expect(fingerprints.some((fingerprint) => set.add(fingerprint))).toBe(false);
    expect(set.size).toBe(5000);
    expect(fingerprints.every((fingerprint) => set.has(fingerprint))).toBe(true);
    expect(set.has(fnv1a64('row 5000'))).toBe(false);
  });

  it('holds the all-zero fingerprint (the empty-slot marker) apart', () => {
    const set = new FingerprintSet();
    expect(set.has({ hi: 0, lo: 0 })).toBe(false);
    expect(set.add({ hi: 0, lo: 0 })).toBe(true);
    expect(set.add({ hi: 0, lo: 0 })).toBe(false);
    expect(set.has({ hi: 0, lo: 0 })).toBe(true);
    expect(set.size).toBe(1);
  });
});
