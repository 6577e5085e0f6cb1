import { readFileSync } from 'node:fs';

/** The parent of a process id, or null when it cannot be read. */
export type ParentOf = (pid: number) => number | null;

/** The parent process id from `/proc/<pid>/stat` (Linux); null elsewhere or when the process is gone. */
export function procParentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is `self` or one of its descendants: the agent's own work (a `process`
 * runtime command and whatever it starts) shows in `--query-compute-apps` like any other
 * program, and must not make the agent yield its GPU to itself.
 */
export function isOwnProcess(pid: number, self: number, parentOf: ParentOf = procParentOf): boolean {
  let current: number | null = pid;
  for (let depth = 0; current !== null && current > 1 && depth < 64; depth += 1) {
    if (current === self) return true;
    current = parentOf(current);
  }
  return false;
}
