import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });
const redisUrl = z.url({ protocol: /^rediss?$/ });

/**
 * Every setting of the coordinator, read from the environment once at boot.
 * Nothing else in the process reads `process.env` (docs/operations.md lists them).
 */
export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  POTLUCK_HOST: z.string().min(1).default('127.0.0.1'),
  POTLUCK_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Public base URL printed at start and given to agents; defaults to http://host:port. */
  POTLUCK_PUBLIC_URL: z.url().optional(),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  /** Prefix of every Redis key and BullMQ queue of this deployment. */
  POTLUCK_REDIS_PREFIX: z.string().regex(/^[\w:-]{1,64}$/).default('potluck'),
  POTLUCK_ARTIFACT_DIR: z.string().min(1).default('.data/artifacts'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest JSON body accepted, in bytes (uploads have their own limit). */
  POTLUCK_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Requests per minute per API key (or per IP address for unauthenticated requests). */
  POTLUCK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Whether anyone may create a builder/donor account through POST /api/v1/signup. */
  POTLUCK_OPEN_SIGNUP: bool.default(true),
  /** Bearer token Prometheus may use on /metrics instead of an admin API key. */
  POTLUCK_METRICS_TOKEN: z.string().min(16).optional(),
  /** Where the first admin's API key is written (mode 0600) when it is created; it is also printed once. */
  POTLUCK_BOOTSTRAP_KEY_FILE: z.string().min(1).optional(),
  /** How long SIGTERM waits for in-flight work before forcing exit. */
  POTLUCK_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(8000),
  /** Apply pending migrations at start-up (turn off when an operator runs them separately). */
  POTLUCK_MIGRATE_ON_START: bool.default(true),
});

export type AppConfig = z.infer<typeof ConfigSchema>;
