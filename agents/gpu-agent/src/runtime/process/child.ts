import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A command running in its own process group, so that a stop reaches everything it started. */
export interface RunningChild {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once the command exited and its output was read to the end; rejects when it could not start. */
  readonly closed: Promise<ChildExit>;
  /** Sends a signal to the command's whole process group (nothing when it is gone). */
  signalGroup(signal: NodeJS.Signals): void;
}

/** Process groups still running, killed when the agent exits (an agent killed with SIGKILL cannot do this). */
const liveGroups = new Set<number>();
let exitHooked = false;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // ESRCH: the group is gone already
  }
}

/**
 * Starts `argv` directly (no shell) with exactly `env` as its environment, in a new process
 * group, with stdin closed and stdout/stderr piped.
 */
export function startChild(argv: readonly string[], options: { cwd: string; env: Record<string, string> }): RunningChild {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('an empty argv');
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
    });
  }
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, detached: true, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const pid = child.pid;
  if (pid !== undefined) liveGroups.add(pid);
  const closed = new Promise<ChildExit>((resolve, reject) => {
    child.once('error', (error) => {
      if (pid !== undefined) liveGroups.delete(pid);
      reject(error);
    });
    // Whatever the command left behind in its group goes with it (and stops holding its pipes open).
    child.once('exit', () => {
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
    });
    child.once('close', (code, signal) => {
      if (pid !== undefined) liveGroups.delete(pid);
      resolve({ code, signal });
    });
  });
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    closed,
    signalGroup: (signal) => {
      if (pid !== undefined && liveGroups.has(pid)) signalGroup(pid, signal);
    },
  };
}
