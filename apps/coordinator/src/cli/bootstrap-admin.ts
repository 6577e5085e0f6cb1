#!/usr/bin/env node
import { bootstrapAdmin } from '../auth/bootstrap-admin.js';
import { ConfigSchema } from '../config/config.schema.js';
import { migrate } from '../database/migrator.js';
import { createPrismaClient } from '../database/prisma.service.js';

/** `npm run bootstrap-admin`: creates the first admin on a database without one and prints its key once. */
const parsed = ConfigSchema.pick({ DATABASE_URL: true }).safeParse(process.env);
if (!parsed.success) {
  process.stderr.write('bootstrap-admin: DATABASE_URL is required (postgresql://…)\n');
  process.exit(78);
}
await migrate(parsed.data.DATABASE_URL);
const prisma = createPrismaClient(parsed.data.DATABASE_URL);
try {
  const admin = await bootstrapAdmin(prisma);
  if (!admin) {
    process.stderr.write('bootstrap-admin: an admin already exists; ask them for a key (POST /api/v1/users).\n');
    process.exitCode = 1;
  } else {
    process.stdout.write(`admin "${admin.handle}" created; API key (shown once): ${admin.secret}\n`);
  }
} finally {
  await prisma.$disconnect();
}
