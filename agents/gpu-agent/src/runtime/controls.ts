import type { ControlCommand, LocalPauseBody } from '@potluck/protocol';
import type { DonorControls, Pause } from '../availability/index.js';

/** Who asked for a change, for the reason shown to everyone. */
export type ControlOrigin = 'donor' | 'coordinator' | 'signal';

/** The donor's live controls (pause, resume, drain) as an immutable value. */
export function emptyControls(): DonorControls {
  return { agentPause: null, gpuPauses: new Map(), drain: null };
}

function pauseOf(now: number, forMs: number | undefined, reason: string): Pause {
  return { until: forMs === undefined ? null : now + forMs, reason };
}

export function pause(controls: DonorControls, body: LocalPauseBody, origin: ControlOrigin, now: number): DonorControls {
  const who = origin === 'coordinator' ? 'paused remotely' : 'paused by donor';
  const reason = body.reason ? `${who}: ${body.reason}` : who;
  if (body.gpu === undefined) return { ...controls, agentPause: pauseOf(now, body.forMs, reason) };
  const gpuPauses = new Map(controls.gpuPauses);
  gpuPauses.set(body.gpu, pauseOf(now, body.forMs, reason));
  return { ...controls, gpuPauses };
}

/** Resumes one GPU, or everything (the agent pause and every GPU pause) when no GPU is named. */
export function resume(controls: DonorControls, gpu: number | undefined): DonorControls {
  if (gpu === undefined) return { ...controls, agentPause: null, gpuPauses: new Map() };
  const gpuPauses = new Map(controls.gpuPauses);
  gpuPauses.delete(gpu);
  return { ...controls, gpuPauses };
}

export function drain(controls: DonorControls, reason: string, now: number): DonorControls {
  return controls.drain ? controls : { ...controls, drain: { reason, since: now } };
}

/** Applies a command from the coordinator (an owner or admin acting remotely). */
export function applyRemote(controls: DonorControls, command: ControlCommand, now: number): DonorControls {
  switch (command.command) {
    case 'pause':
      return pause(controls, { gpu: command.gpuIndex, forMs: command.durationMs, reason: command.reason }, 'coordinator', now);
    case 'resume':
      return resume(controls, command.gpuIndex);
    case 'drain':
      return drain(controls, `drain requested remotely: ${command.reason}`, now);
  }
}

/** Drops pauses the availability decision reported as expired. */
export function withoutExpired(controls: DonorControls, expired: { agent: boolean; gpuIndexes: number[] }): DonorControls {
  if (!expired.agent && expired.gpuIndexes.length === 0) return controls;
  const gpuPauses = new Map(controls.gpuPauses);
  for (const index of expired.gpuIndexes) gpuPauses.delete(index);
  return { ...controls, agentPause: expired.agent ? null : controls.agentPause, gpuPauses };
}
