import type { TelemetrySample } from '@potluck/protocol';

/** Samples taken for sending, and the position up to which they reach. */
export interface BufferSlice {
  samples: TelemetrySample[];
  /** Position (see SampleBuffer) just after the last sample of the slice. */
  upTo: number;
}

/**
 * Samples waiting to be sent, bounded: when full, the oldest are dropped and counted,
 * so a long disconnection never grows memory and the loss is reported, not hidden.
 * Every sample has a position (a running count), so acknowledging a batch removes
 * exactly the samples that batch carried, even if overflow dropped some meanwhile;
 * samples already taken into an in-flight batch are not counted as dropped.
 */
export class SampleBuffer {
  private samples: TelemetrySample[] = [];
  /** Position of samples[0]. */
  private first = 0;
  /** Samples before this position are in a batch on its way (copied): dropping them loses nothing. */
  private inFlightUpTo = 0;
  private droppedSinceReport = 0;
  private droppedTotal = 0;

  constructor(readonly capacity: number) {}

  push(batch: readonly TelemetrySample[]): void {
    this.samples.push(...batch);
    const excess = this.samples.length - this.capacity;
    if (excess <= 0) return;
    const lost = Math.max(0, this.first + excess - Math.max(this.first, this.inFlightUpTo));
    this.samples.splice(0, excess);
    this.first += excess;
    this.droppedSinceReport += lost;
    this.droppedTotal += lost;
  }

  /** The oldest samples not yet in flight, at most `max`, marked as in flight. */
  take(max: number): BufferSlice {
    const start = Math.max(0, this.inFlightUpTo - this.first);
    const samples = this.samples.slice(start, start + max);
    this.inFlightUpTo = this.first + start + samples.length;
    return { samples, upTo: this.inFlightUpTo };
  }

  /** The coordinator has the samples before `upTo`: forget them. */
  acknowledge(upTo: number): void {
    const count = Math.min(this.samples.length, Math.max(0, upTo - this.first));
    this.samples.splice(0, count);
    this.first += count;
  }

  /** Samples dropped since the last call (reported with the next batch). */
  takeDropped(): number {
    const dropped = this.droppedSinceReport;
    this.droppedSinceReport = 0;
    return dropped;
  }

  /** Samples waiting, in flight or not. */
  get size(): number {
    return this.samples.length;
  }

  get dropped(): number {
    return this.droppedTotal;
  }
}
