#!/usr/bin/env node
/**
 * Page-load benchmark of the dashboard's home page (the leaderboard) on a populated board:
 * one real coordinator serving the built dashboard, ROWS contributors with granted credit,
 * headless Debian Chromium through playwright-core.
 *
 *   npm run bench:web                          (builds first)
 *   ROWS=10000 RUNS=5 node tests/load/dashboard-leaderboard.mjs
 *
 * Per run it records, from the browser's own timing APIs: time to first byte, DOMContentLoaded,
 * first contentful paint, and the time until the first board row is on screen (the page's
 * real content: it needs the script and one API answer); and the bytes transferred (sum of
 * `transferSize` of the document and every resource, headers included). Cold runs use a new
 * browser context (empty cache); warm runs reload in the same context (assets from cache,
 * index.html revalidated). Prints medians and writes every run to tmp/bench-web.json.
 *
 * Then the fleet page with GPUS [1000] GPUs online: simulated agents (the fleet benchmark's
 * socket.io clients, tests/load/fleet-telemetry-clients.mjs, telemetry every 5 s) connect,
 * and /fleet is loaded the same way (first agent card on screen, bytes); then the page stays
 * open for LIVE_S [20] seconds of /live pushes while long tasks (main-thread work over 50 ms)
 * and the JS heap are read. PAGES [leaderboard,fleet] picks the pages.
 *
 * Environment (defaults in brackets): ROWS [10000], RUNS [5], CHROMIUM_PATH [/usr/bin/chromium],
 * TEST_DATABASE_ADMIN_URL, TEST_REDIS_URL. It creates a uniquely named database (dropped at the
 * end) and Redis prefix (deleted at the end), talks only to 127.0.0.1 and stops everything it
 * started. A benchmark, not a test: it exits 1 only when the run itself could not be done.
 */
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { LiveEvents, PROTOCOL_VERSION } from '@potluck/protocol';
import { gpuCountOf, seedAgents, tokenOf } from './fleet-telemetry-agents.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROWS = Number(process.env.ROWS ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 5);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const GPUS = Number(process.env.GPUS ?? 1000);
const LIVE_S = Number(process.env.LIVE_S ?? 20);
const PAGES = (process.env.PAGES ?? 'leaderboard,fleet').split(',').map((page) => page.trim());
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
for (const address of [ADMIN_URL, REDIS_URL]) {
  if (!['127.0.0.1', 'localhost'].includes(new URL(address).hostname)) throw new Error(`only local services are used; ${address} is not on 127.0.0.1`);
}
if (!existsSync(join(ROOT, 'apps/web/dist/index.html'))) throw new Error('apps/web/dist is not built: run npm run build');

const suffix = randomBytes(4).toString('hex');
const database = `potluck_bench_web_${suffix}`;
const prefix = `bench-web-${suffix}`;
const cleanups = [];
const deadline = setTimeout(() => {
  console.error('bench:web: deadline passed; stopping');
  void cleanup().finally(() => process.exit(1));
}, 15 * 60_000);

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function cleanup() {
  for (const step of cleanups.reverse()) await step().catch((error) => console.error(`cleanup: ${error.message}`));
  cleanups.length = 0;
}

function startCoordinator(databaseUrl) {
  const child = spawn(process.execPath, [join(ROOT, 'apps/coordinator/dist/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      POTLUCK_REDIS_PREFIX: prefix,
      POTLUCK_PORT: '0',
      POTLUCK_ARTIFACT_DIR: join(ROOT, 'tmp', prefix),
      POTLUCK_BOARD_CATCHUP_EVERY_MS: '1000',
      POTLUCK_RATE_LIMIT_PER_MINUTE: '100000',
      POTLUCK_RECEIPT_KEY_FILE: join(ROOT, 'tmp', prefix, 'receipt-key.pem'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  cleanups.push(async () => {
    child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coordinator did not start:\n${output}`)), 60_000);
    const check = () => {
      const match = /ready at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => reject(new Error(`coordinator exited ${code}:\n${output}`)));
  });
}

/** ROWS contributors, each with one granted compute entry (distinct amounts), written straight into the ledger. */
async function seed(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`
      INSERT INTO "User" ("id", "handle", "displayName", "roles")
      SELECT gen_random_uuid(), 'bench-' || i, 'Bench contributor ' || i, ARRAY['DONOR']::"Role"[] FROM generate_series(1, $1::int) AS i`, [ROWS]);
    await client.query(`
      INSERT INTO "CreditLedgerEntry" ("id", "idempotencyKey", "userId", "kind", "state", "amount", "reason", "inputs")
      SELECT gen_random_uuid(), 'bench-web:' || u."id", u."id", 'COMPUTE'::"CreditKind", 'GRANTED'::"CreditState",
             round((1000000 - substr(u."handle", 7)::int)::numeric / 1000, 3), 'seeded by bench:web', '{}'::jsonb
      FROM "User" u WHERE u."handle" ~ '^bench-[0-9]+$'`);
  } finally {
    await client.end();
  }
}

/** Median time of `n` sequential GETs of `path` from Node (the API's own share of a page load), and its size. */
async function apiTime(url, path, n = 5) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const response = await fetch(`${url}${path}`);
    bytes = (await response.arrayBuffer()).byteLength;
    times.push(performance.now() - started);
  }
  return { path, ms: median(times), bytes };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

/** Loads `url` in `page` and reads the browser's timings once `content` (the page's first real content) is visible. */
async function measure(page, url, reload, content = 'table.board tbody tr') {
  const started = Date.now();
  if (!page.__watching) {
    // Runs in the page before its own scripts (CDP, not subject to the page's CSP): notes when the
    // content first enters the DOM and the next animation frame after that (it is on screen then).
    await page.addInitScript((selector) => {
      const observer = new MutationObserver(() => {
        if (window.__contentInDom || !document.querySelector(selector)) return;
        window.__contentInDom = performance.now();
        requestAnimationFrame(() => (window.__contentShown = performance.now()));
        observer.disconnect();
      });
      observer.observe(document, { subtree: true, childList: true });
    }, content);
    page.__watching = true;
  }
  if (reload) await page.reload({ waitUntil: 'commit' });
  else await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__contentShown !== undefined, undefined, { timeout: 30_000, polling: 100 });
  const rowsAtMs = await page.evaluate(() => window.__contentShown);
  const inDomMs = await page.evaluate(() => window.__contentInDom);
  await page.waitForLoadState('load');
  await sleep(200); // let the paint entries arrive
  const timings = await page.evaluate((selector) => {
    const navigation = performance.getEntriesByType('navigation')[0];
    const paint = performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint');
    const resources = performance.getEntriesByType('resource');
    return {
      ttfbMs: navigation.responseStart,
      domContentLoadedMs: navigation.domContentLoadedEventEnd,
      fcpMs: paint ? paint.startTime : null,
      bytes: navigation.transferSize + resources.reduce((sum, entry) => sum + entry.transferSize, 0),
      decodedBytes: navigation.decodedBodySize + resources.reduce((sum, entry) => sum + entry.decodedBodySize, 0),
      requests: 1 + resources.length,
      rowsShown: document.querySelectorAll(selector).length,
      resources: resources.map((entry) => ({ name: entry.name.replace(location.origin, ''), startMs: Math.round(entry.startTime), endMs: Math.round(entry.responseEnd), bytes: entry.transferSize })),
    };
  }, content);
  return { ...timings, firstRowMs: rowsAtMs, contentInDomMs: inDomMs, wallMs: Date.now() - started };
}

async function main() {
  await admin(`CREATE DATABASE ${database}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  cleanups.push(async () => {
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  });
  const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${database}` }).toString();
  mkdirSync(join(ROOT, 'tmp', prefix), { recursive: true });
  const url = await startCoordinator(databaseUrl);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  cleanups.push(() => browser.close());
  const result = { cpus: cpus().length, chromium: browser.version(), runs: RUNS, loadAverageAtStart: loadavg()[0] };
  if (PAGES.includes('leaderboard')) result.leaderboard = await leaderboard(url, databaseUrl, browser);
  if (PAGES.includes('fleet')) result.fleet = await fleet(url, databaseUrl, browser);
  result.loadAverageAtEnd = loadavg()[0];
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  writeFileSync(join(ROOT, 'tmp', 'bench-web.json'), `${JSON.stringify(result, null, 2)}\n`);
  // The machine is shared: a busy one slows every number above; compare runs with similar load.
  console.log(`\n1-minute load average ${result.loadAverageAtStart.toFixed(1)} at the start, ${result.loadAverageAtEnd.toFixed(1)} at the end (${cpus().length} CPUs); every run in tmp/bench-web.json`);
}

const summary = (runs) => ({
  ttfbMs: median(runs.map((r) => r.ttfbMs)),
  fcpMs: median(runs.map((r) => r.fcpMs ?? Number.NaN)),
  firstContentMs: median(runs.map((r) => r.firstRowMs)),
  domContentLoadedMs: median(runs.map((r) => r.domContentLoadedMs)),
  bytes: median(runs.map((r) => r.bytes)),
  decodedBytes: median(runs.map((r) => r.decodedBytes)),
  requests: median(runs.map((r) => r.requests)),
  shown: median(runs.map((r) => r.rowsShown)),
});

function printTable(title, what, rows) {
  console.log(`\n${title}, median of ${RUNS}`);
  console.log(`             TTFB    FCP   ${what.padStart(9)}   DOMContentLoaded   transferred   decoded   requests`);
  for (const [name, s] of rows) {
    console.log(`${name.padEnd(11)} ${s.ttfbMs.toFixed(0).padStart(5)} ms ${s.fcpMs.toFixed(0).padStart(4)} ms ${s.firstContentMs.toFixed(0).padStart(6)} ms ${s.domContentLoadedMs.toFixed(0).padStart(12)} ms ${(s.bytes / 1024).toFixed(1).padStart(10)} KiB ${(s.decodedBytes / 1024).toFixed(1).padStart(7)} KiB ${String(s.requests).padStart(6)}`);
  }
}

async function leaderboard(url, databaseUrl, browser) {
  console.log(`seeding ${ROWS} contributors`);
  const seededAt = Date.now();
  await seed(databaseUrl);
  for (;;) {
    const board = await (await fetch(`${url}/api/v1/boards?limit=1`)).json();
    if (board.total >= ROWS) break;
    if (Date.now() - seededAt > 120_000) throw new Error(`the board has ${board.total} of ${ROWS} rows after 2 min`);
    await sleep(500);
  }
  console.log(`board populated in ${Date.now() - seededAt} ms (ledger insert + catch-up)`);

  const cold = [];
  const warm = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    cold.push(await measure(page, `${url}/`, false));
    warm.push(await measure(page, `${url}/`, true));
    await context.close();
  }
  const api = await apiTime(url, '/api/v1/boards?window=all&kind=total&scope=contributors&limit=50');
  const result = { rows: ROWS, api, cold: summary(cold), warm: summary(warm), raw: { cold, warm } };
  printTable(`Leaderboard page load, ${ROWS} contributors on the board (Chromium ${browser.version()}, ${cpus().length} CPUs)`, 'first row', [['cold cache', result.cold], ['warm cache', result.warm]]);
  console.log(`(rows on the first page: ${result.cold.shown}; GET ${api.path} alone: ${api.ms.toFixed(0)} ms, ${(api.bytes / 1024).toFixed(1)} KiB)`);
  return result;
}


async function fleet(url, databaseUrl, browser) {
  let agents = 0;
  for (let gpus = 0; gpus < GPUS; agents += 1) gpus += gpuCountOf(agents);
  const gpus = Array.from({ length: agents }, (_, i) => gpuCountOf(i)).reduce((a, b) => a + b, 0);
  const seed = randomBytes(8).toString('hex');
  await seedAgents(databaseUrl, seed, agents);
  console.log(`\nconnecting ${agents} simulated agents with ${gpus} GPUs`);
  const clients = fork(join(ROOT, 'tests/load/fleet-telemetry-clients.mjs'), [], {
    env: {
      ...process.env,
      BENCH_CLIENT_OPTIONS: JSON.stringify({ url, seed, from: 0, count: agents, connectPerSecond: 200, maxPending: 50, intervalMs: 5000, jitterMs: 250, ackTimeoutMs: 10_000, protocolVersion: PROTOCOL_VERSION, liveDashboards: 0, liveEvent: LiveEvents.fleetChanges }),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  cleanups.push(async () => {
    clients.kill('SIGKILL');
  });
  let progress = { ready: 0 };
  clients.on('message', (message) => {
    if (message.type === 'progress') progress = message;
  });
  clients.send({ type: 'start' });
  const startedAt = Date.now();
  while (progress.ready < agents) {
    if (Date.now() - startedAt > 180_000) throw new Error(`only ${progress.ready} of ${agents} agents said hello within 3 min`);
    await sleep(500);
  }
  console.log(`all agents online in ${Date.now() - startedAt} ms; loading /fleet`);
  await sleep(6000); // one telemetry round from every agent

  const cold = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    cold.push(await measure(page, `${url}/fleet`, false, '.agent-card'));
    await context.close();
  }
  const api = await apiTime(url, '/api/v1/fleet?limit=48&offset=0');
  const result = { agents, gpus, api, cold: summary(cold), raw: { cold } };
  printTable(`Fleet page load, ${agents} agents with ${gpus} GPUs online (48 agents a page)`, 'first card', [['cold cache', result.cold]]);
  console.log(`(GET ${api.path} alone: ${api.ms.toFixed(0)} ms, ${(api.bytes / 1024).toFixed(1)} KiB, uncompressed)`);

  // The page left open while /live pushes arrive: main-thread work and memory.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/fleet`);
  await page.getByText('Live updates on').waitFor({ timeout: 30_000 });
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((entry) => entry.duration))).observe({ type: 'longtask' });
  });
  const heapBefore = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
  await sleep(LIVE_S * 1000);
  const live = await page.evaluate(() => ({
    longTasks: window.__longTasks.length,
    longTaskMsTotal: window.__longTasks.reduce((a, b) => a + b, 0),
    longTaskMsMax: window.__longTasks.reduce((a, b) => Math.max(a, b), 0),
    heapBytes: performance.memory?.usedJSHeapSize ?? null,
    cards: document.querySelectorAll('.gpu-card').length,
  }));
  mkdirSync(join(ROOT, 'tmp', 'screenshots'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'tmp', 'screenshots', 'bench-fleet.png') });
  await context.close();
  result.live = { seconds: LIVE_S, heapBytesBefore: heapBefore, ...live };
  console.log(`open for ${LIVE_S} s of /live pushes: ${live.longTasks} long tasks (total ${live.longTaskMsTotal.toFixed(0)} ms, longest ${live.longTaskMsMax.toFixed(0)} ms), JS heap ${(heapBefore / 1048576).toFixed(1)} → ${(live.heapBytes / 1048576).toFixed(1)} MiB, ${live.cards} GPU cards on the page`);
  clients.send({ type: 'stop' });
  return result;
}

main()
  .then(cleanup, async (error) => {
    console.error(`bench:web failed: ${error.stack ?? error.message}`);
    await cleanup();
    process.exitCode = 1;
  })
  .finally(() => clearTimeout(deadline));
