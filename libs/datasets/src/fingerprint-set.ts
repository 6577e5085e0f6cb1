/**
 * A set of 64-bit fingerprints in one flat `Uint32Array` (open addressing, linear
 * probing, grown ×2 past 70 % load): 8 bytes a slot, so 11–23 bytes per distinct row
 * whatever the rows' size. 10 million distinct rows take at most ~230 MiB.
 */
import { mix32, type Fingerprint } from './fnv.js';

const INITIAL_SLOTS = 1024;
const MAX_LOAD = 0.7;

export class FingerprintSet {
  /** Pairs [hi, lo]; (0, 0) marks an empty slot, so the zero fingerprint is kept aside. */
  private slots = new Uint32Array(INITIAL_SLOTS * 2);
  private count = 0;
  private hasZero = false;

  get size(): number {
    return this.count + (this.hasZero ? 1 : 0);
  }

  /** Adds the fingerprint; false when it was already there. */
  add(fingerprint: Fingerprint): boolean {
    if (fingerprint.hi === 0 && fingerprint.lo === 0) {
      if (this.hasZero) return false;
      this.hasZero = true;
      return true;
    }
    if (!this.insert(this.slots, fingerprint)) return false;
    this.count += 1;
    if (this.count > (this.slots.length / 2) * MAX_LOAD) this.grow();
    return true;
  }

  has(fingerprint: Fingerprint): boolean {
    if (fingerprint.hi === 0 && fingerprint.lo === 0) return this.hasZero;
    const mask = this.slots.length / 2 - 1;
    for (let slot = mix32(fingerprint) & mask; ; slot = (slot + 1) & mask) {
      const hi = this.slots[slot * 2] ?? 0;
      const lo = this.slots[slot * 2 + 1] ?? 0;
      if (hi === 0 && lo === 0) return false;
      if (hi === fingerprint.hi && lo === fingerprint.lo) return true;
    }
  }

  /** Inserts into `slots` (which has a free slot); false when already present. */
  private insert(slots: Uint32Array, fingerprint: Fingerprint): boolean {
    const mask = slots.length / 2 - 1;
    for (let slot = mix32(fingerprint) & mask; ; slot = (slot + 1) & mask) {
      const hi = slots[slot * 2] ?? 0;
      const lo = slots[slot * 2 + 1] ?? 0;
      if (hi === 0 && lo === 0) {
        slots[slot * 2] = fingerprint.hi;
        slots[slot * 2 + 1] = fingerprint.lo;
        return true;
      }
      if (hi === fingerprint.hi && lo === fingerprint.lo) return false;
    }
  }

  private grow(): void {
    const next = new Uint32Array(this.slots.length * 2);
    for (let i = 0; i < this.slots.length; i += 2) {
      const hi = this.slots[i] ?? 0;
      const lo = this.slots[i + 1] ?? 0;
      if (hi !== 0 || lo !== 0) this.insert(next, { hi, lo });
    }
    this.slots = next;
  }
}
