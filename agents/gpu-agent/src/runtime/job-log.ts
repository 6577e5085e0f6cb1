import type { AgentAck, JobLog, JobLogLine } from '@potluck/protocol';

/** Lines kept while the coordinator cannot be reached (older ones are dropped). */
const MAX_PENDING = 500;
/** Lines per message (the protocol's limit). */
const MAX_BATCH = 100;
/** Lines are sent together at most this often. */
const FLUSH_EVERY_MS = 500;

/**
 * A running attempt's log lines on their way to the coordinator: batched, bounded, best
 * effort (a log line lost to a disconnection changes no result).
 */
export class JobLogBuffer {
  private pending: JobLogLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly attemptId: string,
    private readonly send: (batch: JobLog) => Promise<AgentAck<{ recorded: number }>>,
    private readonly clock: () => number = Date.now,
  ) {}

  add(level: JobLogLine['level'], message: string): void {
    this.pending.push({ at: this.clock(), level, message: message.slice(0, 2000) });
    if (this.pending.length > MAX_PENDING) this.pending.splice(0, this.pending.length - MAX_PENDING);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, FLUSH_EVERY_MS);
  }

  /** Sends what is left (before the attempt's outcome is reported). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.sending = this.sending.then(async () => {
      while (this.pending.length > 0) {
        const lines = this.pending.splice(0, MAX_BATCH);
        try {
          await this.send({ attemptId: this.attemptId, lines });
        } catch {
          return; // not connected: these lines are lost, the next ones may get through
        }
      }
    });
    return this.sending;
  }
}
