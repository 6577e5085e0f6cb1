/**
 * A bounded map whose entries last `ttlMs` and, where a version is given, only while that
 * version is still the current one (a writer in this process moves it on to drop what it
 * changed at once). When full, the oldest entry makes room. A `ttlMs` of 0 keeps nothing.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number; version: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {
    if (!Number.isInteger(ttlMs) || ttlMs < 0) throw new RangeError(`ttlMs must be a whole number of ms ≥ 0, not ${ttlMs}`);
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a whole number ≥ 1, not ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value stored under `key` if it is younger than the TTL and was stored under `version`. */
  get(key: K, now: number, version = 0): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > now && entry.version === version) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: K, value: V, now: number, version = 0): void {
    if (this.ttlMs === 0) return;
    this.entries.delete(key); // a key stored again counts as the newest
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, until: now + this.ttlMs, version });
  }
}
