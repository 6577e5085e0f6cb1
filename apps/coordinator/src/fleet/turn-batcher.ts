interface Pending<R> {
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the items of one event-loop turn and hands them over at its end in one call
 * (chunks of at most `maxPerCall`). Thousands of agents' telemetry batches arrive on as
 * many sockets; writing each with its own Redis command cost a command object, its
 * encoding and a reply per batch, and kept all of that alive until the reply came. Each
 * caller's promise settles with its own item's result: an `Error` in the results rejects
 * that caller only, and a failed call rejects every caller of its chunk.
 */
export class TurnBatcher<T, R> {
  private items: T[] = [];
  private pending: Pending<R>[] = [];
  private scheduled = false;

  constructor(
    private readonly execute: (items: readonly T[]) => Promise<readonly (R | Error)[]>,
    private readonly maxPerCall: number,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.items.push(item);
      this.pending.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const { items, pending } = this;
    this.items = [];
    this.pending = [];
    this.scheduled = false;
    for (let start = 0; start < items.length; start += this.maxPerCall) {
      this.settle(this.execute(items.slice(start, start + this.maxPerCall)), pending.slice(start, start + this.maxPerCall));
    }
  }

  private settle(results: Promise<readonly (R | Error)[]>, callers: readonly Pending<R>[]): void {
    results.then(
      (values) => {
        callers.forEach((caller, i) => {
          if (i >= values.length) return caller.reject(new Error('no result for this item'));
          const value = values[i] as R | Error;
          if (value instanceof Error) caller.reject(value);
          else caller.resolve(value);
        });
      },
      (error: unknown) => {
        for (const caller of callers) caller.reject(error);
      },
    );
  }
}
