/**
 * What the availability decision reads and returns. The protocol types (policy, GPU
 * status, agent mode) come from `@potluck/protocol`; these are the agent's own.
 */
import type { AgentMode, DonorPolicy, GpuStatus } from '@potluck/protocol';
import type { AvailabilityMemory } from './memory.js';

/** A donor's pause. `reason` reads as the start of a sentence: "paused by donor". */
export interface Pause {
  /** When the pause ends (ms since epoch); `null` = until resumed. */
  until: number | null;
  reason: string;
}

/** The donor's live controls, as the agent holds them. */
export interface DonorControls {
  /** `potluck-agent pause` without `--gpu`. */
  agentPause: Pause | null;
  /** Pauses of single GPUs, by GPU index. */
  gpuPauses: ReadonlyMap<number, Pause>;
  drain: { reason: string; since: number } | null;
}

/** What the agent sees of one GPU on this tick. */
export interface GpuObservation {
  index: number;
  deviceId: string;
  temperatureC: number | null;
  powerDrawW: number | null;
  /** Processes on this GPU that are not the agent's own work (from --query-compute-apps). */
  otherProcesses: readonly { pid: number; name: string }[];
  /** The agent is running a job on it right now. */
  busy: boolean;
}

export interface AvailabilityInput {
  policy: DonorPolicy;
  controls: DonorControls;
  gpus: readonly GpuObservation[];
  memory: AvailabilityMemory;
  now: number;
  /** Minutes east of UTC of the donor's local time zone at `now` (e.g. from -new Date(now).getTimezoneOffset()). */
  utcOffsetMinutes: number;
}

export interface AvailabilityDecision {
  /** 'draining' if drain set, else 'paused' if the agent pause is active, else 'active'. */
  mode: AgentMode;
  /** Human readable: "paused by donor until 14:30", "draining: SIGTERM", "active". */
  reason: string;
  /** One per observation, same order. */
  gpus: GpuStatus[];
  /** The memory to pass to the next tick. */
  memory: AvailabilityMemory;
  /** Pauses whose `until` passed: the caller removes them from its controls. */
  expired: { agent: boolean; gpuIndexes: number[] };
}
