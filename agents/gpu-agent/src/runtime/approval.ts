import type { JobAssignment } from '@potluck/protocol';
import type { AgentConfig } from '../config/agent-config.js';
import type { ProcessCommand } from '../config/process-config.js';
import { RunFailure } from './builtin-runner.js';

/** How an assignment runs on this agent, once the donor's approval was checked. */
export type ApprovedRuntime = { runtime: 'builtin' } | { runtime: 'process'; name: string; command: ProcessCommand };

/** The names of the process commands this agent offers (none unless the donor enabled the process runtime). */
export function offeredProcessCommands(config: Pick<AgentConfig, 'policy' | 'process'>): string[] {
  return config.policy.runtimes.includes('process') ? Object.keys(config.process.commands).sort() : [];
}

/**
 * A donor's agent runs only the runtimes and commands its donor enabled: anything else is
 * refused before anything runs, with a failure no retry on this agent can fix.
 */
export function approvedRuntime(assignment: Pick<JobAssignment, 'runtime' | 'command'>, config: Pick<AgentConfig, 'policy' | 'process'>): ApprovedRuntime {
  const { runtime, command } = assignment;
  if (!config.policy.runtimes.includes(runtime)) {
    throw new RunFailure('RUNTIME_NOT_ENABLED', `the donor does not enable the ${runtime} runtime on this agent (enabled: ${config.policy.runtimes.join(', ') || 'none'})`, false);
  }
  switch (runtime) {
    case 'builtin':
      return { runtime };
    case 'process': {
      const approved = command === null ? undefined : Object.entries(config.process.commands).find(([name]) => name === command)?.[1];
      if (command === null || approved === undefined) {
        throw new RunFailure('COMMAND_NOT_APPROVED', `the donor did not approve the process command "${command ?? ''}" (approved: ${offeredProcessCommands(config).join(', ') || 'none'})`, false);
      }
      return { runtime, name: command, command: approved };
    }
    case 'container':
    case 'noop':
      throw new RunFailure('RUNTIME_UNSUPPORTED', `this agent cannot run the ${runtime} runtime`, false);
  }
}
