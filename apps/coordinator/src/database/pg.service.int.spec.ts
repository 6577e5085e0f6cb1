import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppConfig } from '../config/config.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { MAX_PREPARED_STATEMENTS, PgService } from './pg.service.js';

let database: TestDatabase;
let pg: PgService;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
  pg = new PgService({ DATABASE_URL: database.url } as AppConfig);
});

afterAll(async () => {
  await pg.onApplicationShutdown();
  await database.drop();
});

/** Statements prepared on the connection that runs this query (sequential queries reuse one pooled connection). */
const preparedTexts = () => pg.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements').then((rows) => rows.map((row) => row.statement));

describe('PgService', () => {
  it('prepares a statement once per connection and runs it with new values each time', async () => {
    const text = 'SELECT $1::int + 1 AS next';
    expect(await pg.query(text, [1])).toEqual([{ next: 2 }]);
    expect(await pg.query(text, [41])).toEqual([{ next: 42 }]);
    expect((await preparedTexts()).filter((statement) => statement === text)).toHaveLength(1);
  });

  it('stops preparing past the limit of distinct texts (warning once) and still runs them', async () => {
    const warn = vi.spyOn((pg as unknown as { logger: { warn: (message: string) => void } }).logger, 'warn').mockImplementation(() => undefined);
    for (let i = 0; i < MAX_PREPARED_STATEMENTS + 10; i += 1) {
      expect(await pg.query(`SELECT ${i}::int AS n, $1::text AS tag`, ['x'])).toEqual([{ n: i, tag: 'x' }]);
    }
    expect(warn).toHaveBeenCalledTimes(1);
    const prepared = await preparedTexts();
    expect(prepared.length).toBeLessThanOrEqual(MAX_PREPARED_STATEMENTS);
    expect(prepared).not.toContain(`SELECT ${MAX_PREPARED_STATEMENTS + 5}::int AS n, $1::text AS tag`);
  });
});
