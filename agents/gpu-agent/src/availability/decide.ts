/**
 * The availability decision of one tick: the agent's mode and each GPU's availability
 * from the donor's policy and controls and what nvidia-smi shows. Pure: time is `now`.
 */
import type { AgentMode, GpuStatus } from '@potluck/protocol';
import { nextOverPower, nextOverTemperature } from './caps.js';
import { gpuMemoryOf, type AvailabilityMemory, type GpuMemory } from './memory.js';
import { describePause, expiredPauses, isActive } from './pauses.js';
import { AVAILABLE, RULES, withCause, type RuleContext } from './rules.js';
import { insideSchedule, nextWindowStart } from './schedule.js';
import type { AvailabilityDecision, AvailabilityInput, GpuObservation } from './types.js';
import type { Verdict } from './verdict.js';
import { nextYieldMemory } from './yield.js';

/** The protocol's limit on a reason's length. */
const MAX_REASON = 500;

export function decideAvailability(input: AvailabilityInput): AvailabilityDecision {
  const { policy, controls, now, utcOffsetMinutes } = input;
  const inside = insideSchedule(policy.schedule, now, utcOffsetMinutes);
  const schedule = { inside, nextStart: inside ? null : nextWindowStart(policy.schedule, now, utcOffsetMinutes) };
  const ticks = input.gpus.map((gpu) => ({ gpu, memory: nextGpuMemory(gpuMemoryOf(input.memory, gpu.deviceId), gpu, input) }));
  const gpus = ticks.map(({ gpu, memory }): GpuStatus => {
    const verdict = firstVerdict(gpu, { policy, controls, now, utcOffsetMinutes, schedule, memory });
    return { index: gpu.index, deviceId: gpu.deviceId, availability: verdict.availability, reason: clip(verdict.reason), until: epochMs(verdict.until) };
  });
  const memory: AvailabilityMemory = { gpus: Object.fromEntries(ticks.map(({ gpu, memory }) => [gpu.deviceId, memory])) };
  return { ...modeOf(input), gpus, memory, expired: expiredPauses(controls, now) };
}

function firstVerdict(gpu: GpuObservation, context: RuleContext): Verdict {
  for (const rule of RULES) {
    const verdict = rule(gpu, context);
    if (verdict !== null) return verdict;
  }
  return AVAILABLE;
}

/** Memory is updated on every tick whatever rule wins, so a cool-down or a tripped cap outlives a pause. */
function nextGpuMemory(previous: GpuMemory, gpu: GpuObservation, { policy, now }: AvailabilityInput): GpuMemory {
  return {
    ...nextYieldMemory(previous, gpu.otherProcesses, now, policy.yieldCooldownSeconds * 1000),
    overTemperature: nextOverTemperature(previous.overTemperature, gpu.temperatureC, policy.maxTemperatureC),
    overPower: nextOverPower(previous.overPower, gpu.powerDrawW, policy.maxPowerW),
  };
}

function modeOf({ controls, now, utcOffsetMinutes }: AvailabilityInput): { mode: AgentMode; reason: string } {
  if (controls.drain !== null) return { mode: 'draining', reason: clip(withCause('draining', controls.drain.reason)) };
  if (isActive(controls.agentPause, now)) return { mode: 'paused', reason: clip(describePause(controls.agentPause, now, utcOffsetMinutes)) };
  return { mode: 'active', reason: 'active' };
}

function clip(reason: string): string {
  return reason.length <= MAX_REASON ? reason : `${reason.slice(0, MAX_REASON - 1)}…`;
}

/** Whole, non-negative milliseconds, as the protocol wants them. */
function epochMs(at: number | null): number | null {
  return at === null ? null : Math.max(0, Math.ceil(at));
}
