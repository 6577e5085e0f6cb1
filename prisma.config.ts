import { defineConfig } from 'prisma/config';

// Used by `prisma generate` only. Migrations are applied by the coordinator's own
// runner (see docs/operations.md); the layout stays compatible with `prisma migrate deploy`.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
