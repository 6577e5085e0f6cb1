import { describe, expect, it } from 'vitest';
import { type Command, EXIT } from './cli-types.js';
import { COMMANDS, runCli, usage } from './cli.js';
import { fakeCli } from './testing/fakes.js';

const echo: Command = {
  name: 'echo',
  summary: 'prints its arguments',
  usage: 'Usage: potluck-agent echo [words]\n',
  run: (args, deps) => {
    deps.stdout(`${args.join(' ')}\n`);
    return Promise.resolve(EXIT.ok);
  },
};

describe('potluck-agent', () => {
  it('lists every command in its usage', () => {
    expect(COMMANDS.map((command) => command.name)).toContain('gpus');
    for (const command of COMMANDS) expect(usage()).toMatch(new RegExp(`^  ${command.name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });

  it('dispatches to the command with the remaining arguments', async () => {
    const cli = fakeCli();
    expect(await runCli(['echo', 'a', '--b'], cli, [echo])).toBe(EXIT.ok);
    expect(cli.out).toBe('a --b\n');
  });

  it('prints usage on stdout for --help, -h and help', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const cli = fakeCli();
      expect(await runCli(args, cli, [echo])).toBe(EXIT.ok);
      expect(cli.out).toBe(usage([echo]));
      expect(cli.err).toBe('');
    }
  });

  it('prints a command usage for help <command>', async () => {
    const cli = fakeCli();
    expect(await runCli(['help', 'echo'], cli, [echo])).toBe(EXIT.ok);
    expect(cli.out).toBe(echo.usage);
  });

  it.each([[[]], [['nope']], [['--nope']], [['help', 'nope']]])('exits 64 with usage on stderr for %j', async (args) => {
    const cli = fakeCli();
    expect(await runCli(args, cli, [echo])).toBe(EXIT.usage);
    expect(cli.out).toBe('');
    expect(cli.err).toContain(usage([echo]));
  });
});
