/**
 * `potluck-agent`: dispatches to one module per command. More commands (`start`,
 * `status`, `pause`, …) join the `COMMANDS` list.
 */
import { type CliDeps, type Command, EXIT, type ExitCode } from './cli-types.js';
import { drainCommand, pauseCommand, resumeCommand, statusCommand } from './commands/control.js';
import { gpusCommand } from './commands/gpus.js';
import { receiptsCommand } from './commands/receipts.js';
import { startCommand } from './commands/start.js';

export const COMMANDS: readonly Command[] = [startCommand, statusCommand, pauseCommand, resumeCommand, drainCommand, gpusCommand, receiptsCommand];

export function usage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const list = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n');
  return `Usage: potluck-agent <command> [options]

The Potluck volunteer agent.

Commands:
${list}

Options:
  -h, --help  show this help

Run 'potluck-agent <command> --help' for the options of a command.
`;
}

/** Runs the CLI for `argv` (without the node and script paths) and returns the exit status. */
export async function runCli(argv: readonly string[], deps: CliDeps, commands: readonly Command[] = COMMANDS): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    deps.stderr(usage(commands));
    return EXIT.usage;
  }
  if (first === '-h' || first === '--help') {
    deps.stdout(usage(commands));
    return EXIT.ok;
  }
  if (first === 'help') {
    const topic = rest[0] === undefined ? undefined : commands.find((command) => command.name === rest[0]);
    if (rest[0] !== undefined && topic === undefined) return unknownCommand(rest[0], deps, commands);
    deps.stdout(topic ? topic.usage : usage(commands));
    return EXIT.ok;
  }
  if (first.startsWith('-')) {
    deps.stderr(`potluck-agent: unknown option '${first}'\n\n${usage(commands)}`);
    return EXIT.usage;
  }
  const command = commands.find((candidate) => candidate.name === first);
  if (!command) return unknownCommand(first, deps, commands);
  return command.run(rest, deps);
}

function unknownCommand(name: string, deps: CliDeps, commands: readonly Command[]): ExitCode {
  deps.stderr(`potluck-agent: unknown command '${name}'\n\n${usage(commands)}`);
  return EXIT.usage;
}
