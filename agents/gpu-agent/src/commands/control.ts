/**
 * `potluck-agent status | pause | resume | drain`: talk to the running agent on this
 * machine through its control socket.
 */
import { parseArgs } from 'node:util';
import { LocalStatusSchema, type LocalStatus } from '@potluck/protocol';
import { type CliDeps, type Command, EXIT, type ExitCode } from '../cli-types.js';
import { defaultControlSocket } from '../config/agent-config.js';
import { callControl } from '../control/control-server.js';
import { parseDuration } from './duration.js';

const SOCKET_HELP = '  --control-socket PATH  the running agent\'s control socket (default as for start)\n  --json                 print the agent\'s answer as JSON\n  -h, --help             show this help\n';

function statusText(status: LocalStatus): string {
  const lines = [
    `agent      ${status.agentId ?? '(not registered yet)'}${status.simulated ? ' (simulated)' : ''}`,
    `coordinator ${status.coordinator}: ${status.connection} — ${status.connectionDetail}`,
    `mode       ${status.mode}${status.reason && status.reason !== status.mode ? ` — ${status.reason}` : ''}`,
    `buffer     ${status.buffer.samples}/${status.buffer.capacity} samples waiting, ${status.buffer.droppedTotal} dropped`,
    '',
    'GPU  NAME                          STATE              REASON',
    ...status.gpus.map((gpu) => `${String(gpu.index).padEnd(4)} ${gpu.name.slice(0, 29).padEnd(29)} ${gpu.availability.padEnd(18)} ${gpu.reason === gpu.availability ? '' : gpu.reason}`.trimEnd()),
    ...(status.why ? ['', `why no job: ${status.why.summary}`, ...status.why.jobs.map((job) => `  ${job.kind} ${job.jobId}: ${job.rule} — ${job.detail}`)] : []),
  ];
  return `${lines.join('\n')}\n`;
}

interface Spec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  request(values: Record<string, string | boolean | undefined>): { method: 'GET' | 'POST'; route: string; body?: unknown } | { error: string };
}

function controlCommand(spec: Spec): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    async run(args, deps: CliDeps): Promise<ExitCode> {
      let values: Record<string, string | boolean | undefined>;
      try {
        ({ values } = parseArgs({
          args: [...args],
          options: { ...spec.options, 'control-socket': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
          strict: true,
          allowPositionals: false,
        }));
      } catch (error) {
        deps.stderr(`potluck-agent ${spec.name}: ${(error as Error).message}\n\n${spec.usage}`);
        return EXIT.usage;
      }
      if (values.help) {
        deps.stdout(spec.usage);
        return EXIT.ok;
      }
      const request = spec.request(values);
      if ('error' in request) {
        deps.stderr(`potluck-agent ${spec.name}: ${request.error}\n\n${spec.usage}`);
        return EXIT.usage;
      }
      const socket = typeof values['control-socket'] === 'string' ? values['control-socket'] : defaultControlSocket();
      let answer;
      try {
        answer = await callControl(socket, request.method, request.route, request.body);
      } catch (error) {
        deps.stderr(`potluck-agent ${spec.name}: no running agent answers on ${socket} (${(error as Error).message}). Start one with 'potluck-agent start'.\n`);
        return EXIT.unavailable;
      }
      if (answer.status !== 200) {
        deps.stderr(`potluck-agent ${spec.name}: ${JSON.stringify(answer.json)}\n`);
        return EXIT.usage;
      }
      const status = LocalStatusSchema.parse(answer.json);
      deps.stdout(values.json ? `${JSON.stringify(status, null, 2)}\n` : statusText(status));
      return EXIT.ok;
    },
  };
}

function gpuIndex(raw: string | boolean | undefined): number | undefined | { error: string } {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,2}$/.test(raw)) return { error: '--gpu takes a GPU index (0, 1, …)' };
  return Number(raw);
}

export const statusCommand = controlCommand({
  name: 'status',
  summary: 'show what the running agent is doing and why',
  usage: `Usage: potluck-agent status [--json]\n\nShows the connection, the mode, every GPU's state with its reason, and the sample buffer.\n\nOptions:\n${SOCKET_HELP}`,
  options: {},
  request: () => ({ method: 'GET', route: '/status' }),
});

export const pauseCommand = controlCommand({
  name: 'pause',
  summary: 'stop lending (all GPUs or one), optionally for a while',
  usage: `Usage: potluck-agent pause [--gpu N] [--for DURATION] [--reason TEXT]\n\nPauses the whole agent or GPU N, until resumed or for DURATION (90s, 30m, 2h, 1d).\n\nOptions:\n  --gpu N                pause only this GPU\n  --for DURATION         resume by itself after this long\n  --reason TEXT          shown to the coordinator and the dashboard\n${SOCKET_HELP}`,
  options: { gpu: { type: 'string' }, for: { type: 'string' }, reason: { type: 'string' } },
  request: (values) => {
    const gpu = gpuIndex(values.gpu);
    if (typeof gpu === 'object') return gpu;
    const forMs = typeof values.for === 'string' ? parseDuration(values.for) : undefined;
    if (forMs === null) return { error: '--for takes a duration such as 90s, 30m, 2h or 1d' };
    return { method: 'POST', route: '/pause', body: { gpu, forMs, reason: typeof values.reason === 'string' ? values.reason : undefined } };
  },
});

export const resumeCommand = controlCommand({
  name: 'resume',
  summary: 'lend again (all GPUs or one)',
  usage: `Usage: potluck-agent resume [--gpu N]\n\nEnds a pause of the whole agent (and of every GPU), or of GPU N only.\n\nOptions:\n  --gpu N                resume only this GPU\n${SOCKET_HELP}`,
  options: { gpu: { type: 'string' } },
  request: (values) => {
    const gpu = gpuIndex(values.gpu);
    if (typeof gpu === 'object') return gpu;
    return { method: 'POST', route: '/resume', body: { gpu } };
  },
});

export const drainCommand = controlCommand({
  name: 'drain',
  summary: 'finish current work, take nothing new',
  usage: `Usage: potluck-agent drain [--reason TEXT]\n\nFinishes or checkpoints current work, takes no new work, and reports an ETA.\n\nOptions:\n  --reason TEXT          shown to the coordinator and the dashboard\n${SOCKET_HELP}`,
  options: { reason: { type: 'string' } },
  request: (values) => ({ method: 'POST', route: '/drain', body: { reason: typeof values.reason === 'string' ? values.reason : undefined } }),
});
