#!/usr/bin/env node
/** The `potluck-agent` executable: real I/O adapters around `runCli`. */
import { EXIT } from './cli-types.js';
import { runCli } from './cli.js';
import { readTextFile } from './io/text-file.js';
import { createSpawnExecutor } from './nvidia-smi/executor.js';

try {
  const code = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readTextFile,
    nvidiaSmi: createSpawnExecutor(),
  });
  // A finished command ends the process even if a library left a timer or socket behind.
  process.stdout.write('', () => process.exit(code));
} catch (error) {
  process.stderr.write(`potluck-agent: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = EXIT.internal;
}
