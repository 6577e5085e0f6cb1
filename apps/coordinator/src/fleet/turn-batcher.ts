interface Pending<R> {
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
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

  constructor(
    private readonly execute: (items: readonly T[]) => Promise<readonly (R | Error)[]>,
    private readonly maxWeightPerCall: number,
    private readonly weigh: (item: T) => number = () => 1,
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
    let start = 0;
    let weight = 0;
    for (let i = 0; i < items.length; i++) {
      const itemWeight = Math.max(1, this.weigh(items[i] as T));
      if (i > start && weight + itemWeight > this.maxWeightPerCall) {
        this.settle(this.execute(items.slice(start, i)), pending.slice(start, i));
        start = i;
        weight = 0;
      }
      weight += itemWeight;
    }
    if (items.length > start) this.settle(this.execute(items.slice(start)), pending.slice(start));
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
