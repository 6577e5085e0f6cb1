/**
 * `potluck-agent gpus`: what the agent sees on this machine — runs `nvidia-smi -q -x`, or
 * reads a saved output of any format with `--from-file`.
 */
import { parseArgs } from 'node:util';
import { parseNvidiaSmi, schedulableDevices, withKnownComputeCapabilities } from '@potluck/nvidia-smi';
import { type CliDeps, type Command, EXIT, type ExitCode } from '../cli-types.js';
import { errorJson, inventoryJson, inventoryText } from './gpus-view.js';

const USAGE = `Usage: potluck-agent gpus [--from-file PATH] [--json] [--csv-fields a,b,c]

Shows the GPUs this machine offers, as the agent sees them, and the devices the
scheduler can hand out (whole GPUs, or MIG devices where MIG is enabled).

Options:
  --from-file PATH     read a saved nvidia-smi output (XML, CSV, -q text or the default
                       table) instead of running nvidia-smi -q -x
  --json               print the normalised inventory as JSON
  --csv-fields LIST    the --query-gpu / --query-compute-apps field list of a CSV saved
                       with noheader (comma-separated)
  -h, --help           show this help

Exit status: 0 ok, 1 the output could not be obtained, 2 nvidia-smi reported an error,
64 usage error.
`;

/** The arguments nvidia-smi is run with when no file is given. */
export const NVIDIA_SMI_ARGS = ['-q', '-x'] as const;

interface Options {
  fromFile: string | undefined;
  json: boolean;
  csvFields: string[] | undefined;
}

type Parsed = { ok: true; options: Options } | { ok: false; help: true } | { ok: false; help: false; message: string };

function parseOptions(args: readonly string[]): Parsed {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        'from-file': { type: 'string' },
        json: { type: 'boolean', default: false },
        'csv-fields': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { ok: false, help: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { ok: false, help: true };
  const fromFile = values['from-file'];
  if (fromFile !== undefined && fromFile.trim() === '') return { ok: false, help: false, message: '--from-file needs a path' };
  const rawFields = values['csv-fields'];
  const csvFields = rawFields?.split(',').map((field) => field.trim()).filter((field) => field !== '');
  if (csvFields !== undefined && csvFields.length === 0) return { ok: false, help: false, message: '--csv-fields needs a comma-separated field list' };
  return { ok: true, options: { fromFile, json: values.json, csvFields } };
}

type Source = { ok: true; text: string } | { ok: false; code: string; message: string };

const RUN_FAILURES = {
  'not-found': 'NVIDIA_SMI_NOT_FOUND',
  timeout: 'NVIDIA_SMI_TIMEOUT',
  'too-large': 'NVIDIA_SMI_OUTPUT_TOO_LARGE',
  'spawn-failed': 'NVIDIA_SMI_FAILED',
} as const;

async function readSource(options: Options, deps: CliDeps): Promise<Source> {
  if (options.fromFile !== undefined) {
    try {
      return { ok: true, text: await deps.readTextFile(options.fromFile) };
    } catch (error) {
      return { ok: false, code: 'FILE_UNREADABLE', message: error instanceof Error ? error.message : String(error) };
    }
  }
  const run = await deps.nvidiaSmi.run(NVIDIA_SMI_ARGS);
  if (!run.ok) return { ok: false, code: RUN_FAILURES[run.reason], message: run.message };
  // nvidia-smi prints most errors on stdout; keep stderr too when it failed, so they are seen.
  const text = run.exitCode === 0 || run.stderr.trim() === '' ? run.stdout : `${run.stdout}\n${run.stderr}`;
  return { ok: true, text };
}

async function run(args: readonly string[], deps: CliDeps): Promise<ExitCode> {
  const parsed = parseOptions(args);
  if (!parsed.ok) {
    if (parsed.help) {
      deps.stdout(USAGE);
      return EXIT.ok;
    }
    deps.stderr(`potluck-agent gpus: ${parsed.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { options } = parsed;

  const source = await readSource(options, deps);
  if (!source.ok) {
    if (options.json) deps.stdout(errorJson(source));
    else deps.stderr(`potluck-agent gpus: ${source.message}\n`);
    return EXIT.failure;
  }

  const result = parseNvidiaSmi(source.text, options.csvFields ? { csvFields: options.csvFields } : {});
  if (!result.ok) {
    if (options.json) deps.stdout(errorJson(result.error));
    else deps.stderr(`potluck-agent gpus: nvidia-smi reported ${result.error.code}: ${result.error.message}\n`);
    return EXIT.nvidiaSmiError;
  }

  const inventory = withKnownComputeCapabilities(result.inventory);
  const devices = schedulableDevices(inventory);
  deps.stdout(options.json ? inventoryJson(inventory, devices) : inventoryText(inventory, devices));
  return EXIT.ok;
}

export const gpusCommand: Command = {
  name: 'gpus',
  summary: 'show the GPUs this machine offers, as the agent sees them',
  usage: USAGE,
  run,
};
