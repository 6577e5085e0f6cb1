/**
 * `potluck-agent start`: joins the pool. Reads the GPUs (or a recorded machine with
 * --simulate), connects to the coordinator, streams telemetry, obeys the donor's
 * controls, and on SIGINT/SIGTERM drains, says goodbye and exits 0.
 */
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { type CliDeps, type Command, EXIT, type ExitCode } from '../cli-types.js';
import { AgentConfigError, resolveAgentConfig, type AgentConfig } from '../config/agent-config.js';
import { startControlServer } from '../control/control-server.js';
import { Agent, type AgentStop } from '../runtime/agent.js';
import { GpuSourceError } from '../runtime/gpu-source.js';
import { NvidiaSmiSource } from '../runtime/nvidia-smi-source.js';
import { SimulatedSource } from '../runtime/simulated-source.js';

const USAGE = `Usage: potluck-agent start --coordinator URL --token TOKEN [options]

Lends this machine's GPUs to a Potluck coordinator until stopped (Ctrl-C drains and exits).

Options:
  --coordinator URL          coordinator base URL (or POTLUCK_COORDINATOR)
  --token TOKEN              agent token from the dashboard or POST /api/v1/agents
                             (or POTLUCK_AGENT_TOKEN; prefer the environment or --config)
  --config FILE              JSON settings: coordinator, token, policy (enabledGpus,
                             schedule, maxTemperatureC, maxPowerW, yieldToOtherProcesses,
                             yieldCooldownSeconds, runtimes), process (the commands the
                             donor approves for the process runtime: docs/process-runtime.md),
                             bufferSamples, controlSocket
  --simulate FILE            simulate the machine recorded in FILE (any nvidia-smi output)
  --simulate-processes FILE  in simulation, a --query-compute-apps CSV read every tick
  --simulate-fault FAULTS    in simulation, misbehave on purpose to test the coordinator's
                             defences: inflate-tokens=K (report K × tokens and FLOPs),
                             wrong-loss=D (report losses shifted by D); comma-separated
  --control-socket PATH      where status/pause/resume/drain reach this agent
  -h, --help                 show this help

Exit status: 0 stopped cleanly, 1 the GPUs could not be read, 64 usage error,
77 the coordinator refused the token or protocol, 78 invalid configuration.
`;

type Flags = Record<string, unknown>;

function parseFlags(args: readonly string[]): { ok: true; flags: Flags; configFile: string | undefined } | { ok: false; help: boolean; message?: string } {
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        coordinator: { type: 'string' },
        token: { type: 'string' },
        config: { type: 'string' },
        simulate: { type: 'string' },
        'simulate-processes': { type: 'string' },
        'simulate-fault': { type: 'string' },
        'control-socket': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return { ok: false, help: true };
    return {
      ok: true,
      configFile: values.config,
      flags: { coordinator: values.coordinator, token: values.token, simulate: values.simulate, simulateProcesses: values['simulate-processes'], simulateFault: values['simulate-fault'], controlSocket: values['control-socket'] },
    };
  } catch (error) {
    return { ok: false, help: false, message: (error as Error).message };
  }
}

async function loadConfig(configFile: string | undefined, flags: Flags): Promise<AgentConfig> {
  let file: unknown = {};
  if (configFile) {
    const text = await readFile(configFile, 'utf8').catch((error: unknown) => {
      throw new AgentConfigError(`${configFile}: ${(error as Error).message}`);
    });
    try {
      file = JSON.parse(text);
    } catch (error) {
      // Not the parser's own message: it quotes the text around the error, which may be the token.
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      throw new AgentConfigError(`${configFile}: not valid JSON${position ? ` (at character ${position})` : ''}`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new AgentConfigError(`${configFile}: must hold a JSON object of settings`);
  }
  return resolveAgentConfig(file as Record<string, unknown>, process.env, flags);
}

function line(deps: CliDeps, level: 'info' | 'warn', message: string): void {
  deps.stderr(`${new Date().toISOString()} ${level} ${message}\n`);
}

export const startCommand: Command = {
  name: 'start',
  summary: 'join the pool: lend this machine\'s GPUs until stopped',
  usage: USAGE,
  async run(args, deps): Promise<ExitCode> {
    const parsed = parseFlags(args);
    if (!parsed.ok) {
      if (parsed.help) {
        deps.stdout(USAGE);
        return EXIT.ok;
      }
      deps.stderr(`potluck-agent start: ${parsed.message ?? ''}\n\n${USAGE}`);
      return EXIT.usage;
    }
    let config: AgentConfig;
    try {
      config = await loadConfig(parsed.configFile, parsed.flags);
    } catch (error) {
      deps.stderr(`potluck-agent start: invalid configuration:\n${(error as Error).message}\n`);
      return EXIT.config;
    }
    const source = config.simulate ? new SimulatedSource(config.simulate, config.simulateProcesses) : new NvidiaSmiSource(deps.nvidiaSmi);
    const log = { info: (m: string) => line(deps, 'info', m), warn: (m: string) => line(deps, 'warn', m) };
    const agent = new Agent(config, source, log);

    let finished = false;
    let control: Promise<Server | null> = Promise.resolve(null);
    const stopped = new Promise<{ stop: AgentStop | null; signal: string | null }>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve({ stop: null, signal }));
      // The control socket first: a second agent on this machine stops here, before it says
      // hello and takes the running agent's place at the coordinator.
      control = startControlServer(config.controlSocket, agent);
      control
        .then(() => (finished ? undefined : agent.start((stop) => resolve({ stop, signal: null }))))
        .then(() => {
          if (!finished) log.info(`lending ${source.simulated ? 'simulated ' : ''}GPUs to ${config.coordinator}; control socket ${config.controlSocket}`);
        })
        .catch((error: unknown) => resolve({ stop: { kind: 'refused', code: error instanceof GpuSourceError ? error.code : 'START_FAILED', message: (error as Error).message }, signal: null }));
    });
    const outcome = await stopped;
    finished = true;
    const server = await control.catch(() => null);
    if (outcome.stop) {
      deps.stderr(`potluck-agent: ${outcome.stop.code}: ${outcome.stop.message}\n`);
      await agent.shutdown('stopping', 0);
      server?.close();
      return outcome.stop.code === 'UNAUTHENTICATED' || outcome.stop.code === 'PROTOCOL_UNSUPPORTED' || outcome.stop.code === 'INVALID_PAYLOAD' ? EXIT.refused : EXIT.failure;
    }
    log.info(`${outcome.signal ?? 'signal'}: draining, then leaving`);
    await agent.shutdown(`${outcome.signal ?? 'stop'} received`, config.drainTimeoutMs);
    server?.close();
    log.info('stopped');
    return EXIT.ok;
  },
};
