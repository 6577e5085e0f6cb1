import { z } from 'zod';
import { AgentModeSchema, GpuAvailabilitySchema } from './agent-events.js';
import { TelemetrySampleSchema } from './gpu.js';

/** An agent's liveness as the coordinator sees it. */
export const AgentStatusSchema = z.enum(['online', 'unhealthy', 'offline', 'paused', 'draining']);
export type AgentStatus = z.infer<typeof AgentStatusSchema>;

export const FleetGpuSchema = z.object({
  index: z.number().int().nonnegative(),
  deviceId: z.string(),
  name: z.string(),
  memoryTotalMiB: z.number().nullable(),
  computeCapability: z.string().nullable(),
  architecture: z.string().nullable(),
  migDevices: z.number().int().nonnegative(),
  availability: GpuAvailabilitySchema,
  reason: z.string(),
  until: z.number().int().nullable(),
  latest: TelemetrySampleSchema.nullable(),
  /**
   * The job attempt running on this GPU, if any: its kind for everyone, its job id only for
   * the job's owner and admins (others see null). MIG instances' work is not attributed to
   * the physical GPU's card.
   */
  work: z.object({ kind: z.enum(['fine-tune', 'eval', 'dataset', 'pipeline']), jobId: z.uuid().nullable() }).nullable(),
});
export type FleetGpu = z.infer<typeof FleetGpuSchema>;

export const FleetAgentSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  ownerHandle: z.string(),
  simulated: z.boolean(),
  status: AgentStatusSchema,
  /** Why the agent is in this state ("connection lost", "paused by donor", "no telemetry for 20 s"). */
  reason: z.string(),
  mode: AgentModeSchema.nullable(),
  lastSeenAt: z.iso.datetime().nullable(),
  connectedAt: z.iso.datetime().nullable(),
  driverVersion: z.string().nullable(),
  cudaVersion: z.string().nullable(),
  drainEta: z.number().int().nullable(),
  gpus: z.array(FleetGpuSchema),
  /** Only for the owner and admins. */
  hostname: z.string().nullable(),
});
export type FleetAgent = z.infer<typeof FleetAgentSchema>;

export const FleetSummarySchema = z.object({
  agentsOnline: z.number().int().nonnegative(),
  gpusOnline: z.number().int().nonnegative(),
  gpusAvailable: z.number().int().nonnegative(),
  vramOnlineMiB: z.number().nonnegative(),
  powerDrawW: z.number().nonnegative(),
  /**
   * Peak dense BF16 TFLOPS of the available GPUs of online agents, from the reference table
   * in libs/credits (its conservative fallback for unknown models): what the pool could do now.
   */
  tflopsAvailable: z.number().nonnegative(),
});
export type FleetSummary = z.infer<typeof FleetSummarySchema>;

export const FleetQuerySchema = z.strictObject({
  status: AgentStatusSchema.optional(),
  /** Substring of the GPU name, case-insensitive ("4090", "H100"). */
  gpu: z.string().max(64).optional(),
  simulated: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  mine: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});
export type FleetQuery = z.infer<typeof FleetQuerySchema>;

export const FleetPageSchema = z.object({ summary: FleetSummarySchema, agents: z.array(FleetAgentSchema), total: z.number().int() });
export type FleetPage = z.infer<typeof FleetPageSchema>;

export const TelemetryQuerySchema = z.strictObject({
  gpu: z.string().min(1).max(128).optional(),
  resolution: z.enum(['raw', 'minute']).default('raw'),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
});
export type TelemetryQuery = z.infer<typeof TelemetryQuerySchema>;

export const TelemetryMinuteViewSchema = z.object({
  gpuUuid: z.string(),
  minute: z.number().int(),
  samples: z.number().int(),
  utilizationAvg: z.number().nullable(),
  utilizationMax: z.number().nullable(),
  temperatureMax: z.number().nullable(),
  powerAvg: z.number().nullable(),
  memoryUsedMax: z.number().nullable(),
  energyWh: z.number(),
});
export type TelemetryMinuteView = z.infer<typeof TelemetryMinuteViewSchema>;

export const TelemetryHistorySchema = z.object({
  resolution: z.enum(['raw', 'minute']),
  raw: z.array(TelemetrySampleSchema),
  /** At most 10,000, the newest of the range, oldest first. */
  minutes: z.array(TelemetryMinuteViewSchema),
  /** More minutes matched than were returned: ask again with `to` before the first one to page back. */
  truncated: z.boolean(),
});
export type TelemetryHistory = z.infer<typeof TelemetryHistorySchema>;

export const ControlResultSchema = z.object({ delivered: z.boolean() });
export type ControlResult = z.infer<typeof ControlResultSchema>;

/**
 * An agent whose only change since its last push is new telemetry: its GPUs' latest samples
 * (each matches the GPUs whose `deviceId` is its `gpuUuid`) and when it was last seen. Status,
 * reason, availability and work are as last pushed: any change to those comes as a whole view.
 */
export const FleetAgentSamplesSchema = z.object({ agentId: z.uuid(), lastSeenAt: z.iso.datetime(), latest: z.array(TelemetrySampleSchema) });
export type FleetAgentSamples = z.infer<typeof FleetAgentSamplesSchema>;

/** `/live` pushes (throttled): agents whose view changed, as whole views; agents that only sent telemetry, as their samples. */
export const FleetChangesSchema = z.object({ agents: z.array(FleetAgentSchema), samples: z.array(FleetAgentSamplesSchema), summary: FleetSummarySchema.nullable() });
export type FleetChanges = z.infer<typeof FleetChangesSchema>;
export const LiveEvents = { fleetChanges: 'fleet:changes' } as const;
