#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config/config.js';
import { boardsCommand } from '../credits/boards-command.js';

/** `npm run credit-boards -- rebuild|check`: the Redis boards against the ledger (docs/credits.md). */
try {
  const config = loadConfig(process.env);
  process.exitCode = await boardsCommand(process.argv.slice(2), config, (line) => process.stdout.write(line));
} catch (error) {
  process.stderr.write(`credit-boards: ${error instanceof ConfigError ? error.message : String((error as Error).stack ?? error)}\n`);
  process.exitCode = error instanceof ConfigError ? 78 : 1;
}
