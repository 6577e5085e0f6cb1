import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * Writes granted ledger entries straight into a coordinator's database, for tests that need
 * a populated leaderboard without running validated work first. The coordinator's board
 * catch-up (POTLUCK_BOARD_CATCHUP_EVERY_MS) applies them to the Redis boards.
 */
export async function seedGrantedCredit(databaseUrl: string, entries: readonly { userId: string; amount: string; kind?: 'COMPUTE' | 'DATA' | 'VALIDATION' }[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const entry of entries) {
      await client.query(
        `INSERT INTO "CreditLedgerEntry" ("id", "idempotencyKey", "userId", "kind", "state", "amount", "reason", "inputs")
         VALUES ($1, $2, $3, $4::"CreditKind", 'GRANTED'::"CreditState", $5::numeric, 'seeded by a test', '{}'::jsonb)`,
        [randomUUID(), `test-seed:${randomUUID()}`, entry.userId, entry.kind ?? 'COMPUTE', entry.amount],
      );
    }
  } finally {
    await client.end();
  }
}
