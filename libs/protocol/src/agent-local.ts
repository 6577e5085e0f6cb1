import { z } from 'zod';
import { AgentModeSchema, GpuStatusSchema } from './agent-events.js';

/**
 * The running agent's local control API (HTTP over a Unix socket only its owner can
 * open), used by `potluck-agent status|pause|resume|drain`.
 */

export const LocalPauseBodySchema = z.strictObject({
  /** GPU index; the whole agent when omitted. */
  gpu: z.number().int().nonnegative().max(63).optional(),
  /** Pause length; until resumed when omitted. */
  forMs: z.number().int().positive().max(30 * 86_400_000).optional(),
  reason: z.string().max(200).optional(),
});
export type LocalPauseBody = z.infer<typeof LocalPauseBodySchema>;

export const LocalResumeBodySchema = z.strictObject({ gpu: z.number().int().nonnegative().max(63).optional() });
export type LocalResumeBody = z.infer<typeof LocalResumeBodySchema>;

export const LocalDrainBodySchema = z.strictObject({ reason: z.string().max(200).optional() });
export type LocalDrainBody = z.infer<typeof LocalDrainBodySchema>;

export const ConnectionStateSchema = z.enum(['connecting', 'connected', 'disconnected', 'refused']);

export const LocalStatusSchema = z.object({
  agentId: z.string().nullable(),
  coordinator: z.string(),
  connection: ConnectionStateSchema,
  /** Why the connection is in this state ("coordinator unreachable: ECONNREFUSED"). */
  connectionDetail: z.string(),
  simulated: z.boolean(),
  mode: AgentModeSchema,
  reason: z.string(),
  drainEta: z.number().int().nullable(),
  gpus: z.array(GpuStatusSchema.extend({ name: z.string() })),
  buffer: z.object({ samples: z.number().int(), capacity: z.number().int(), droppedTotal: z.number().int() }),
  startedAt: z.number().int(),
  /** Idle while jobs wait: the coordinator's latest "why no job?" (absent when it sent none). */
  why: z.object({ at: z.number().int(), summary: z.string(), jobs: z.array(z.object({ jobId: z.string(), kind: z.string(), rule: z.string(), detail: z.string() })) }).nullable().default(null),
});
export type LocalStatus = z.infer<typeof LocalStatusSchema>;
