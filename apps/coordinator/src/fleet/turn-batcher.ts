interface Pending<R> {
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export interface TurnBatcherOptions<T> {
  /** What one call may carry: its items weigh at most this together (an item heavier than that goes alone). */
  maxWeightPerCall: number;
  /** An item's weight, at least 1 (default 1). */
  weigh?: (item: T) => number;
  /**
   * Calls that may be under way at once (default: no limit). At the limit, items wait for a
   * call to settle and then go together in the next turn (group commit): under load, fewer
   * and larger calls; with one call at a time and no load, nothing waits.
   */
  maxCallsInFlight?: number;
}

/**
 * Gathers the items of one event-loop turn and hands them over at its end in one call
 * (chunks whose items weigh at most `maxWeightPerCall` together, each item weighing at least
 * 1; an item heavier than that goes alone). Thousands of agents' telemetry batches arrive on as
 * many sockets; writing each with its own Redis command cost a command object, its
 * encoding and a reply per batch, and kept all of that alive until the reply came. Each
 * caller's promise settles with its own item's result: an `Error` in the results rejects
 * that caller only, and a failed call rejects every caller of its chunk.
 */
export class TurnBatcher<T, R> {
  private items: T[] = [];
  private pending: Pending<R>[] = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly maxWeightPerCall: number;
  private readonly weigh: (item: T) => number;
  private readonly maxCallsInFlight: number;

  constructor(
    private readonly execute: (items: readonly T[]) => Promise<readonly (R | Error)[]>,
    options: TurnBatcherOptions<T>,
  ) {
    this.maxWeightPerCall = options.maxWeightPerCall;
    this.weigh = options.weigh ?? (() => 1);
    this.maxCallsInFlight = options.maxCallsInFlight ?? Infinity;
  }

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.items.push(item);
      this.pending.push({ resolve, reject });
      this.schedule();
    });
  }

  /** A flush at the end of this turn, unless one is scheduled or the calls under way are at the limit (their settling schedules it). */
  private schedule(): void {
    if (this.scheduled || this.items.length === 0 || this.inFlight >= this.maxCallsInFlight) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    let start = 0;
    let weight = 0;
    let end = 0;
    const { items, pending } = this;
    for (; end < items.length && this.inFlight < this.maxCallsInFlight; end++) {
      const itemWeight = Math.max(1, this.weigh(items[end] as T));
      if (end > start && weight + itemWeight > this.maxWeightPerCall) {
        this.call(items.slice(start, end), pending.slice(start, end));
        start = end;
        weight = 0;
        if (this.inFlight >= this.maxCallsInFlight) break;
      }
      weight += itemWeight;
    }
    if (this.inFlight < this.maxCallsInFlight && end > start) {
      this.call(items.slice(start, end), pending.slice(start, end));
      start = end;
    }
    this.items = items.slice(start);
    this.pending = pending.slice(start);
  }

  private call(items: readonly T[], callers: readonly Pending<R>[]): void {
    this.inFlight += 1;
    const settled = (): void => {
      this.inFlight -= 1;
      this.schedule();
    };
    this.execute(items).then(
      (values) => {
        settled();
        callers.forEach((caller, i) => {
          if (i >= values.length) return caller.reject(new Error('no result for this item'));
          const value = values[i] as R | Error;
          if (value instanceof Error) caller.reject(value);
          else caller.resolve(value);
        });
      },
      (error: unknown) => {
        settled();
        for (const caller of callers) caller.reject(error);
      },
    );
  }
}
