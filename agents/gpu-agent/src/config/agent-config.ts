import { homedir } from 'node:os';
import { join } from 'node:path';
import { DonorPolicySchema } from '@potluck/protocol';
import { z } from 'zod';
import { SIMULATE_FAULT_PATTERN } from '../runtime/fault-injection.js';
import { ProcessRuntimeConfigSchema } from './process-config.js';

/**
 * The agent's settings: a JSON config file (`--config`), overridden by environment
 * variables, overridden by command-line flags. Parsed once by `start`. Unknown keys are
 * refused, here and in `policy`: a misspelt `maxTemperature` must not quietly leave the GPU
 * without its cap. (The protocol's DonorPolicySchema stays lenient, so a coordinator takes
 * hellos from newer agents.)
 */
export const AgentConfigSchema = z.strictObject({
  coordinator: z.url({ protocol: /^https?$/ }),
  token: z.string().regex(/^pat_[\w-]{43}$/, 'an agent token looks like pat_ followed by 43 characters'),
  /** Recorded nvidia-smi output to simulate instead of running nvidia-smi. */
  simulate: z.string().min(1).optional(),
  /** In simulation: a file of `--query-compute-apps` CSV read each tick (lets tests and demos play "a game starts"). */
  simulateProcesses: z.string().min(1).optional(),
  /** In simulation only: misbehave on purpose (runtime/fault-injection.ts), e.g. `inflate-tokens=10`. */
  simulateFault: z.string().regex(SIMULATE_FAULT_PATTERN, 'inflate-tokens=K and/or wrong-loss=D, comma-separated').optional(),
  /** Where `potluck-agent status|pause|resume|drain` reach the running agent (owner-only permissions). */
  controlSocket: z.string().min(1).default(defaultControlSocket()),
  /** Samples kept while the coordinator is unreachable (oldest dropped beyond this). */
  bufferSamples: z.number().int().min(10).max(1_000_000).default(10_000),
  /** Local sampling period; the coordinator's hello answer overrides it. */
  telemetryIntervalMs: z.number().int().min(200).max(60_000).default(5000),
  /** How long SIGTERM/SIGINT wait for running work before the agent exits. */
  drainTimeoutMs: z.number().int().min(0).max(3_600_000).default(30_000),
  policy: DonorPolicySchema.strict().default(DonorPolicySchema.parse({})),
  /** The `process` runtime: the commands the donor approved and their limits (docs/process-runtime.md). */
  process: ProcessRuntimeConfigSchema.default(ProcessRuntimeConfigSchema.parse({})),
})
  .refine((config) => config.simulateFault === undefined || config.simulate !== undefined, { path: ['simulateFault'], message: 'faults can only be injected into a simulated agent (--simulate)' })
  .refine((config) => !config.policy.runtimes.includes('process') || Object.keys(config.process.commands).length > 0, { path: ['process', 'commands'], message: 'policy.runtimes enables process, so approve at least one command here' })
  .refine((config) => config.policy.runtimes.includes('process') || Object.keys(config.process.commands).length === 0, { path: ['policy', 'runtimes'], message: 'process.commands approves commands, so add "process" here too' });
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export function defaultControlSocket(): string {
  return join(process.env.XDG_RUNTIME_DIR ?? join(homedir(), '.potluck'), 'potluck-agent.sock');
}

export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
}

/** Merges file, environment and flags (later wins) and validates; errors name each setting. */
export function resolveAgentConfig(file: Record<string, unknown>, env: NodeJS.ProcessEnv, flags: Record<string, unknown>): AgentConfig {
  const fromEnv: Record<string, unknown> = {};
  if (env.POTLUCK_COORDINATOR) fromEnv.coordinator = env.POTLUCK_COORDINATOR;
  if (env.POTLUCK_AGENT_TOKEN) fromEnv.token = env.POTLUCK_AGENT_TOKEN;
  const merged = { ...file, ...fromEnv, ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)) };
  const result = AgentConfigSchema.safeParse(merged);
  if (result.success) return result.data;
  throw new AgentConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.input === undefined && issue.code === 'invalid_type' ? 'required' : issue.message}`).join('\n'),
  );
}
