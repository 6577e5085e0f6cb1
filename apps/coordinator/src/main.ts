#!/usr/bin/env node
import 'reflect-metadata';
import { createApp } from './app.factory.js';
import { bootstrapAdmin, writeKeyFile } from './auth/bootstrap-admin.js';
import { ConfigError, loadConfig } from './config/config.js';
import { migrate } from './database/migrator.js';
import { PrismaService } from './database/prisma.service.js';
import { createRootLogger } from './logging/logger.js';
import { applyHeapGrowingPercent } from './heap-policy.js';
import { installShutdown } from './shutdown.js';

/**
 * Starts the coordinator: parse configuration, apply migrations, create the first admin
 * on an empty database, listen. SIGTERM stops accepting, finishes in-flight requests,
 * closes queues, sockets and pools, and exits 0.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`potluck coordinator: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  applyHeapGrowingPercent(config.POTLUCK_HEAP_GROWING_PERCENT);
  const logger = createRootLogger(config);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

  if (config.POTLUCK_MIGRATE_ON_START) {
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }

  const { app, sockets } = await createApp(config, logger);
  const admin = await bootstrapAdmin(app.get(PrismaService).client);
  if (admin) {
    // Printed first: if the key file cannot be written, the key is still not lost.
    process.stdout.write(`\n  First start: created the admin account "${admin.handle}". Its API key is shown only now:\n\n    ${admin.secret}\n\n`);
    if (config.POTLUCK_BOOTSTRAP_KEY_FILE) {
      await writeKeyFile(config.POTLUCK_BOOTSTRAP_KEY_FILE, admin.secret);
      process.stdout.write(`  (also written to ${config.POTLUCK_BOOTSTRAP_KEY_FILE}, mode 0600)\n\n`);
    }
  }

  installShutdown(app, sockets, logger, config.POTLUCK_SHUTDOWN_TIMEOUT_MS);
  await app.listen(config.POTLUCK_PORT, config.POTLUCK_HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.POTLUCK_PORT;
  const url = config.POTLUCK_PUBLIC_URL ?? `http://${config.POTLUCK_HOST}:${port}`;
  logger.info({ url, port }, 'coordinator listening');
  process.stdout.write(`Potluck coordinator ready at ${url}  (API docs: ${url}/api/docs)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`potluck coordinator failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
