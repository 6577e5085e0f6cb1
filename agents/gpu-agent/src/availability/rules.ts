/**
 * The rules that keep a GPU from being lent, in precedence order: the first that
 * applies decides the GPU's availability and its reason.
 */
import type { DonorPolicy } from '@potluck/protocol';
import { temperatureVerdict, powerVerdict } from './caps.js';
import { formatLocalTime } from './local-time.js';
import type { GpuMemory } from './memory.js';
import { describePause, longestActive } from './pauses.js';
import type { DonorControls, GpuObservation } from './types.js';
import type { Verdict } from './verdict.js';
import { yieldVerdict } from './yield.js';

/** What the rules know on this tick besides the GPU itself. */
export interface RuleContext {
  policy: DonorPolicy;
  controls: DonorControls;
  now: number;
  utcOffsetMinutes: number;
  schedule: { inside: boolean; nextStart: number | null };
  /** This GPU's memory after this tick's observation. */
  memory: GpuMemory;
}

export type Rule = (gpu: GpuObservation, context: RuleContext) => Verdict | null;

const disabled: Rule = (gpu, { policy }) =>
  policy.enabledGpus === undefined || policy.enabledGpus.includes(gpu.index)
    ? null
    : { availability: 'disabled', reason: `not lent: GPU ${gpu.index} is not among the donor's enabled GPUs`, until: null };

const draining: Rule = (_gpu, { controls }) =>
  controls.drain === null ? null : { availability: 'draining', reason: withCause('agent is draining', controls.drain.reason), until: null };

const paused: Rule = (gpu, { controls, now, utcOffsetMinutes }) => {
  const pause = longestActive([controls.gpuPauses.get(gpu.index), controls.agentPause], now);
  return pause === null ? null : { availability: 'paused', reason: describePause(pause, now, utcOffsetMinutes), until: pause.until };
};

const outsideSchedule: Rule = (_gpu, { schedule, now, utcOffsetMinutes }) => {
  if (schedule.inside) return null;
  const next = schedule.nextStart === null ? '' : `; next window starts at ${formatLocalTime(schedule.nextStart, now, utcOffsetMinutes)}`;
  return { availability: 'outside-schedule', reason: `outside the donor's schedule${next}`, until: null };
};

const yielding: Rule = (gpu, { policy, memory, now }) =>
  policy.yieldToOtherProcesses ? yieldVerdict(memory, gpu.otherProcesses, now, policy.yieldCooldownSeconds * 1000) : null;

const overTemperature: Rule = (gpu, { policy, memory }) =>
  memory.overTemperature && policy.maxTemperatureC !== null ? temperatureVerdict(gpu.temperatureC, policy.maxTemperatureC) : null;

const overPower: Rule = (gpu, { policy, memory }) =>
  memory.overPower && policy.maxPowerW !== null ? powerVerdict(gpu.powerDrawW, policy.maxPowerW) : null;

const busy: Rule = (gpu) => (gpu.busy ? { availability: 'busy', reason: 'running a Potluck job', until: null } : null);

export const RULES: readonly Rule[] = [disabled, draining, paused, outsideSchedule, yielding, overTemperature, overPower, busy];

export const AVAILABLE: Verdict = { availability: 'available', reason: 'available', until: null };

/** "draining: SIGTERM", or the bare text when there is no cause. */
export function withCause(text: string, cause: string): string {
  return cause.trim() === '' ? text : `${text}: ${cause.trim()}`;
}
