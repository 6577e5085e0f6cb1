import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { PotluckIoAdapter } from './agent-gateway/io.adapter.js';
import type { Logger } from 'pino';

/**
 * Graceful stop on SIGTERM/SIGINT: stop accepting connections, disconnect this process's
 * sockets (agents reconnect to another coordinator, or to this one once it is back), let
 * in-flight requests finish, then close queues, sockets and pools (Nest destroy hooks), and exit 0.
 * If that takes longer than `timeoutMs`, exit 1.
 */
export function installShutdown(app: INestApplication, sockets: PotluckIoAdapter, logger: Logger, timeoutMs: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    void (async () => {
      const server = app.getHttpServer() as Server;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        sockets.disconnectLocalSockets();
        server.closeIdleConnections();
      });
      await app.close();
      logger.info('stopped');
      process.exit(0);
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
