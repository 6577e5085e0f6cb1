/**
 * `potluck-agent receipts`: the signed credit receipts of this agent's jobs, fetched from
 * the coordinator with the agent's own token (GET /api/v1/agent/receipts).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pageOf, ReceiptSchema, type Receipt } from '@potluck/protocol';
import { z } from 'zod';
import { type CliDeps, type Command, EXIT, type ExitCode } from '../cli-types.js';

const USAGE = `Usage: potluck-agent receipts [--coordinator URL] [--token TOKEN] [--config FILE] [--limit N] [--json]

Lists the credit receipts of this agent's jobs, newest first: every grant and
revocation, signed by the coordinator (verify one offline with
scripts/verify-receipt.mjs and the key from GET /api/v1/credits/public-key).

Options:
  --coordinator URL  coordinator base URL (or POTLUCK_COORDINATOR, or the config file)
  --token TOKEN      this agent's token (or POTLUCK_AGENT_TOKEN, or the config file)
  --config FILE      the agent's JSON settings (coordinator, token)
  --limit N          how many receipts (1-200, default 20)
  --json             print the receipts as JSON lines (one signed receipt per line)
  -h, --help         show this help

Exit status: 0 ok, 1 the coordinator could not be reached or answered an error,
64 usage error, 77 the token was refused, 78 no coordinator or token configured.
`;

const Settings = z.object({ coordinator: z.url({ protocol: /^https?$/ }), token: z.string().min(1) });

export function receiptLine(receipt: Receipt): string {
  const b = receipt.body;
  const flags = [b.capped ? 'CAPPED' : null, b.validation.status].filter((flag): flag is string => flag !== null).join(',');
  return `${b.issuedAt}  ${b.state.padEnd(7)}  ${b.kind.padEnd(10)}  ${b.credit.padStart(22)}  job ${b.jobId ?? '-'}  ${flags}\n`;
}

export const receiptsCommand: Command = {
  name: 'receipts',
  summary: 'show the signed credit receipts of this agent\'s jobs',
  usage: USAGE,
  async run(args: readonly string[], deps: CliDeps): Promise<ExitCode> {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          coordinator: { type: 'string' },
          token: { type: 'string' },
          config: { type: 'string' },
          limit: { type: 'string', default: '20' },
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      deps.stderr(`potluck-agent receipts: ${(error as Error).message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    if (values.help) {
      deps.stdout(USAGE);
      return EXIT.ok;
    }
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      deps.stderr(`potluck-agent receipts: --limit must be 1-200\n\n${USAGE}`);
      return EXIT.usage;
    }
    let file: Record<string, unknown> = {};
    if (values.config) {
      try {
        file = JSON.parse(await readFile(values.config, 'utf8')) as Record<string, unknown>;
      } catch (error) {
        deps.stderr(`potluck-agent receipts: ${values.config}: ${(error as Error).message}\n`);
        return EXIT.config;
      }
    }
    const settings = Settings.safeParse({
      coordinator: values.coordinator ?? process.env.POTLUCK_COORDINATOR ?? file.coordinator,
      token: values.token ?? process.env.POTLUCK_AGENT_TOKEN ?? file.token,
    });
    if (!settings.success) {
      deps.stderr('potluck-agent receipts: a coordinator URL and this agent\'s token are required (flags, environment or --config)\n');
      return EXIT.config;
    }
    const base = settings.data.coordinator.replace(/\/+$/, '');
    let response: Response;
    try {
      response = await fetch(`${base}/api/v1/agent/receipts?limit=${limit}`, { headers: { authorization: `Bearer ${settings.data.token}`, accept: 'application/json' } });
    } catch (error) {
      deps.stderr(`potluck-agent receipts: cannot reach ${base}: ${(error as Error).message}\n`);
      return EXIT.failure;
    }
    const text = await response.text();
    if (response.status === 401) {
      deps.stderr('potluck-agent receipts: the coordinator refused this agent token (revoked or unknown)\n');
      return EXIT.refused;
    }
    if (!response.ok) {
      deps.stderr(`potluck-agent receipts: HTTP ${response.status}: ${text.slice(0, 500)}\n`);
      return EXIT.failure;
    }
    const page = pageOf(ReceiptSchema).safeParse(JSON.parse(text));
    if (!page.success) {
      deps.stderr('potluck-agent receipts: the coordinator answered something that is not a page of receipts\n');
      return EXIT.failure;
    }
    if (values.json) {
      for (const receipt of page.data.items) deps.stdout(`${JSON.stringify(receipt)}\n`);
      return EXIT.ok;
    }
    if (page.data.items.length === 0) {
      deps.stdout('no receipts yet: credit is granted once a job\'s result is validated\n');
      return EXIT.ok;
    }
    deps.stdout(`${'issued'.padEnd(24)}  ${'state'.padEnd(7)}  ${'kind'.padEnd(10)}  ${'credit'.padStart(22)}  job / validation\n`);
    for (const receipt of page.data.items) deps.stdout(receiptLine(receipt));
    return EXIT.ok;
  },
};
