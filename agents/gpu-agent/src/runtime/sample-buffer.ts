import type { TelemetrySample } from '@potluck/protocol';

/**
 * Samples waiting to be sent, bounded: when full, the oldest are dropped and counted,
 * so a long disconnection never grows memory and the loss is reported, not hidden.
 */
export class SampleBuffer {
  private samples: TelemetrySample[] = [];
  private droppedSinceReport = 0;
  private droppedTotal = 0;

  constructor(readonly capacity: number) {}

  push(batch: readonly TelemetrySample[]): void {
    this.samples.push(...batch);
    const excess = this.samples.length - this.capacity;
    if (excess > 0) {
      this.samples.splice(0, excess);
      this.droppedSinceReport += excess;
      this.droppedTotal += excess;
    }
  }

  /** The oldest `max` samples, without removing them (they go once acknowledged). */
  peek(max: number): TelemetrySample[] {
    return this.samples.slice(0, max);
  }

  /** Removes the first `count` samples after the coordinator acknowledged them. */
  acknowledge(count: number): void {
    this.samples.splice(0, count);
  }

  /** Samples dropped since the last call (reported with the next batch). */
  takeDropped(): number {
    const dropped = this.droppedSinceReport;
    this.droppedSinceReport = 0;
    return dropped;
  }

  /** Puts a count back when the batch that reported it was not delivered. */
  restoreDropped(count: number): void {
    this.droppedSinceReport += count;
  }

  get size(): number {
    return this.samples.length;
  }

  get dropped(): number {
    return this.droppedTotal;
  }
}
