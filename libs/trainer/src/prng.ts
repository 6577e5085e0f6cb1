/**
 * sfc32, a small fast PRNG over 32-bit integer arithmetic (exact in every engine),
 * seeded from sha256 of a label. Never `Math.random`.
 */
import { sha256Words } from './hash.js';

/** The whole state of a generator: four unsigned 32-bit words. */
export type PrngState = readonly [number, number, number, number];

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(state: PrngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  /** A generator seeded from a label (e.g. `base:potluck-tiny-byte-v1`), warmed up. */
  static fromLabel(label: string): Prng {
    const prng = new Prng(sha256Words(label));
    for (let i = 0; i < 12; i += 1) prng.nextUint32();
    return prng;
  }

  state(): PrngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 random bits (exact). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [-bound, bound). */
  nextSymmetric(bound: number): number {
    return (2 * this.nextFloat() - 1) * bound;
  }

  /** A uniformly chosen integer in [0, n) (n below 2^32). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(prng: Prng, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  for (let i = n - 1; i > 0; i -= 1) {
    const j = prng.nextInt(i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}
