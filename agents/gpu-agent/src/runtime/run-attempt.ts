import type { JobAssignment, JobResult } from '@potluck/protocol';
import type { AgentConfig } from '../config/agent-config.js';
import { approvedRuntime } from './approval.js';
import { runBuiltin, type RunnerIo } from './builtin-runner.js';
import { runProcess } from './process/process-runner.js';

/** CUDA's names of the assigned devices: UUIDs (`GPU-…`, `MIG-…`) as they are, `gpu-<index>` as the index. */
export function cudaVisibleDevices(deviceIds: readonly string[]): string {
  return deviceIds.map((id) => (/^gpu-\d+$/.test(id) ? id.slice(4) : id)).join(',');
}

/** Runs an attempt in the runtime its job asks for, once the donor's approval of that runtime (and command) is checked. */
export async function runAttempt(assignment: JobAssignment, config: Pick<AgentConfig, 'policy' | 'process'>, io: RunnerIo): Promise<JobResult> {
  const approved = approvedRuntime(assignment, config);
  switch (approved.runtime) {
    case 'builtin':
      return runBuiltin(assignment, io);
    case 'process':
      return runProcess(assignment, { name: approved.name, command: approved.command, limits: config.process, cudaVisibleDevices: cudaVisibleDevices(assignment.deviceIds) }, io);
  }
}
