import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { PotluckClient } from '@potluck/sdk';
import { pino } from 'pino';
import { createApp } from '../app.factory.js';
import { bootstrapAdmin } from '../auth/bootstrap-admin.js';
import { loadConfig, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { createTestDatabase, TEST_REDIS_URL, uniqueId, type TestDatabase } from './test-database.js';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  baseUrl: string;
  database: TestDatabase;
  /** Client holding the bootstrap admin's key. */
  admin: PotluckClient;
  /** Client without a key. */
  anonymous: PotluckClient;
  prisma: PrismaService['client'];
  /** Count of responses with status >= 500 seen by this app. */
  serverErrors(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The production app (same factory as main.ts) on a random port, with its own database,
 * Redis key prefix and artifact folder, so test files never share state.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const artifactDir = await mkdtemp(join(tmpdir(), 'potluck-artifacts-'));
  const { app, config, baseUrl } = await listening({
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    POTLUCK_REDIS_PREFIX: uniqueId('t'),
    POTLUCK_ARTIFACT_DIR: artifactDir,
    POTLUCK_RECEIPT_KEY_FILE: join(artifactDir, 'receipt-signing-key.pem'),
    ...env,
  });
  const prisma = app.get(PrismaService).client;
  const admin = await bootstrapAdmin(prisma);
  if (!admin) throw new Error('fresh test database already had an admin');
  const metrics = app.get(MetricsService);
  return {
    app,
    config,
    baseUrl,
    database,
    prisma,
    admin: new PotluckClient({ baseUrl, apiKey: admin.secret }),
    anonymous: new PotluckClient({ baseUrl }),
    async serverErrors() {
      const metric = await metrics.httpRequests.get();
      return metric.values.filter((value) => Number(value.labels.status) >= 500).reduce((sum, value) => sum + value.value, 0);
    },
    async close() {
      await app.close();
      await database.drop();
      await rm(artifactDir, { recursive: true, force: true });
    },
  };
}

export interface SecondApp {
  app: NestExpressApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Another coordinator process on the same database, Redis prefix and artifact folder as `t`
 * (scale-out), with `env` on top of `t`'s settings; closing it leaves `t` running.
 */
export async function startSecondApp(t: TestApp, env: Record<string, string> = {}): Promise<SecondApp> {
  const { app, baseUrl } = await listening({
    DATABASE_URL: t.config.DATABASE_URL,
    REDIS_URL: t.config.REDIS_URL,
    POTLUCK_REDIS_PREFIX: t.config.POTLUCK_REDIS_PREFIX,
    POTLUCK_ARTIFACT_DIR: t.config.POTLUCK_ARTIFACT_DIR,
    ...(t.config.POTLUCK_RECEIPT_KEY_FILE ? { POTLUCK_RECEIPT_KEY_FILE: t.config.POTLUCK_RECEIPT_KEY_FILE } : {}),
    ...env,
  });
  return { app, baseUrl, close: () => app.close() };
}

/** The production app with test settings (silent, random port) on top of `env`, listening on 127.0.0.1. */
async function listening(env: Record<string, string>): Promise<{ app: NestExpressApplication; config: AppConfig; baseUrl: string }> {
  const config = loadConfig({ NODE_ENV: 'test', POTLUCK_PORT: '0', LOG_LEVEL: 'silent', ...env });
  const { app } = await createApp(config, pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || !address) throw new Error('test app is not listening');
  return { app, config, baseUrl: `http://127.0.0.1:${address.port}` };
}
