/**
 * Yield: a GPU that a process not ours uses is left to it, and lent again only once it
 * has been seen free for the cool-down. The cool-down counts from the first tick that
 * saw the GPU free (the process may have left any time after the tick before).
 */
import type { ForeignProcess, GpuMemory } from './memory.js';
import type { Verdict } from './verdict.js';

type YieldMemory = Pick<GpuMemory, 'foreign' | 'freeSince'>;

/** The yield memory after this tick's process list. */
export function nextYieldMemory(previous: YieldMemory, others: readonly ForeignProcess[], now: number, cooldownMs: number): YieldMemory {
  const [first] = others;
  if (first !== undefined) return { foreign: { pid: first.pid, name: first.name }, freeSince: null };
  if (previous.foreign === null) return { foreign: null, freeSince: null };
  // A clock stepped back never makes the cool-down longer than configured.
  const freeSince = previous.freeSince === null ? now : Math.min(previous.freeSince, now);
  if (now - freeSince >= cooldownMs) return { foreign: null, freeSince: null };
  return { foreign: previous.foreign, freeSince };
}

/** `yielding` while a process not ours is there or its cool-down runs; `null` otherwise. */
export function yieldVerdict(memory: YieldMemory, others: readonly ForeignProcess[], now: number, cooldownMs: number): Verdict | null {
  const [first] = others;
  if (first !== undefined) {
    const rest = others.length - 1;
    const more = rest === 0 ? 'is' : `and ${rest} other process${rest === 1 ? ' is' : 'es are'}`;
    return { availability: 'yielding', reason: `${describeProcess(first)} ${more} using the GPU`, until: null };
  }
  if (memory.foreign === null || memory.freeSince === null) return null;
  const freeAt = memory.freeSince + cooldownMs;
  const seconds = Math.max(1, Math.ceil((freeAt - now) / 1000));
  return { availability: 'yielding', reason: `${describeProcess(memory.foreign)} stopped using the GPU; free again in ${seconds} s`, until: freeAt };
}

/** "python3 (pid 4242)": the program's file name, without its folder. */
export function describeProcess(process: ForeignProcess): string {
  const name = process.name.trim().split(/[\\/]/).pop() ?? '';
  return `${name === '' ? 'a process' : name} (pid ${process.pid})`;
}
