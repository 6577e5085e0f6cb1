import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.js';
import { newSecret } from './secrets.js';

/** Any lock id will do as long as every coordinator uses the same one. */
const BOOTSTRAP_LOCK_ID = 727_114_002;

export interface BootstrappedAdmin {
  handle: string;
  secret: string;
}

/**
 * On a database without any admin, creates the `admin` account and an API key for it.
 * Serialised by an advisory lock, so several coordinators starting together create one.
 * Returns null when an admin already exists (the key is never shown again).
 */
export async function bootstrapAdmin(prisma: PrismaClient): Promise<BootstrappedAdmin | null> {
  const key = newSecret('pk');
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_ID})`;
    const admins = await tx.user.count({ where: { roles: { has: 'ADMIN' } } });
    if (admins > 0) return null;
    const user = await tx.user.create({ data: { handle: 'admin', displayName: 'Administrator', roles: ['ADMIN', 'BUILDER', 'DONOR'] } });
    await tx.apiKey.create({ data: { userId: user.id, name: 'bootstrap', prefix: key.prefix, hash: key.hash } });
    await tx.auditLog.create({ data: { actorUserId: user.id, action: 'admin.bootstrap', targetType: 'user', targetId: user.id } });
    return { handle: user.handle, secret: key.secret };
  });
}

/** Writes the bootstrap key for scripts (owner-only permissions). */
export async function writeKeyFile(path: string, secret: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}
