/**
 * Runs `nvidia-smi` — the only place the agent spawns it. Bounded in time and output
 * size; a missing binary is a result, not an exception.
 */
import { spawn } from 'node:child_process';

export type NvidiaSmiRun =
  | { ok: true; stdout: string; stderr: string; exitCode: number | null }
  | { ok: false; reason: 'not-found' | 'timeout' | 'too-large' | 'spawn-failed'; message: string };

export interface NvidiaSmiExecutor {
  run(args: readonly string[]): Promise<NvidiaSmiRun>;
}

export interface SpawnExecutorOptions {
  /** The program to run; `nvidia-smi` from PATH by default. */
  binary?: string;
  timeoutMs?: number;
  /** Cap on stdout and stderr together. */
  maxOutputBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

export function createSpawnExecutor(options: SpawnExecutorOptions = {}): NvidiaSmiExecutor {
  const binary = options.binary ?? 'nvidia-smi';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;

  return {
    run: (args) =>
      new Promise<NvidiaSmiRun>((resolve) => {
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let size = 0;
        let settled = false;
        const child = spawn(binary, [...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });

        const finish = (result: NvidiaSmiRun, kill = false): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (kill) child.kill('SIGKILL');
          resolve(result);
        };
        const collect = (into: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxOutputBytes) {
            finish({ ok: false, reason: 'too-large', message: `${binary} printed more than ${maxOutputBytes} bytes` }, true);
            return;
          }
          into.push(chunk);
        };
        const timer = setTimeout(() => {
          finish({ ok: false, reason: 'timeout', message: `${binary} did not finish within ${timeoutMs} ms` }, true);
        }, timeoutMs);

        child.stdout.on('data', collect(stdout));
        child.stderr.on('data', collect(stderr));
        child.on('error', (error: NodeJS.ErrnoException) => {
          finish(
            error.code === 'ENOENT'
              ? { ok: false, reason: 'not-found', message: `${binary} was not found on PATH (is the NVIDIA driver installed?)` }
              : { ok: false, reason: 'spawn-failed', message: `could not run ${binary}: ${error.message}` },
          );
        });
        child.on('close', (code) => {
          finish({ ok: true, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), exitCode: code });
        });
      }),
  };
}
