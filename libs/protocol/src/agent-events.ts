import { z } from 'zod';
import { GpuInventorySchema, TelemetrySampleSchema } from './gpu.js';

/**
 * The agent ⇄ coordinator protocol on the socket.io namespace `/agents`.
 * Every payload is validated with these schemas on both sides; an invalid one is
 * answered with an `AgentAck` error and never stored.
 */

export const AGENTS_NAMESPACE = '/agents';
export const LIVE_NAMESPACE = '/live';

/** Codes in error acknowledgements and connection refusals. */
export const AgentErrorCodeSchema = z.enum([
  'UNAUTHENTICATED',
  'INVALID_PAYLOAD',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'PROTOCOL_UNSUPPORTED',
  'HELLO_REQUIRED',
  'NOT_YOURS',
  'INTERNAL',
]);
export type AgentErrorCode = z.infer<typeof AgentErrorCodeSchema>;

export const AgentErrorSchema = z.object({
  code: AgentErrorCodeSchema,
  message: z.string(),
  /** For INVALID_PAYLOAD: which fields were wrong. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type AgentError = z.infer<typeof AgentErrorSchema>;

/** Every acknowledgement: success with a result, or a typed error. */
export function ackOf<T extends z.ZodType>(result: T) {
  return z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), result }), z.object({ ok: z.literal(false), error: AgentErrorSchema })]);
}
export type AgentAck<T> = { ok: true; result: T } | { ok: false; error: AgentError };

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour');

/** A window of local time in which the donor lends the GPUs; may cross midnight (22:00–08:00). */
export const ScheduleWindowSchema = z.object({
  start: HHMM,
  end: HHMM,
  /** Days of the week the window starts on (0 = Sunday); all days when omitted. */
  days: z.array(z.number().int().min(0).max(6)).max(7).optional(),
});
export type ScheduleWindow = z.infer<typeof ScheduleWindowSchema>;

/** `noop` is for development and benchmarks only: jobs for it are accepted from admins when the coordinator enables it. */
export const RuntimeSchema = z.enum(['builtin', 'process', 'container', 'noop']);
export type Runtime = z.infer<typeof RuntimeSchema>;

/** A donor-approved `process` command's name, as jobs ask for it (`requirements.command`) and hello reports it. */
export const ProcessCommandNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" and "-", at most 64, starting with a letter or digit');
export type ProcessCommandName = z.infer<typeof ProcessCommandNameSchema>;

/** What the donor allows, from the agent's config file (reported in `hello`). */
export const DonorPolicySchema = z.object({
  /** GPU indexes the donor lends; all when omitted. */
  enabledGpus: z.array(z.number().int().nonnegative()).max(64).optional(),
  /** Lend only inside these windows (agent's local time); always when empty. */
  schedule: z.array(ScheduleWindowSchema).max(14).default([]),
  /** Pause a GPU while it is hotter than this. */
  maxTemperatureC: z.number().min(30).max(110).nullable().default(null),
  /** Pause a GPU while it draws more than this. */
  maxPowerW: z.number().min(10).max(2000).nullable().default(null),
  /** Pause a GPU while a process that is not the agent's uses it. */
  yieldToOtherProcesses: z.boolean().default(true),
  /** How long a GPU must be free of other processes before it is lent again. */
  yieldCooldownSeconds: z.number().int().min(0).max(86_400).default(60),
  runtimes: z.array(RuntimeSchema).max(3).default(['builtin']),
});
export type DonorPolicy = z.infer<typeof DonorPolicySchema>;

/** Why a GPU is or is not available, as the agent decides it. */
export const GpuAvailabilitySchema = z.enum([
  'available',
  'busy',
  'disabled',
  'paused',
  'draining',
  'yielding',
  'over-temperature',
  'over-power',
  'outside-schedule',
]);
export type GpuAvailability = z.infer<typeof GpuAvailabilitySchema>;

export const GpuStatusSchema = z.object({
  index: z.number().int().nonnegative(),
  /** GPU UUID when known, else `gpu-<index>`. */
  deviceId: z.string().min(1).max(128),
  availability: GpuAvailabilitySchema,
  /** Human-readable reason ("paused by donor for 2h", "python (pid 4242) is using the GPU"). */
  reason: z.string().max(500),
  /** When a timed pause ends (ms since epoch). */
  until: z.number().int().nonnegative().nullable(),
});
export type GpuStatus = z.infer<typeof GpuStatusSchema>;

export const AgentModeSchema = z.enum(['active', 'paused', 'draining']);
export type AgentMode = z.infer<typeof AgentModeSchema>;

const MAX_INVENTORY_STRING = 256;
const MAX_PROCESS_NAME = 4096;

/** Whether every string in `value` (objects and arrays, walked through) is at most `max` characters. */
function stringsAtMost(value: unknown, max: number): boolean {
  if (typeof value === 'string') return value.length <= max;
  if (Array.isArray(value)) return value.every((item) => stringsAtMost(item, max));
  if (typeof value === 'object' && value !== null) return Object.values(value).every((item) => stringsAtMost(item, max));
  return true;
}

export const HelloSchema = z.object({
  agentVersion: z.string().min(1).max(64),
  /** Random id of this agent process; telemetry `seq` numbers are unique within it. */
  runId: z.string().regex(/^[\w-]{8,64}$/),
  /** Versions the agent speaks; the coordinator picks the highest it also speaks. */
  protocolVersions: z.array(z.number().int().positive()).min(1).max(16),
  host: z.object({ hostname: z.string().min(1).max(255), os: z.string().max(64), arch: z.string().max(32) }),
  simulated: z.boolean(),
  /**
   * Bounded: a hello describes one machine. Its strings are copied into every device row, the
   * presence and the public fleet view, so each is short (process names, which stay with the
   * agent, may be longer).
   */
  inventory: GpuInventorySchema.refine(
    (inventory) =>
      inventory.gpus.length <= 64 &&
      (inventory.processes?.length ?? 0) <= 4096 &&
      inventory.gpus.every((gpu) => (gpu.uuid?.length ?? 0) <= 128 && gpu.migDevices.length <= 64) &&
      stringsAtMost({ ...inventory, processes: null }, MAX_INVENTORY_STRING) &&
      stringsAtMost(inventory.processes, MAX_PROCESS_NAME),
    `inventory too large: at most 64 GPUs of 64 MIG devices each, 4096 processes, GPU ids up to 128 characters, other text up to ${MAX_INVENTORY_STRING} (process names ${MAX_PROCESS_NAME})`,
  ),
  runtimes: z.array(RuntimeSchema).max(3),
  /** The `process` commands the donor approved, by name (what they run stays on the donor's machine); none when absent. */
  processCommands: z.array(ProcessCommandNameSchema).max(64).optional(),
  policy: DonorPolicySchema,
  mode: AgentModeSchema,
  gpus: z.array(GpuStatusSchema).max(64),
});
export type Hello = z.infer<typeof HelloSchema>;

export const HelloResultSchema = z.object({
  agentId: z.uuid(),
  protocolVersion: z.number().int().positive(),
  /** How often the agent should send telemetry (and thereby prove it is alive). */
  telemetryIntervalMs: z.number().int().positive(),
  /** Most samples one telemetry batch may carry. */
  maxBatchSamples: z.number().int().positive(),
});
export type HelloResult = z.infer<typeof HelloResultSchema>;

export const MAX_TELEMETRY_BATCH = 512;

export const TelemetryBatchSchema = z.object({
  /** Increases by one per batch within one agent process; lets the coordinator drop replays. */
  seq: z.number().int().nonnegative(),
  samples: z.array(TelemetrySampleSchema).max(MAX_TELEMETRY_BATCH),
  /** Samples the agent had to drop from its buffer while disconnected (reported, never hidden). */
  dropped: z.number().int().nonnegative().default(0),
});
export type TelemetryBatch = z.infer<typeof TelemetryBatchSchema>;

export const TelemetryResultSchema = z.object({ accepted: z.number().int().nonnegative(), duplicate: z.boolean() });
export type TelemetryResult = z.infer<typeof TelemetryResultSchema>;

/** The agent's mode or a GPU's availability changed; every change carries its reason. */
export const StateReportSchema = z.object({
  at: z.number().int().nonnegative(),
  mode: AgentModeSchema,
  reason: z.string().max(500),
  gpus: z.array(GpuStatusSchema).max(64),
  /** While draining: when current work is expected to end (ms since epoch), if known. */
  drainEta: z.number().int().nonnegative().nullable().default(null),
});
export type StateReport = z.infer<typeof StateReportSchema>;

/** Coordinator → agent: an owner or admin controls the agent remotely. */
export const ControlCommandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('pause'), gpuIndex: z.number().int().nonnegative().optional(), durationMs: z.number().int().positive().max(30 * 86_400_000).optional(), reason: z.string().max(200) }),
  z.object({ command: z.literal('resume'), gpuIndex: z.number().int().nonnegative().optional(), reason: z.string().max(200) }),
  z.object({ command: z.literal('drain'), reason: z.string().max(200) }),
]);
export type ControlCommand = z.infer<typeof ControlCommandSchema>;

/** Socket event names, in one place. */
export const AgentEvents = {
  hello: 'hello',
  telemetry: 'telemetry',
  state: 'state',
  control: 'control',
} as const;
