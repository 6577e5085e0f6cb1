#!/usr/bin/env node
import { ConfigSchema } from '../config/config.schema.js';
import { migrate } from '../database/migrator.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL and lists them. */
const parsed = ConfigSchema.pick({ DATABASE_URL: true }).safeParse(process.env);
if (!parsed.success) {
  process.stderr.write('migrate: DATABASE_URL is required (postgresql://…)\n');
  process.exit(78);
}
const applied = await migrate(parsed.data.DATABASE_URL);
process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
