/**
 * FNV-1a 64 over the UTF-8 bytes of a string, computed in two unsigned 32-bit lanes
 * (no BigInt in the loop, no `node:crypto`), and the 32-bit mixer that spreads its bits
 * for bucket and table indices.
 */

/** A 64-bit hash as two unsigned 32-bit halves. */
export interface Fingerprint {
  readonly hi: number;
  readonly lo: number;
}

const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
/** The FNV 64 prime is 2^40 + 0x1b3. */
const PRIME_LO = 0x1b3;
const TWO_32 = 0x1_0000_0000;
const UTF8 = new TextEncoder();

/** FNV-1a 64 of `text` encoded as UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). */
export function fnv1a64(text: string): Fingerprint {
  const bytes = UTF8.encode(text);
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  for (const byte of bytes) {
    lo = (lo ^ byte) >>> 0;
    // (hi·2^32 + lo) · (2^40 + 0x1b3) mod 2^64; every intermediate stays below 2^53.
    const low = lo * PRIME_LO;
    const carry = Math.floor(low / TWO_32);
    hi = (Math.imul(hi, PRIME_LO) + carry + (lo << 8)) >>> 0;
    lo = low >>> 0;
  }
  return { hi, lo };
}

/** 16 lowercase hex digits, high half first. */
export function fingerprintHex(fingerprint: Fingerprint): string {
  return fingerprint.hi.toString(16).padStart(8, '0') + fingerprint.lo.toString(16).padStart(8, '0');
}

/**
 * Folds a fingerprint to 32 well-mixed bits (MurmurHash3's finalizer over hi ⊕ lo):
 * FNV's low bits alone are weak, and power-of-two tables and shard counts use only those.
 */
export function mix32(fingerprint: Fingerprint): number {
  let h = (fingerprint.hi ^ fingerprint.lo) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
