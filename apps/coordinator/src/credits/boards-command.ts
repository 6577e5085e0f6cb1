import { once } from 'node:events';
import type { AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { RedisService } from '../redis/redis.service.js';
import { BoardSync } from './board-sync.service.js';
import { BoardsStore } from './boards.store.js';
import { creditsConfigOf } from './credits-config.js';

export const BOARDS_USAGE = `Usage: npm run credit-boards -- <rebuild|check>

  rebuild  delete every board in Redis and apply the whole ledger again
  check    recompute every board from the ledger and compare; exit 1 on any difference
`;

/** `npm run credit-boards -- rebuild|check`; returns the exit status. */
export async function boardsCommand(argv: readonly string[], config: AppConfig, out: (line: string) => void, now = Date.now()): Promise<number> {
  const [command] = argv;
  if (command !== 'rebuild' && command !== 'check') {
    out(BOARDS_USAGE);
    return 64;
  }
  const prisma = new PrismaService(config);
  const redis = new RedisService(config);
  const sync = new BoardSync(prisma, new BoardsStore(redis), config, creditsConfigOf(config));
  try {
    if (redis.client.status !== 'ready') {
      // Commands are not queued while connecting (the service's choice): wait for the connection.
      await Promise.race([once(redis.client, 'ready'), new Promise((_, reject) => setTimeout(() => reject(new Error(`Redis at ${config.REDIS_URL} is not reachable`)), 10_000).unref())]);
    }
    if (command === 'rebuild') {
      const started = Date.now();
      const applied = await sync.rebuild(now);
      out(`rebuilt the boards from ${applied} ledger entries in ${Date.now() - started} ms\n`);
      return 0;
    }
    const differences = await sync.check(now);
    for (const d of differences.slice(0, 50)) out(`differs: ${d.window} ${d.kind} ${d.scope} ${d.member}: ledger ${d.ledger}, board ${d.board}\n`);
    if (differences.length > 50) out(`… and ${differences.length - 50} more\n`);
    out(differences.length === 0 ? 'boards agree with the ledger\n' : `${differences.length} difference(s); run "npm run credit-boards -- rebuild"\n`);
    return differences.length === 0 ? 0 : 1;
  } finally {
    await prisma.onApplicationShutdown();
    await redis.onApplicationShutdown();
  }
}
