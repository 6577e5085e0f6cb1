/**
 * `potluck-agent receipts`: the signed credit receipts of this agent's jobs, fetched from
 * the coordinator with the agent's own token (GET /api/v1/agent/receipts).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { canonicalJson, pageOf, PublicKeySetSchema, ReceiptSchema, type Receipt } from '@potluck/protocol';
import { z } from 'zod';
import { type CliDeps, type Command, EXIT, type ExitCode } from '../cli-types.js';

const USAGE = `Usage: potluck-agent receipts [--coordinator URL] [--token TOKEN] [--config FILE] [--limit N] [--json] [--verify]

Lists the credit receipts of this agent's jobs, newest first: every grant and
revocation, signed by the coordinator (verify one offline with
scripts/verify-receipt.mjs and the keys from GET /api/v1/credits/public-keys).

Options:
  --coordinator URL  coordinator base URL (or POTLUCK_COORDINATOR, or the config file)
  --token TOKEN      this agent's token (or POTLUCK_AGENT_TOKEN, or the config file)
  --config FILE      the agent's JSON settings (coordinator, token)
  --limit N          how many receipts (1-200, default 20)
  --json             print the receipts as JSON lines (one signed receipt per line)
  --verify           check each signature with the key the receipt names (current or
                     retired, from GET /api/v1/credits/public-keys); exit 1 if one fails
  -h, --help         show this help

Exit status: 0 ok, 1 the coordinator could not be reached or answered an error,
64 usage error, 77 the token was refused, 78 no coordinator or token configured.
`;

const Settings = z.object({ coordinator: z.url({ protocol: /^https?$/ }), token: z.string().min(1) });

/** Whether a receipt's signature holds under the key it names (false when that key is not among `keys`). */
export function receiptVerifies(receipt: Receipt, keys: ReadonlyMap<string, KeyObject>): boolean {
  const key = keys.get(receipt.keyId);
  if (!key) return false;
  try {
    return verify(null, Buffer.from(canonicalJson(receipt.body), 'utf8'), key, Buffer.from(receipt.signature, 'base64'));
  } catch {
    return false;
  }
}

export function receiptLine(receipt: Receipt, verified?: boolean): string {
  const b = receipt.body;
  const check = verified === undefined ? null : verified ? `signed:${receipt.keyId}` : 'SIGNATURE-INVALID';
  const flags = [b.capped ? 'CAPPED' : null, b.validation.status, check].filter((flag): flag is string => flag !== null).join(',');
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
          verify: { type: 'boolean', default: false },
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
    let verified: boolean[] | null = null;
    if (values.verify) {
      const keys = await publicKeys(base);
      if (typeof keys === 'string') {
        deps.stderr(`potluck-agent receipts: ${keys}\n`);
        return EXIT.failure;
      }
      verified = page.data.items.map((receipt) => receiptVerifies(receipt, keys));
    }
    const status = verified?.includes(false) ? EXIT.failure : EXIT.ok;
    if (values.json) {
      for (const receipt of page.data.items) deps.stdout(`${JSON.stringify(receipt)}\n`);
      if (status !== EXIT.ok) deps.stderr('potluck-agent receipts: a receipt\'s signature does not verify\n');
      return status;
    }
    if (page.data.items.length === 0) {
      deps.stdout('no receipts yet: credit is granted once a job\'s result is validated\n');
      return EXIT.ok;
    }
    deps.stdout(`${'issued'.padEnd(24)}  ${'state'.padEnd(7)}  ${'kind'.padEnd(10)}  ${'credit'.padStart(22)}  job / validation\n`);
    page.data.items.forEach((receipt, i) => deps.stdout(receiptLine(receipt, verified?.[i])));
    return status;
  },
};

/** The coordinator's receipt keys by id, current and retired, or why they could not be read. */
async function publicKeys(base: string): Promise<Map<string, KeyObject> | string> {
  let response: Response;
  try {
    response = await fetch(`${base}/api/v1/credits/public-keys`, { headers: { accept: 'application/json' } });
  } catch (error) {
    return `cannot reach ${base} for the receipt keys: ${(error as Error).message}`;
  }
  const parsed = PublicKeySetSchema.safeParse(response.ok ? await response.json() : null);
  if (!parsed.success) return `the coordinator did not list its receipt keys (HTTP ${response.status})`;
  return new Map(parsed.data.keys.map((key) => [key.keyId, createPublicKey(key.publicKeyPem)]));
}
