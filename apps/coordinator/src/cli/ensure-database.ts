#!/usr/bin/env node
import pg from 'pg';
import { ConfigSchema } from '../config/config.schema.js';

/** Creates the database named in DATABASE_URL when it does not exist yet (used by `npm start`). */
const parsed = ConfigSchema.pick({ DATABASE_URL: true }).safeParse(process.env);
if (!parsed.success) {
  process.stderr.write('ensure-database: DATABASE_URL is required (postgresql://…)\n');
  process.exit(78);
}
const target = new URL(parsed.data.DATABASE_URL);
const name = decodeURIComponent(target.pathname.slice(1));
if (!/^\w{1,63}$/.test(name)) {
  process.stderr.write(`ensure-database: refusing unusual database name "${name}"\n`);
  process.exit(78);
}
const maintenance = new URL(target);
maintenance.pathname = '/postgres';
const client = new pg.Client({ connectionString: maintenance.toString() });
await client.connect();
try {
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) {
    await client.query(`CREATE DATABASE "${name}"`);
    process.stdout.write(`created database ${name}\n`);
  }
} finally {
  await client.end();
}
