import { createDatabase, REDIS_URL, uniqueId } from './database.js';
import { COORDINATOR_MAIN } from './paths.js';
import { run, type Running } from './process.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CoordinatorProcess extends Running {
  url: string;
  adminKey: string;
  dispose(): Promise<void>;
}

/** The real coordinator process on a free port with its own database and Redis prefix. */
export async function startCoordinator(env: Record<string, string> = {}): Promise<CoordinatorProcess> {
  const database = await createDatabase();
  const work = mkdtempSync(join(tmpdir(), 'potluck-e2e-'));
  const running = run(process.execPath, [COORDINATOR_MAIN], {
    DATABASE_URL: database.url,
    REDIS_URL,
    POTLUCK_REDIS_PREFIX: uniqueId('e2e'),
    POTLUCK_PORT: '0',
    POTLUCK_ARTIFACT_DIR: join(work, 'artifacts'),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const [, url] = await running.waitFor(/ready at (http:\/\/\S+)/);
  const [, adminKey] = /API key is shown only now:\s+(pk_\S+)/.exec(running.output()) ?? [];
  if (!url || !adminKey) throw new Error(`coordinator did not print its URL and admin key:\n${running.output()}`);
  return {
    ...running,
    url,
    adminKey,
    async dispose() {
      await running.stop('SIGKILL');
      await database.drop();
    },
  };
}
