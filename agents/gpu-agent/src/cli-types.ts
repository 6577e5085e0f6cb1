/**
 * What every `potluck-agent` command gets: its arguments and the I/O adapters, so that
 * commands are plain logic that tests drive with fakes.
 */
import type { NvidiaSmiExecutor } from './nvidia-smi/executor.js';

/** Exit statuses of the agent CLI. */
export const EXIT = {
  ok: 0,
  /** Something around the command failed (a file unreadable, nvidia-smi missing or hung). */
  failure: 1,
  /** nvidia-smi printed an error instead of an inventory. */
  nvidiaSmiError: 2,
  /** The command line was wrong (sysexits EX_USAGE). */
  usage: 64,
  /** The agent could not reach its control socket: no agent is running (sysexits EX_UNAVAILABLE). */
  unavailable: 69,
  /** The coordinator refused the token or protocol for good (sysexits EX_NOPERM). */
  refused: 77,
  /** The configuration is invalid (sysexits EX_CONFIG). */
  config: 78,
  /** A bug: an exception nothing expected (sysexits EX_SOFTWARE). */
  internal: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CliDeps {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a text file (size-capped); rejects with a message fit for the user. */
  readTextFile(path: string): Promise<string>;
  nvidiaSmi: NvidiaSmiExecutor;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The command's own usage text (printed for `--help` and usage errors). */
  usage: string;
  run(args: readonly string[], deps: CliDeps): Promise<ExitCode>;
}
