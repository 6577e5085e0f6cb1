import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, REDIS_URL, uniqueId } from './database.js';
import { COORDINATOR_MAIN } from './paths.js';
import { run, type Running } from './process.js';

export interface CoordinatorProcess extends Running {
  url: string;
  adminKey: string;
  /** The coordinator's own database (tests that seed rows directly use it). */
  databaseUrl: string;
  /**
   * Stops this process (SIGTERM), runs `whileDown`, and starts a new one on the same
   * port, database and Redis prefix.
   */
  restart(whileDown?: () => Promise<void>): Promise<CoordinatorProcess>;
  dispose(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (so a restarted coordinator can come back on the same one). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Shared {
  databaseUrl: string;
  dropDatabase(): Promise<void>;
  port: number;
  prefix: string;
  work: string;
  env: Record<string, string>;
  adminKey: string | null;
}

async function launch(shared: Shared): Promise<CoordinatorProcess> {
  const running = run(process.execPath, [COORDINATOR_MAIN], {
    DATABASE_URL: shared.databaseUrl,
    REDIS_URL,
    POTLUCK_REDIS_PREFIX: shared.prefix,
    POTLUCK_PORT: String(shared.port),
    POTLUCK_ARTIFACT_DIR: join(shared.work, 'artifacts'),
    LOG_LEVEL: 'warn',
    ...shared.env,
  });
  const [, url] = await running.waitFor(/ready at (http:\/\/\S+)/);
  const [, printedKey] = /API key is shown only now:\s+(pk_\S+)/.exec(running.output()) ?? [];
  shared.adminKey ??= printedKey ?? null;
  if (!url || !shared.adminKey) throw new Error(`coordinator did not print its URL and admin key:\n${running.output()}`);
  const self: CoordinatorProcess = {
    ...running,
    url,
    adminKey: shared.adminKey,
    databaseUrl: shared.databaseUrl,
    async restart(whileDown) {
      const code = await running.stop('SIGTERM');
      if (code !== 0) throw new Error(`coordinator exited ${code} on SIGTERM:\n${running.output()}`);
      await whileDown?.();
      return launch(shared);
    },
    async dispose() {
      await running.stop('SIGKILL');
      await shared.dropDatabase();
    },
  };
  return self;
}

/** The real coordinator process with its own database, Redis prefix and port. */
export async function startCoordinator(env: Record<string, string> = {}): Promise<CoordinatorProcess> {
  const database = await createDatabase();
  return launch({
    databaseUrl: database.url,
    dropDatabase: database.drop,
    port: await freePort(),
    prefix: uniqueId('e2e'),
    work: mkdtempSync(join(tmpdir(), 'potluck-e2e-')),
    env,
    adminKey: null,
  });
}
