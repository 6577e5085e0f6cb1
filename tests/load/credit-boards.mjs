#!/usr/bin/env node
/**
 * Benchmark of the credit boards and the grant path (issue 6), next to bare Redis and bare
 * PostgreSQL on the same machine in the same run:
 *
 *   npm run bench:credits                       (builds first)
 *   CONTRIBUTORS=100000 node tests/load/credit-boards.mjs
 *
 * 1. Seeds CONTRIBUTORS users with one granted compute entry each (SQL, then ANALYZE, as
 *    autovacuum would after such a load, and CHECKPOINT, so that the load is not written out
 *    during the measurements; the claims of step 3 are analysed too), then rebuilds the
 *    Redis boards from the ledger as an operator does, `npm run credit-boards -- rebuild` in its
 *    own process (BoardSync.rebuild: chunks of entries per Lua script, pipelined), and reports
 *    entries per second.
 * 2. Board query, top 100 plus the caller's own rank: inside the service (BoardsService.page,
 *    names from PostgreSQL included) and over HTTP (GET /api/v1/boards?limit=100 with an API
 *    key of a mid-board contributor), each next to bare Redis (ZREVRANGE 0 99 WITHSCORES +
 *    ZREVRANK on the same sorted set, from a client of its own). p50/p99 over QUERIES sequential requests, repeated ROUNDS
 *    times (each round: service, HTTP, bare HTTP, bare Redis) so the run-to-run spread shows. The
 *    rounds measure a warm server: before them WARMUP_REQUESTS pages are asked for over HTTP
 *    (and as many of the bare server), and their own p50/p99 is printed as the cold start; then
 *    blocks of 1,000 more until two in a row have not lowered the coordinator's CPU per page
 *    by 5 % (at most WARMUP_MAX_BLOCKS), printed as the warm-up (V8
 *    compiles the request path meanwhile: measured, the coordinator's CPU per page fell from
 *    ~1.9 ms in the first 1,000 requests to ~0.65 ms after ~3,000). The coordinator process's
 *    CPU per HTTP page (all its threads) is printed next to the bare server's. HTTP requests
 *    come from a separate process (http-latency-client.mjs: node:http, one kept-alive
 *    connection), as a real client's do, so its work and garbage stay out of the coordinator's
 *    event loop; next to it, bare HTTP: a node:http server sending the same page's JSON,
 *    already serialised, to the same client. The bare server and the bare Redis client run in a
 *    process of their own (credit-boards-bare.mjs), so that the coordinator's process runs
 *    only the coordinator (sharing node:http and ioredis with them deoptimised its request
 *    path at every switch). PROFILE=<file.cpuprofile> records a
 *    CPU profile of the board rounds only (PROFILE_PHASE=service or http: only those
 *    measurements; one file per measurement, the second and later named file-2.cpuprofile, …).
 * 3. Grants per second through the real ledger path (CreditService.grant: a transaction with
 *    the attempt's advisory lock, the idempotent insert, the board update) for GRANTS claimed
 *    attempts at CONCURRENCY (the attempts of DONORS donors' agents in turn, on five GPU
 *    classes, so a batch credits many contributors as on a real pool), and batched
 *    (GrantBatcher: up to 500 grants per transaction and one pipelined board update) for
 *    BATCHED_GRANTS more, next to bare single-row INSERTs into a copy of
 *    the ledger table and bare ZINCRBY at CONCURRENCY. Then the boards are checked against the
 *    ledger (they must be equal).
 *
 * It runs the built coordinator in this process (apps/coordinator/dist), creates a uniquely
 * named database (dropped at the end) and Redis prefix (deleted at the end), and talks only
 * to 127.0.0.1. Environment: CONTRIBUTORS [1000000], QUERIES [1000], ROUNDS [3], WARMUP_REQUESTS [3000], WARMUP_MAX_BLOCKS [10], GRANTS [2000] (one by one), DONORS [1000], BATCHED_GRANTS [20000] (through the batcher: 40 batches, not 4, so warm-up does not decide the rate),
 * CONCURRENCY [8], PROFILE, AUTH_CACHE_MS (POTLUCK_AUTH_CACHE_MS of the coordinator; 0 looks the
 * API key up in PostgreSQL on every request), PAGE_CACHE_MS (POTLUCK_BOARD_PAGE_CACHE_MS: how long a
 * page's shared part is served again; 0 reads every page from Redis), TEST_DATABASE_ADMIN_URL, TEST_REDIS_URL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { timed } from './bench-support.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dist = (path) => import(pathToFileURL(join(ROOT, 'apps/coordinator/dist', path)).href);

function numberFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

const CONTRIBUTORS = numberFromEnv('CONTRIBUTORS', 1_000_000);
const QUERIES = numberFromEnv('QUERIES', 1000);
const ROUNDS = numberFromEnv('ROUNDS', 3);
const WARMUP_REQUESTS = numberFromEnv('WARMUP_REQUESTS', 3000);
const WARMUP_MAX_BLOCKS = numberFromEnv('WARMUP_MAX_BLOCKS', 10);
/** Pages per block of the warm-up after the cold start. */
const WARMUP_BLOCK = 1000;
const PROFILE = process.env.PROFILE || null;
const PROFILE_PHASE = process.env.PROFILE_PHASE || 'all';
if (!['all', 'service', 'http'].includes(PROFILE_PHASE)) throw new Error(`PROFILE_PHASE must be all, service or http, not "${PROFILE_PHASE}"`);
const GRANTS = numberFromEnv('GRANTS', 2000);
const BATCHED_GRANTS = numberFromEnv('BATCHED_GRANTS', 20_000);
const CONCURRENCY = numberFromEnv('CONCURRENCY', 8);
const DONORS = numberFromEnv('DONORS', 1000);
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DEADLINE_MS = 30 * 60_000 + CONTRIBUTORS * 2;

const cleanups = [];
const deadline = setTimeout(() => {
  console.error('credit-boards: deadline passed, stopping');
  void cleanup().finally(() => process.exit(1));
}, DEADLINE_MS);
deadline.unref();

async function cleanup() {
  for (const step of cleanups.reverse()) await step().catch((error) => console.error(`cleanup: ${error.message}`));
  cleanups.length = 0;
}

async function throughput(total, concurrency, run) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) await run(i);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: total / seconds, seconds };
}

const run = promisify(execFile);

/** The bare baselines' process (credit-boards-bare.mjs): ask(message) resolves with its answer. */
function bareBaselines() {
  const child = fork(join(ROOT, 'tests/load/credit-boards-bare.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  let next = 0;
  const fail = (error) => {
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  child.on('message', ({ id, error, ...answer }) => {
    const pending = waiting.get(id);
    waiting.delete(id);
    if (error) pending?.reject(new Error(`bare baselines: ${error}`));
    else pending?.resolve(answer);
  });
  child.on('exit', (code, signal) => fail(new Error(`bare baselines' process exited (${signal ?? code})`)));
  child.on('error', fail);
  return {
    ask: (message) =>
      new Promise((resolve, reject) => {
        const id = (next += 1);
        waiting.set(id, { resolve, reject });
        child.send({ id, ...message });
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}
const ms = (value) => `${value.toFixed(2)} ms`;
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const line = (label, runs, target) => {
  const cells = runs.map((run) => `p50 ${ms(run.p50)} p99 ${ms(run.p99)} max ${ms(run.max)}`).join(' | ');
  return `  ${label.padEnd(20)} median p50 ${ms(median(runs.map((run) => run.p50)))}  p99 ${ms(median(runs.map((run) => run.p99)))}${target}\n  ${''.padEnd(20)} rounds: ${cells}`;
};

/**
 * Runs `work` while watching this process (the coordinator's): its collections by kind and
 * its event loop's longest delay, added to the result, so a slow tail can be told apart from
 * garbage collection and from work that holds the loop.
 */
async function watchingTheLoop(work) {
  const gc = { young: { count: 0, ms: 0 }, full: { count: 0, ms: 0 } };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? gc.young : gc.full;
      kind.count += 1;
      kind.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  try {
    return { ...(await work()), gc, loopDelayMaxMs: delay.max / 1e6 };
  } finally {
    delay.disable();
    observer.disconnect();
  }
}

const cpuLine = (runs) => `median ${Math.round(median(runs.map((run) => run.cpuPerRequestUs)))} µs (rounds ${runs.map((run) => Math.round(run.cpuPerRequestUs)).join(' / ')})`;

const watched = (runs) =>
  `  ${''.padEnd(20)} coordinator per round: ${runs.map((round) => `${round.gc.young.count} young GCs ${round.gc.young.ms.toFixed(0)} ms, ${round.gc.full.count} full ${round.gc.full.ms.toFixed(0)} ms, loop delay max ${round.loopDelayMaxMs.toFixed(1)} ms`).join(' | ')}`;

async function main() {
  const name = `potluck_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  cleanups.push(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  cleanups.push(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  });
  const artifacts = mkdtempSync(join(tmpdir(), 'potluck-bench-'));
  cleanups.push(async () => rmSync(artifacts, { recursive: true, force: true }));

  const { migrate } = await dist('database/migrator.js');
  await migrate(databaseUrl);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  cleanups.push(() => db.end());

  console.log(`credit boards benchmark: ${CONTRIBUTORS} contributors, ${QUERIES} queries, ${GRANTS} grants at concurrency ${CONCURRENCY}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  let started = Date.now();
  await db.query(
    `INSERT INTO "User" (id, handle, "displayName", roles)
     SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, ARRAY['DONOR']::"Role"[] FROM generate_series(1, $1::int) AS i`,
    [CONTRIBUTORS],
  );
  await db.query(
    `INSERT INTO "CreditLedgerEntry" (id, "idempotencyKey", "userId", kind, state, amount, reason, inputs, "createdAt")
     SELECT gen_random_uuid(), 'bench:' || u.id, u.id, 'COMPUTE', 'GRANTED', round((random() * 1000)::numeric, 12), 'seeded', '{"gpuClass":"GeForce RTX 4090"}', now() - (random() * interval '20 days')
     FROM "User" u WHERE u.handle LIKE 'bench-%'`,
  );
  // Statistics, as autovacuum would gather them after such a load: without them the planner
  // guesses, and on a machine with autovacuum off (this project's CI PostgreSQL) it joins a
  // batch's 500 attempt ids to the ledger by a sequential scan of all of it.
  await db.query('ANALYZE');
  // The load's dirty pages are written out now, not by a checkpoint later on in the middle of
  // the measurements (at a million contributors that is a few hundred MB to disk).
  await db.query('CHECKPOINT');
  console.log(`seeded ${CONTRIBUTORS} users and granted entries in ${((Date.now() - started) / 1000).toFixed(1)} s (SQL, then ANALYZE and CHECKPOINT)`);

  // The boards from the ledger as an operator builds them: `npm run credit-boards -- rebuild`,
  // its own process (BoardSync.rebuild), so the measured coordinator does not carry a million
  // entries' worth of garbage and heap growth from it into the board rounds.
  const settings = { NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL, POTLUCK_REDIS_PREFIX: prefix, POTLUCK_ARTIFACT_DIR: join(artifacts, 'artifacts'), LOG_LEVEL: 'silent' };
  started = Date.now();
  const rebuildOutput = (await run(process.execPath, [join(ROOT, 'apps/coordinator/dist/cli/credit-boards.js'), 'rebuild'], { env: { ...process.env, ...settings } })).stdout;
  const rebuildSeconds = (Date.now() - started) / 1000;
  const applied = Number(/from (\d+) ledger entries/.exec(rebuildOutput)?.[1] ?? NaN);
  if (applied !== CONTRIBUTORS) throw new Error(`the rebuild applied ${applied} entries, not ${CONTRIBUTORS}: ${rebuildOutput}`);
  console.log(`rebuilt the boards from the ledger (npm run credit-boards -- rebuild): ${applied} entries in ${rebuildSeconds.toFixed(1)} s (${Math.round(applied / rebuildSeconds)} entries/s); Redis ${(await redis.info('memory')).match(/used_memory_human:(\S+)/)?.[1] ?? '?'}`);

  const { loadConfig } = await dist('config/config.js');
  const { createApp } = await dist('app.factory.js');
  const config = loadConfig({
    ...settings,
    POTLUCK_PORT: '0',
    POTLUCK_RATE_LIMIT_PER_MINUTE: '100000000',
    POTLUCK_ALLOW_SIMULATED_CREDIT: 'true',
    ...(process.env.AUTH_CACHE_MS ? { POTLUCK_AUTH_CACHE_MS: process.env.AUTH_CACHE_MS } : {}),
    ...(process.env.PAGE_CACHE_MS ? { POTLUCK_BOARD_PAGE_CACHE_MS: process.env.PAGE_CACHE_MS } : {}),
  });
  const { app } = await createApp(config, pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  cleanups.push(() => app.close());
  const baseUrl = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  const { BoardSync } = await dist('credits/board-sync.service.js');
  const { BoardsService } = await dist('credits/boards.service.js');
  const { BoardsStore } = await dist('credits/boards.store.js');
  const { CreditService } = await dist('credits/credit.service.js');
  const { newSecret } = await dist('auth/secrets.js');
  const sync = app.get(BoardSync);
  const boards = app.get(BoardsService);
  const store = app.get(BoardsStore);
  const credits = app.get(CreditService);
  const { GrantBatcher } = await dist('credits/grant-batcher.js');
  const batcher = app.get(GrantBatcher);

  // A mid-board contributor with an API key: the page includes their own rank.
  const middle = (await store.slice('all', 'total', 'contributors', Math.floor(CONTRIBUTORS / 2), 1)).rows[0].member;
  const user = (await db.query('SELECT id, handle, roles FROM "User" WHERE id = $1', [middle])).rows[0];
  const key = newSecret('pk');
  await db.query('INSERT INTO "ApiKey" (id, "userId", name, prefix, hash) VALUES ($1, $2, $3, $4, $5)', [randomUUID(), user.id, 'bench', key.prefix, key.hash]);
  const principal = { userId: user.id, handle: user.handle, roles: ['DONOR'], apiKeyId: 'bench' };
  const query = { window: 'all', kind: 'total', scope: 'contributors', limit: 100 };

  const page = await boards.page(query, principal);
  if (page.items.length !== 100 || !page.me) throw new Error('the board page is not what the benchmark expects');
  const zkey = `${store.prefix}z:all:total:contributors`;
  const rounds = { service: [], http: [], bareHttp: [], bare: [] };
  // The bare baselines run in their own process (credit-boards-bare.mjs), so that this one runs
  // only the coordinator: bare HTTP is node:http answering the same page's JSON, already
  // serialised, to the same client; bare Redis is a client of its own on the same sorted set.
  const bare = bareBaselines();
  cleanups.push(() => bare.stop());
  const pageJson = Buffer.from(JSON.stringify(page));
  const { port: barePort } = await bare.ask({ serve: pageJson.toString('base64') });
  const ownCpuUs = async () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const bareCpuUs = async () => (await bare.ask({ cpu: true })).cpuUs;
  // From a separate process (tests/load/http-latency-client.mjs), as a real client is; with the
  // CPU time the server's process (the coordinator's, or the bare server's) spent per request meanwhile.
  const timeHttp = async (url, cpuUs, count = QUERIES, warmup = Math.min(50, count)) => {
    const before = await cpuUs();
    const result = JSON.parse((await run(process.execPath, [join(ROOT, 'tests/load/http-latency-client.mjs'), url, String(count), String(warmup), `Bearer ${key.secret}`])).stdout);
    return { ...result, cpuPerRequestUs: ((await cpuUs()) - before) / (count + warmup) };
  };
  const boardUrl = `${baseUrl}/api/v1/boards?limit=100`;
  const bareUrl = `http://127.0.0.1:${barePort}/`;
  const cold = { http: await timeHttp(boardUrl, ownCpuUs, WARMUP_REQUESTS, 0), bareHttp: await timeHttp(bareUrl, bareCpuUs, WARMUP_REQUESTS, 0) };
  // Then blocks of WARMUP_BLOCK pages until two blocks in a row have not brought the
  // coordinator's CPU per page 5 % below its lowest yet (V8 is done compiling the request path;
  // one block alone can stall by chance), at most WARMUP_MAX_BLOCKS.
  const warming = [cold.http.cpuPerRequestUs];
  let lowest = cold.http.cpuPerRequestUs;
  for (let stalled = 0; stalled < 2 && warming.length <= WARMUP_MAX_BLOCKS; ) {
    const { cpuPerRequestUs } = await timeHttp(boardUrl, ownCpuUs, WARMUP_BLOCK, 0);
    warming.push(cpuPerRequestUs);
    stalled = cpuPerRequestUs < 0.95 * lowest ? 0 : stalled + 1;
    lowest = Math.min(lowest, cpuPerRequestUs);
  }
  const loadBefore = load();
  // The profiler samples the rounds of PROFILE_PHASE: all of them, or only the in-service
  // or the HTTP measurements (one profile, started and stopped around each of them).
  const profiler = PROFILE ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  const profiling = async (phase, work) => {
    const sampled = profiler && (PROFILE_PHASE === 'all' || PROFILE_PHASE === phase);
    if (sampled) await profiler.post('Profiler.start');
    try {
      return await work();
    } finally {
      if (sampled) profiles.push((await profiler.post('Profiler.stop')).profile);
    }
  };
  const profiles = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    rounds.service.push(await profiling('service', () => watchingTheLoop(() => timed(QUERIES, () => boards.page(query, principal)))));
    rounds.http.push(await profiling('http', () => watchingTheLoop(() => timeHttp(boardUrl, ownCpuUs))));
    rounds.bareHttp.push(await timeHttp(bareUrl, bareCpuUs));
    rounds.bare.push(await bare.ask({ redis: { url: REDIS_URL, key: zkey, member: middle, count: QUERIES } }));
  }
  if (profiler) {
    // One file per sampled measurement after the first: name.cpuprofile, name-2.cpuprofile, …
    profiles.forEach((profile, index) => writeFileSync(index === 0 ? PROFILE : PROFILE.replace(/(\.cpuprofile)?$/, `-${index + 1}$1`), JSON.stringify(profile)));
    profiler.disconnect();
  }
  const loadAfter = load();

  // Grants: claimed attempts of DONORS donors' agents in turn (a batch of grants spans many
  // contributors and a few GPU classes, as on a real pool), each its own job (no dataset: no data credit).
  const total = GRANTS + BATCHED_GRANTS;
  const claims = (
    await db.query(
      `WITH donors AS (
         INSERT INTO "User" (id, handle, "displayName", roles)
         SELECT gen_random_uuid(), 'bench-donor-' || i, 'Donor ' || i, ARRAY['DONOR']::"Role"[] FROM generate_series(1, $1::int) AS i
         RETURNING id),
       rigs AS (
         INSERT INTO "Agent" (id, "ownerId", name, "tokenPrefix", "tokenHash")
         SELECT gen_random_uuid(), id, 'rig', 'pat_x', md5(id::text || random()::text) FROM donors
         RETURNING id, "ownerId"),
       numbered AS (SELECT id, "ownerId", (row_number() OVER (ORDER BY id)) - 1 AS n FROM rigs),
       work AS (
         SELECT gen_random_uuid() AS job, gen_random_uuid() AS attempt, r.id AS agent, r."ownerId" AS donor,
                (ARRAY['GeForce RTX 4090', 'NVIDIA H100 80GB HBM3', 'NVIDIA A100-SXM4-80GB', 'GeForce RTX 3090', 'NVIDIA L40S'])[1 + g % 5] AS gpu
         FROM generate_series(0, $2::int - 1) AS g JOIN numbered r ON r.n = g % $1),
       jobs AS (
         INSERT INTO "Job" (id, "ownerId", kind, status, spec, requirements, "updatedAt")
         SELECT job, donor, 'FINE_TUNE', 'SUCCEEDED', '{"kind":"fine-tune","baseModel":"potluck-tiny-byte-v1","datasets":[]}', '{}', now() FROM work
         RETURNING id),
       attempts AS (
         INSERT INTO "JobAttempt" (id, "jobId", "attemptNo", "agentId", "deviceIds", status, "leaseExpiresAt", "endedAt")
         SELECT w.attempt, j.id, 1, w.agent, ARRAY['GPU-bench'], 'SUCCEEDED', now(), now() FROM work w JOIN jobs j ON j.id = w.job
         RETURNING id)
       INSERT INTO "CreditLedgerEntry" (id, "idempotencyKey", "userId", "agentId", "jobId", "attemptId", kind, state, amount, reason, inputs)
       SELECT gen_random_uuid(), 'compute:' || w.attempt || ':claimed', w.donor, w.agent, w.job, a.id, 'COMPUTE', 'CLAIMED', 0.001, 'bench claim', jsonb_build_object('gpuClass', w.gpu)
       FROM work w JOIN attempts a ON a.id = w.attempt
       RETURNING "attemptId", "userId"`,
      [DONORS, total],
    )
  ).rows;
  await db.query('ANALYZE'); // the new jobs, attempts and claims, as autovacuum would
  const attempts = claims.map((row) => row.attemptId);
  const donors = [...new Set(claims.map((row) => row.userId))];
  const singles = attempts.slice(0, GRANTS);
  const batched = attempts.slice(GRANTS);
  const outcome = { status: 'validated', method: 'benchmark', validationJobId: null, reportedLoss: null, reproducedLoss: null, tolerance: null };
  const grants = await throughput(singles.length, CONCURRENCY, (i) => credits.grant(singles[i], outcome, 'benchmark'));
  // Batched: as many requests in flight as the batcher gathers (unreplicated grants arrive like this at scale).
  const batches = await throughput(batched.length, Math.min(batched.length, 2000), (i) => batcher.grant(batched[i], outcome, 'benchmark'));
  const granted = Number((await db.query(`SELECT count(*) FROM "CreditLedgerEntry" WHERE "userId" = ANY($1::uuid[]) AND state = 'GRANTED'`, [donors])).rows[0].count);
  const onBoard = (await store.totals('all', 'total', 'contributors', donors)).reduce((sum, units) => sum + units, 0n);
  if (granted !== total || onBoard !== BigInt(total) * 1_000_000n) throw new Error(`grants: ${granted} in the ledger, ${onBoard} units on the board`);
  const differences = await sync.check(Date.now());
  if (differences.length > 0) throw new Error(`the boards differ from the ledger after the run: ${JSON.stringify(differences.slice(0, 3))}`);

  await db.query('CREATE TABLE bench_inserts (LIKE "CreditLedgerEntry" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  cleanups.push(() => pool.end());
  const inserts = await throughput(GRANTS, CONCURRENCY, (i) =>
    pool.query(`INSERT INTO bench_inserts (id, "idempotencyKey", "userId", kind, state, amount, reason, inputs) VALUES ($1, $2, $3, 'COMPUTE', 'GRANTED', 0.001, 'bench', '{}')`, [randomUUID(), `bare:${i}`, donors[i % donors.length]]),
  );
  const zincrby = await throughput(GRANTS, CONCURRENCY, (i) => redis.zincrby(`${prefix}:bare`, 1, `m${i % 1000}`));

  console.log(`
Board page (top 100 + own rank, ${CONTRIBUTORS} contributors), ${ROUNDS} rounds of ${QUERIES} sequential queries, page cache ${config.POTLUCK_BOARD_PAGE_CACHE_MS} ms (load average ${loadBefore} before, ${loadAfter} after):
${line('inside the service', rounds.service, '   (target p99 < 2 ms)')}
${watched(rounds.service)}
${line('over HTTP', rounds.http, '   (target p99 < 5 ms; client in its own process, connection kept alive)')}
${watched(rounds.http)}
${line('bare HTTP', rounds.bareHttp, `   (node:http sending the same page's ${pageJson.length} bytes of JSON to the same client)`)}
  CPU per HTTP page    coordinator ${cpuLine(rounds.http)} | bare ${cpuLine(rounds.bareHttp)} (each server's process, all threads)
  cold start           first ${WARMUP_REQUESTS} pages over HTTP: p50 ${ms(cold.http.p50)} p99 ${ms(cold.http.p99)} max ${ms(cold.http.max)}, ${Math.round(cold.http.cpuPerRequestUs)} µs CPU each | bare: p50 ${ms(cold.bareHttp.p50)} p99 ${ms(cold.bareHttp.p99)}, ${Math.round(cold.bareHttp.cpuPerRequestUs)} µs (before the rounds)
  warm-up              then ${(warming.length - 1) * WARMUP_BLOCK} more pages, until two blocks in a row did not lower the CPU per page by 5 %: ${warming.map((us) => Math.round(us)).join(' → ')} µs
${line('bare Redis', rounds.bare, '   (ZREVRANGE 0 99 WITHSCORES + ZREVRANK)')}
Grants, ${GRANTS} one by one at concurrency ${CONCURRENCY}, ${BATCHED_GRANTS} batched:
  real ledger path     ${Math.round(grants.perSecond)} grants/s one by one (a transaction each, as validation decides)
  batched ledger path  ${Math.round(batches.perSecond)} grants/s (GrantBatcher, up to 500 per transaction)   (target ≥ 5000/s)
  (both with the boards kept current; afterwards the check found the boards equal to the ledger)
  bare PG inserts      ${Math.round(inserts.perSecond)} rows/s (single-row INSERT into a copy of the ledger table)
  bare Redis ZINCRBY   ${Math.round(zincrby.perSecond)} ops/s
Board rebuild from the ledger: ${Math.round(applied / rebuildSeconds)} entries/s`);
}

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(deadline);
}
