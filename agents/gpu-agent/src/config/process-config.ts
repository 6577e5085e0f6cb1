import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ProcessCommandNameSchema } from '@potluck/protocol';
import { z } from 'zod';

/** Environment names the agent sets for the command itself (docs/process-runtime.md); a donor's `env` may not override them. */
const RESERVED_ENV = /^(POTLUCK_.*|CUDA_VISIBLE_DEVICES)$/;

/**
 * One command the donor approved for the `process` runtime. It is run from `argv` directly
 * (never through a shell) with the job file's path appended as its last argument.
 */
export const ProcessCommandSchema = z.strictObject({
  /** The program and its first arguments, e.g. `["/usr/bin/python3", "/opt/lora/hf_lora.py"]`. */
  argv: z.array(z.string().min(1).max(4096)).min(1).max(64),
  /** Extra environment for the command (the agent's own environment is not passed on), e.g. `{ "HF_HOME": "/data/hf" }`. */
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name'), z.string().max(4096))
    .refine((env) => Object.keys(env).every((name) => !RESERVED_ENV.test(name)), 'POTLUCK_* and CUDA_VISIBLE_DEVICES are set by the agent')
    .default({}),
  /** Working directory (absolute); the attempt's own folder when omitted. */
  cwd: z.string().refine(isAbsolute, 'an absolute path').optional(),
});
export type ProcessCommand = z.infer<typeof ProcessCommandSchema>;

/** The `process` runtime's settings in the agent's config file (`process`). */
export const ProcessRuntimeConfigSchema = z.strictObject({
  /** The commands the donor approved, by the name jobs ask for (`requirements.command`). */
  commands: z.record(ProcessCommandNameSchema, ProcessCommandSchema).default({}),
  /** Where each attempt gets its folder (inputs, output, checkpoints), removed when the attempt ends. */
  workDir: z.string().refine(isAbsolute, 'an absolute path').default(join(homedir(), '.potluck', 'jobs')),
  /** After SIGTERM (cancel, time limit), how long the command may take to exit before SIGKILL. */
  stopGraceMs: z.number().int().min(100).max(60_000).default(3000),
  /** Largest output file the agent uploads. */
  maxOutputBytes: z.number().int().positive().max(2 ** 31).default(512 * 1024 * 1024),
  /** Largest checkpoint file the agent uploads. */
  maxCheckpointBytes: z.number().int().positive().max(2 ** 31).default(1024 * 1024 * 1024),
  /** Keep each attempt's folder after it ended (to debug a command). */
  keepWorkDirs: z.boolean().default(false),
});
export type ProcessRuntimeConfig = z.infer<typeof ProcessRuntimeConfigSchema>;
