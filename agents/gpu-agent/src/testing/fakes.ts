/** Fakes of the CLI's I/O adapters for command tests, and access to the shared nvidia-smi fixtures. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliDeps } from '../cli-types.js';
import type { NvidiaSmiRun } from '../nvidia-smi/executor.js';

/** `<repo root>/../shared/fixtures/nvidia-smi` (CI clones the repository with `shared/` beside it). */
export const SMI_FIXTURES_DIR = fileURLToPath(new URL('../../../../../shared/fixtures/nvidia-smi/', import.meta.url));

export function fixturePath(relative: string): string {
  return `${SMI_FIXTURES_DIR}${relative}`;
}

export interface FakeCli extends CliDeps {
  out: string;
  err: string;
  /** Arguments of every nvidia-smi run. */
  runs: (readonly string[])[];
}

/**
 * Deps whose stdout/stderr are captured, whose files are read from the fixtures folder
 * (any other path is "missing") and whose nvidia-smi answers `nvidiaSmi`.
 */
export function fakeCli(nvidiaSmi: NvidiaSmiRun = { ok: false, reason: 'not-found', message: 'nvidia-smi was not found on PATH' }): FakeCli {
  const fake: FakeCli = {
    out: '',
    err: '',
    runs: [],
    stdout: (text) => {
      fake.out += text;
    },
    stderr: (text) => {
      fake.err += text;
    },
    readTextFile: (path) => {
      if (!path.startsWith(SMI_FIXTURES_DIR)) return Promise.reject(new Error(`${path} does not exist`));
      return Promise.resolve(readFileSync(path, 'utf8'));
    },
    nvidiaSmi: {
      run: (args) => {
        fake.runs.push(args);
        return Promise.resolve(nvidiaSmi);
      },
    },
  };
  return fake;
}
