import { AGENT_MAIN } from './paths.js';
import { run, type Running } from './process.js';

/** A real `potluck-agent` process. */
export function startAgent(args: string[], env: Record<string, string> = {}): Running {
  return run(process.execPath, [AGENT_MAIN, ...args], env);
}

/** `potluck-agent <command> …` to completion: exit code and output. */
export async function agentCommand(args: string[]): Promise<{ code: number | string; output: string }> {
  const command = run(process.execPath, [AGENT_MAIN, ...args], {});
  const code = await command.exited;
  return { code, output: command.output() };
}
