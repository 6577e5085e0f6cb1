import type { AgentStatus, GpuAvailability, Requirements, Runtime, WhyNot } from '@potluck/protocol';
import { compareVersions } from './versions.js';

/** What the dispatcher knows about an agent when it matches jobs. */
export interface AgentCapacity {
  status: AgentStatus;
  trustLevel: number;
  /** The donor (user) the agent belongs to; validation runs exclude the donor they check. */
  ownerId?: string | null;
  runtimes: readonly Runtime[];
  /** The `process` commands the donor approved (by name). */
  processCommands: readonly string[];
  driverVersion: string | null;
  cudaVersion: string | null;
  /** Schedulable devices (whole GPUs or MIG instances) with the donor's current verdict. */
  devices: readonly { deviceId: string; memoryTotalMiB: number | null; computeCapability: string | null; availability: GpuAvailability }[];
}

export type Match = { fits: true; deviceIds: string[] } | { fits: false; rule: WhyNot; detail: string };

/**
 * Can this agent run a job with these requirements now, and if not, which rule says no?
 * Lasting mismatches (runtime, process command, trust, driver, CUDA, GPU count, VRAM, compute capability)
 * are reported before passing states (offline, paused, draining, busy), because they
 * tell a builder what to change. Among fitting free devices the smallest sufficient
 * ones are chosen (best fit), keeping big GPUs for the jobs that need them.
 */
export function match(requirements: Requirements, agent: AgentCapacity): Match {
  if (!agent.runtimes.includes(requirements.runtime)) return no('runtime', `the donor does not allow the ${requirements.runtime} runtime (allows ${agent.runtimes.join(', ') || 'none'})`);
  if (requirements.runtime === 'process' && !agent.processCommands.includes(requirements.command ?? '')) {
    return no('process-command', `the donor did not approve the process command "${requirements.command ?? ''}" (approved: ${agent.processCommands.join(', ') || 'none'})`);
  }
  if (agent.trustLevel < requirements.minTrustLevel) return no('trust', `needs trust level ${requirements.minTrustLevel}; the agent has ${agent.trustLevel}`);
  if (agent.ownerId && requirements.excludeDonors.includes(agent.ownerId)) return no('excluded-donor', 'the job checks this donor\'s own result, so another donor must run it');
  if (requirements.minDriverVersion && (!agent.driverVersion || compareVersions(agent.driverVersion, requirements.minDriverVersion) < 0)) {
    return no('driver', `needs driver ≥ ${requirements.minDriverVersion}; the agent has ${agent.driverVersion ?? 'an unknown driver'}`);
  }
  if (requirements.minCudaVersion && (!agent.cudaVersion || compareVersions(agent.cudaVersion, requirements.minCudaVersion) < 0)) {
    return no('cuda', `needs CUDA ≥ ${requirements.minCudaVersion}; the agent has ${agent.cudaVersion ?? 'an unknown CUDA version'}`);
  }
  if (agent.devices.length < requirements.gpuCount) return no('gpu-count', `needs ${requirements.gpuCount} GPUs; the agent has ${agent.devices.length}`);
  const bigEnough = agent.devices.filter((device) => (device.memoryTotalMiB ?? 0) >= requirements.minVramMiB);
  if (bigEnough.length < requirements.gpuCount) {
    const largest = Math.max(0, ...agent.devices.map((device) => device.memoryTotalMiB ?? 0));
    return no('vram', `needs ${requirements.gpuCount} GPU(s) with ≥ ${requirements.minVramMiB} MiB; the largest here has ${largest} MiB`);
  }
  const capable = requirements.minComputeCapability
    ? bigEnough.filter((device) => device.computeCapability !== null && compareVersions(device.computeCapability, requirements.minComputeCapability ?? '0') >= 0)
    : bigEnough;
  if (capable.length < requirements.gpuCount) return no('compute-capability', `needs compute capability ≥ ${requirements.minComputeCapability ?? ''} on ${requirements.gpuCount} GPU(s)`);
  if (agent.status === 'offline' || agent.status === 'unhealthy') return no('agent-offline', `the agent is ${agent.status}`);
  if (agent.status === 'draining') return no('agent-draining', 'the agent is draining');
  if (agent.status === 'paused') return no('agent-paused', 'the agent is paused by its donor');
  const free = capable.filter((device) => device.availability === 'available');
  if (free.length < requirements.gpuCount) {
    const states = [...new Set(capable.map((device) => device.availability))].join(', ');
    return no('no-free-gpu', `no ${requirements.gpuCount} suitable GPU(s) free right now (${states})`);
  }
  const chosen = [...free].sort((a, b) => (a.memoryTotalMiB ?? 0) - (b.memoryTotalMiB ?? 0)).slice(0, requirements.gpuCount);
  return { fits: true, deviceIds: chosen.map((device) => device.deviceId) };
}

function no(rule: WhyNot, detail: string): Match {
  return { fits: false, rule, detail };
}
