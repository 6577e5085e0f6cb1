import { spawn, type ChildProcess } from 'node:child_process';

export interface Running {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  exited: Promise<number | string>;
  /** The exit code, or 'still running' when the process has not exited within `timeoutMs`. */
  exitWithin(timeoutMs: number): Promise<number | string>;
  /** Resolves when `pattern` appears in the output; rejects on exit or deadline. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts a real process and watches its output (no fixed sleeps: wait for lines with a deadline). */
export function run(command: string, args: string[], env: Record<string, string>, cwd?: string): Running {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const listener of listeners) listener();
    });
  });
  let exitCode: number | string | null = null;
  void exited.then((code) => {
    exitCode = code;
  });

  return {
    child,
    output: () => output,
    exited,
    exitWithin(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve('still running'), timeoutMs);
      });
      return Promise.race([exited, deadline]).finally(() => clearTimeout(timer));
    },
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) return done(() => resolve(match));
          if (exitCode !== null) return done(() => reject(new Error(`process exited (${exitCode}) before printing ${pattern}:\n${output}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`))), timeoutMs);
        const done = (finish: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          finish();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
