import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../database/migrator.js';

/** Server used to create throw-away databases (`TEST_DATABASE_ADMIN_URL`, default local trust auth). */
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function uniqueId(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, uniquely named database; migrated unless `migrated: false`. Each test file gets its own. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = uniqueId('potluck_t_');
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  if (options.migrated !== false) await migrate(url.toString());
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
