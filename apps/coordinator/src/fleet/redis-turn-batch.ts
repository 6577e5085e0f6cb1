/** A command for a Redis pipeline, e.g. `{ name: 'evalsha', args: [sha, 1, key] }`. */
export interface BatchCommand {
  name: string;
  args: (string | number)[];
}

/** A pipeline's reply to one command, as ioredis gives it. */
export type BatchReply = [error: Error | null, result: unknown];

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * The Redis commands of one event-loop turn, sent at its end as one pipeline: one write and
 * one round trip for every telemetry batch that arrived in that turn, instead of one each
 * (thousands of agents' messages arrive on as many sockets, and ioredis writes once per
 * command otherwise). Sorted-set additions are merged: one ZADD per key per turn, the
 * higher score per member. Each caller's promise settles with its own command's reply, so a
 * caller still acknowledges only what was stored.
 */
export class RedisTurnBatch {
  private commands: { command: BatchCommand; pending: Pending<unknown> }[] = [];
  private zadds = new Map<string, Map<string, number>>();
  private zaddWaiters: Pending<void>[] = [];
  private scheduled = false;

  constructor(private readonly execute: (commands: readonly BatchCommand[]) => Promise<readonly BatchReply[]>) {}

  /** One command in this turn's pipeline; rejects with the error Redis answered for it. */
  call(name: string, args: (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.commands.push({ command: { name, args }, pending: { resolve, reject } });
      this.schedule();
    });
  }

  /** Adds members to sorted sets (key, score, member), merged with the rest of this turn's additions. */
  zadd(additions: readonly (readonly [key: string, score: number, member: string])[]): Promise<void> {
    for (const [key, score, member] of additions) {
      let members = this.zadds.get(key);
      if (!members) this.zadds.set(key, (members = new Map<string, number>()));
      const previous = members.get(member);
      if (previous === undefined || score > previous) members.set(member, score);
    }
    return new Promise((resolve, reject) => {
      this.zaddWaiters.push({ resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const { commands, zadds, zaddWaiters } = this;
    this.commands = [];
    this.zadds = new Map();
    this.zaddWaiters = [];
    this.scheduled = false;
    const zaddCommands: BatchCommand[] = [];
    for (const [key, members] of zadds) {
      const args: (string | number)[] = [key];
      for (const [member, score] of members) args.push(score, member);
      zaddCommands.push({ name: 'zadd', args });
    }
    this.execute([...commands.map(({ command }) => command), ...zaddCommands]).then(
      (replies) => {
        commands.forEach(({ pending }, i) => {
          const [error, result] = replies[i] ?? [new Error('no reply in the pipeline'), null];
          if (error) pending.reject(error);
          else pending.resolve(result);
        });
        const zaddError = replies.slice(commands.length).find(([error]) => error)?.[0];
        for (const waiter of zaddWaiters) {
          if (zaddError) waiter.reject(zaddError);
          else waiter.resolve();
        }
      },
      (error: unknown) => {
        for (const { pending } of commands) pending.reject(error);
        for (const waiter of zaddWaiters) waiter.reject(error);
      },
    );
  }
}
