/** Jittered exponential backoff: the first delay is about `minMs`, each next one doubles up to `maxMs`, each ± `jitter`. */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** The spread around each delay, as a fraction of it (0.5: from half to one and a half times). */
  jitter: number;
}

export class Backoff {
  private attempts = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next try; each call counts one more failure. */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.minMs * 2 ** Math.min(this.attempts, 30));
    this.attempts += 1;
    return Math.round(base * (1 + (this.random() * 2 - 1) * this.options.jitter));
  }

  /** After a success: the next delay starts from `minMs` again. */
  reset(): void {
    this.attempts = 0;
  }
}
