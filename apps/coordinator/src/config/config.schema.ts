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
  /** Largest dataset upload, in bytes (default 2 GiB). */
  POTLUCK_DATASET_MAX_BYTES: z.coerce.number().int().min(1024).default(2 * 1024 * 1024 * 1024),
  /** Requests per minute per API key (or per IP address for unauthenticated requests). */
  POTLUCK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /**
   * How long a process reuses a successful API-key lookup. A revocation, a disabled account or a
   * role change ends every reuse at once on every coordinator while Redis is reachable (docs/security.md);
   * this is the bound when it is not. 0 looks every key up in PostgreSQL on every request.
   */
  POTLUCK_AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** Whether anyone may create a builder/donor account through POST /api/v1/signup. */
  POTLUCK_OPEN_SIGNUP: bool.default(true),
  /** Bearer token Prometheus may use on /metrics instead of an admin API key. */
  POTLUCK_METRICS_TOKEN: z.string().min(16).optional(),
  /** Where the first admin's API key is written (mode 0600) when it is created; it is also printed once. */
  POTLUCK_BOOTSTRAP_KEY_FILE: z.string().min(1).optional(),
  /** How long SIGTERM waits for in-flight work before forcing exit. */
  POTLUCK_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(8000),
  /** How often agents send telemetry; it doubles as their heartbeat. */
  POTLUCK_TELEMETRY_INTERVAL_MS: z.coerce.number().int().min(250).max(60_000).default(5000),
  /** An agent silent this long is `unhealthy`. */
  POTLUCK_AGENT_UNHEALTHY_AFTER_MS: z.coerce.number().int().min(500).default(15_000),
  /** An agent silent this long (or whose coordinator died) is `offline`; its presence expires. */
  POTLUCK_AGENT_OFFLINE_AFTER_MS: z.coerce.number().int().min(1000).default(45_000),
  /** Raw samples kept per GPU in Redis for live charts (720 = one hour at 5 s). */
  POTLUCK_TELEMETRY_HISTORY_SAMPLES: z.coerce.number().int().min(10).max(100_000).default(720),
  /** Per-minute roll-ups older than this are deleted. */
  POTLUCK_TELEMETRY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** How often the roll-up job turns raw samples into per-minute rows. */
  POTLUCK_TELEMETRY_ROLLUP_EVERY_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Socket messages one agent may send per second (a burst of twice that is allowed). */
  POTLUCK_SOCKET_MESSAGES_PER_SECOND: z.coerce.number().min(1).max(10_000).default(20),
  /** Largest socket message; a larger one closes that connection (engine.io). */
  POTLUCK_SOCKET_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(16 * 1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** socket.io ping interval and timeout: how fast a silently dead connection is noticed. */
  POTLUCK_SOCKET_PING_INTERVAL_MS: z.coerce.number().int().min(1000).default(10_000),
  POTLUCK_SOCKET_PING_TIMEOUT_MS: z.coerce.number().int().min(1000).default(5000),
  /** An attempt whose agent reports nothing for this long is lost; its job resumes elsewhere from its last checkpoint. */
  POTLUCK_ATTEMPT_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /**
   * V8's old-generation growth between full collections, in percent of the live heap (0: V8's own
   * choice, which grows up to 4x on a cheap-to-collect heap). See docs/performance.md, Fleet telemetry.
   */
  POTLUCK_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(300).default(50),
  /** Dashboards' live feed: fleet changes are batched and pushed at most this often. */
  POTLUCK_LIVE_THROTTLE_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Whether simulated agents may earn credit (defaults to true in development only). */
  POTLUCK_ALLOW_SIMULATED_CREDIT: bool.optional(),
  /**
   * Credit constants (docs/credits.md), as JSON of libs/credits' CreditsConfigSchema keys, e.g.
   * `{"maxEfficiency":0.75}`; unset keys keep their CREDITS.md defaults.
   */
  POTLUCK_CREDITS_CONFIG: z
    .string()
    .max(10_000)
    .default('{}')
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
    }),
  /** Ed25519 private key (PKCS#8 PEM) that signs credit receipts; when unset, read from (or generated once into) the key file. */
  POTLUCK_RECEIPT_PRIVATE_KEY: z.string().min(1).optional(),
  /**
   * Where the receipt-signing key is kept when POTLUCK_RECEIPT_PRIVATE_KEY is unset (created with
   * mode 0600 on first start); default: `receipt-signing-key.pem` beside the artifact folder.
   */
  POTLUCK_RECEIPT_KEY_FILE: z.string().min(1).optional(),
  /** How often ledger entries of the last day that the boards have not applied yet are applied (after a crash between the two). */
  POTLUCK_BOARD_CATCHUP_EVERY_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * How long a board page's shared part (the rows, the total, the next cursor) is served again
   * without reading Redis, unless this process changed the boards meanwhile; the caller's own
   * row is read every time. 0 reads every page afresh.
   */
  POTLUCK_BOARD_PAGE_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  /** The built dashboard (`vite build` of apps/web) served at `/`; defaults to apps/web/dist beside the coordinator. */
  POTLUCK_WEB_DIR: z.string().min(1).optional(),
  /** Apply pending migrations at start-up (turn off when an operator runs them separately). */
  POTLUCK_MIGRATE_ON_START: bool.default(true),
  /** Development and benchmarks only: admins may create jobs for the `noop` runtime (agents that do nothing; tests/load/dispatch.mjs). */
  POTLUCK_DEV_NOOP_RUNTIME: bool.default(false),
});

export type AppConfig = z.infer<typeof ConfigSchema>;
