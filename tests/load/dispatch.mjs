#!/usr/bin/env node
/**
 * Benchmark: dispatch through the full remote path, next to bare BullMQ on the same Redis in
 * the same run.
 *
 *   npm run bench:dispatch                             (builds first)
 *   AGENTS=50 LATENCY_JOBS=300 THROUGHPUT_JOBS=3000 node tests/load/dispatch.mjs
 *
 * Coordinator: one real coordinator process (apps/coordinator/dist) with its own database and
 * Redis prefix, `POTLUCK_DEV_NOOP_RUNTIME=true`, and AGENTS lightweight socket.io agents in this
 * process that offer only the development `noop` runtime: on `job:assign` they acknowledge and at
 * once report `job:completed` with `{ kind: 'noop' }`. They send no telemetry, so the coordinator's
 * unhealthy/offline thresholds are raised to an hour (an agent silent for 15 s gets no jobs). Jobs are evals (of one tiny dataset) with
 * `requirements.runtime = 'noop'`, created by an admin over REST, so each goes the whole way:
 * REST create (PostgreSQL + BullMQ add) → dispatch decision (fairness query, matcher, conditional
 * claim, attempt, one-time transfer tokens) → `job:assign` over the socket → ack → `job:completed`
 * → completion transaction → next decision.
 *
 *   latency    one job at a time: the REST request starts → the waiting agent holds the
 *              assignment (its `job:assign` handler runs; same clock, same process); p50/p99
 *   throughput THROUGHPUT_JOBS jobs created over REST while the agents work, CREATE_BATCH per
 *              `POST /api/v1/jobs/batch` call (CREATE_BATCH=1: single `POST /api/v1/jobs` calls),
 *              CREATE_CONCURRENCY calls at a time: jobs completed per second, first create → last completion
 *
 * Bare BullMQ (same Redis): a Worker with a no-op processor (concurrency AGENTS), and the manual
 * path (AGENTS loops of `worker.getNextJob(token)` / `job.moveToCompleted(…)`): latency of one job
 * (`queue.add` → the processor has it; manual: `queue.add` → a polling getNextJob has it) and throughput draining BULL_JOBS pre-added jobs.
 *
 * Environment (defaults in brackets): AGENTS [50], LATENCY_JOBS [300], THROUGHPUT_JOBS [3000],
 * CREATE_BATCH [100], CREATE_CONCURRENCY [4; 32 with CREATE_BATCH=1], BULL_JOBS [10000], TARGETS [coordinator,bullmq], COORDINATOR_NODE_OPTIONS
 * (e.g. "--cpu-prof --cpu-prof-dir=tmp/prof"), TEST_DATABASE_ADMIN_URL, TEST_REDIS_URL.
 * It creates a database with a unique name and a unique Redis prefix and queue names (all removed
 * at the end), talks only to 127.0.0.1, and kills what it started. Not a test: exit 1 only when the
 * run could not be done.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { io } from 'socket.io-client';
import { AGENTS_NAMESPACE, AgentEvents, PROTOCOL_VERSION, WorkEvents } from '@potluck/protocol';
import { createBenchDatabase, deleteRedisPrefix } from './bench-support.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const int = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const AGENTS = int('AGENTS', 50);
const LATENCY_JOBS = int('LATENCY_JOBS', 300);
const THROUGHPUT_JOBS = int('THROUGHPUT_JOBS', 3000);
const CREATE_BATCH = int('CREATE_BATCH', 100);
const CREATE_CONCURRENCY = int('CREATE_CONCURRENCY', CREATE_BATCH === 1 ? 32 : 4);
const BULL_JOBS = int('BULL_JOBS', 10_000);
const COORDINATOR_NODE_OPTIONS = (process.env.COORDINATOR_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
const TARGETS = (process.env.TARGETS ?? 'coordinator,bullmq').split(',');
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
for (const address of [ADMIN_URL, REDIS_URL]) {
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(address).hostname)) throw new Error(`only local services are used; ${address} is not local`);
}
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const cleanups = [];
async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (error) {
      process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void cleanup().then(() => process.exit(130)));
setTimeout(() => {
  process.stderr.write('dispatch bench: no result within 15 minutes; cleaning up\n');
  void cleanup().then(() => process.exit(2));
}, 15 * 60_000).unref();

const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}
const ms = (value) => `${value.toFixed(2)} ms`;
function cpuSecondsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

// ---- coordinator ----------------------------------------------------------------------------

async function startCoordinator() {
  const { url: databaseUrl } = await createBenchDatabase(ADMIN_URL, (cleanup) => cleanups.push(cleanup));
  execFileSync(process.execPath, ['apps/coordinator/dist/cli/migrate.js'], { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl }, encoding: 'utf8' });
  const prefix = `bench${randomBytes(5).toString('hex')}`;
  cleanups.push(() => deleteRedisPrefix(REDIS_URL, prefix));
  const work = mkdtempSync(join(tmpdir(), 'potluck-dispatch-bench-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const child = spawn(process.execPath, [...COORDINATOR_NODE_OPTIONS, 'apps/coordinator/dist/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      POTLUCK_REDIS_PREFIX: prefix,
      POTLUCK_HOST: '127.0.0.1',
      POTLUCK_PORT: '0',
      POTLUCK_ARTIFACT_DIR: join(work, 'artifacts'),
      POTLUCK_MIGRATE_ON_START: 'false',
      POTLUCK_DEV_NOOP_RUNTIME: 'true',
      POTLUCK_RATE_LIMIT_PER_MINUTE: '100000000',
      POTLUCK_SOCKET_MESSAGES_PER_SECOND: '10000',
      // These agents send no telemetry (real ones do every few seconds): without this an agent idle
      // for 15 s would turn "unhealthy" and get no more jobs.
      POTLUCK_AGENT_UNHEALTHY_AFTER_MS: '3600000',
      POTLUCK_AGENT_OFFLINE_AFTER_MS: '3600000',
      LOG_LEVEL: process.env.COORDINATOR_LOG_LEVEL ?? 'warn',
    },
  });
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill(COORDINATOR_NODE_OPTIONS.length > 0 ? 'SIGTERM' : 'SIGKILL'); // a profile is written on a clean exit
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output = (output + chunk.toString('utf8')).slice(-65_536)));
  child.stderr.on('data', (chunk) => (output = (output + chunk.toString('utf8')).slice(-65_536)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ready = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    const key = /shown only now:\s+(pk_\S+)/.exec(output);
    if (ready && key) return { url: ready[1], adminKey: key[1], pid: child.pid, prefix, output: () => output };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  throw new Error(`the coordinator did not start:\n${output}`);
}

async function api(base, key, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/jsonl' : 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

function inventory(uuid) {
  return {
    format: 'csv', timestamp: null, driverVersion: '550.54.14', cudaVersion: '12.4', processes: null,
    gpus: [{ index: 0, uuid, name: 'NVIDIA GeForce RTX 4090', busId: null, serial: null, vbiosVersion: null, virtualizationMode: null, persistenceMode: null, memoryTotalMiB: 24_564, memoryUsedMiB: 0, memoryFreeMiB: null, utilizationGpuPct: 0, utilizationMemoryPct: null, temperatureC: 30, fanSpeedPct: null, pstate: null, powerDrawW: 20, powerLimitW: 450, clocksGraphicsMHz: null, clocksSmMHz: null, clocksMemoryMHz: null, clocksMaxGraphicsMHz: null, clocksMaxMemoryMHz: null, computeCapability: null, migEnabled: false, migDevices: [] }],
  };
}

/** A no-op agent: holds an assignment (noting when), acknowledges it and reports completion at once. */
async function connectAgent(base, token, index, onAssign) {
  const socket = io(`${base}${AGENTS_NAMESPACE}`, { auth: { token }, transports: ['websocket'], reconnection: false });
  cleanups.push(() => socket.disconnect());
  socket.on(WorkEvents.assign, (assignment, ack) => {
    const heldAt = performance.now();
    ack({ ok: true, result: { accepted: true } });
    onAssign(assignment, heldAt);
    socket.emitWithAck(WorkEvents.completed, { attemptId: assignment.attemptId, result: { kind: 'noop' } }).then(
      (answer) => onAssign.completed(assignment, answer),
      (error) => onAssign.completed(assignment, { ok: false, error: { code: 'SEND', message: error.message } }),
    );
  });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
  const uuid = `GPU-bench-${index}-${randomBytes(4).toString('hex')}`;
  const hello = await socket.emitWithAck(AgentEvents.hello, {
    agentVersion: 'bench', runId: `bench-${randomBytes(6).toString('hex')}`, protocolVersions: [PROTOCOL_VERSION], host: { hostname: `bench-${index}`, os: 'linux', arch: 'x64' }, simulated: true,
    inventory: inventory(uuid), runtimes: ['noop'],
    policy: { schedule: [], maxTemperatureC: null, maxPowerW: null, yieldToOtherProcesses: true, yieldCooldownSeconds: 60, runtimes: ['noop'] },
    mode: 'active', gpus: [{ index: 0, deviceId: uuid, availability: 'available', reason: '', until: null }],
  });
  if (!hello.ok) throw new Error(`hello refused: ${JSON.stringify(hello.error)}`);
  return socket;
}

async function benchCoordinator() {
  log(`coordinator: starting (${AGENTS} no-op agents)`);
  const coordinator = await startCoordinator();
  const base = coordinator.url;
  const user = await api(base, coordinator.adminKey, 'POST', '/api/v1/users', { handle: `bench-${randomBytes(3).toString('hex')}`, displayName: 'Bench', roles: ['ADMIN', 'BUILDER', 'DONOR'] });
  const key = user.secret;
  const dataset = await api(base, key, 'POST', '/api/v1/datasets', { name: 'bench-rows', licence: 'CC0-1.0' });
  await api(base, key, 'POST', `/api/v1/datasets/${dataset.id}/versions`, `${JSON.stringify({ prompt: 'two plus two', completion: 'four' })}\n`);
  const body = JSON.stringify({ spec: { kind: 'eval', baseModel: 'potluck-tiny-byte-v1', dataset: { datasetId: dataset.id, version: 1 } }, requirements: { runtime: 'noop' } });

  let waiter = null;
  let completed = 0;
  let lastCompletedAt = 0;
  let refused = 0;
  const onAssign = (assignment, heldAt) => {
    if (waiter) {
      const resolve = waiter;
      waiter = null;
      resolve(heldAt);
    }
  };
  onAssign.completed = (_assignment, answer) => {
    if (answer.ok && answer.result.recorded) {
      completed += 1;
      lastCompletedAt = performance.now();
    } else refused += 1;
  };
  for (let i = 0; i < AGENTS; i += 1) {
    const agent = await api(base, key, 'POST', '/api/v1/agents', { name: `bench-agent-${i}` });
    await connectAgent(base, agent.token, i, onAssign);
  }
  log(`coordinator: ${AGENTS} agents connected`);
  const create = () => fetch(`${base}/api/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body }).then(async (response) => {
    if (response.status !== 201) throw new Error(`create: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  });
  const one = JSON.parse(body);
  const createBatch = (count) => fetch(`${base}/api/v1/jobs/batch`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ jobs: Array.from({ length: count }, () => one) }) }).then(async (response) => {
    if (response.status !== 201) throw new Error(`create batch: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  });

  // Latency: one job at a time, the agents idle and waiting.
  const latencies = [];
  const answered = [];
  for (let i = 0; i < 20 + LATENCY_JOBS; i += 1) {
    const before = completed;
    const held = new Promise((resolve) => (waiter = resolve));
    const started = performance.now();
    await create();
    if (i >= 20) answered.push(performance.now() - started);
    const heldAt = await Promise.race([held, sleep(10_000).then(() => null)]);
    if (heldAt === null) throw new Error(`no agent got job ${i} within 10 s:\n${coordinator.output()}`);
    if (i >= 20) latencies.push(heldAt - started); // the first 20 warm up
    while (completed === before) await sleep(1);
  }
  const latency = summary(latencies);
  const rest = summary(answered);
  log(`coordinator latency (REST create → agent holds the assignment): p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)} (n=${latency.n}); the REST answer alone: p50 ${ms(rest.p50)}, p99 ${ms(rest.p99)}`);

  // Throughput: many jobs created concurrently while the agents work.
  const cpuBefore = cpuSecondsOf(coordinator.pid);
  const startCount = completed;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < THROUGHPUT_JOBS) {
        const count = Math.min(CREATE_BATCH, THROUGHPUT_JOBS - next);
        next += count;
        await (CREATE_BATCH === 1 ? create() : createBatch(count));
      }
    }),
  );
  const createdIn = performance.now() - started;
  const deadline = Date.now() + 300_000;
  while (completed - startCount < THROUGHPUT_JOBS && Date.now() < deadline) await sleep(20);
  const done = completed - startCount;
  if (done < THROUGHPUT_JOBS) log(`coordinator: only ${done} of ${THROUGHPUT_JOBS} completed within 300 s; its output:\n${coordinator.output().slice(-4000)}`);
  const elapsed = (lastCompletedAt - started) / 1000;
  const cpu = cpuSecondsOf(coordinator.pid) - cpuBefore;
  const throughput = done / elapsed;
  log(`coordinator throughput: ${done}/${THROUGHPUT_JOBS} no-op jobs completed in ${elapsed.toFixed(2)} s = ${throughput.toFixed(0)} jobs/s (created ${CREATE_BATCH === 1 ? 'one per POST /api/v1/jobs' : `${CREATE_BATCH} per POST /api/v1/jobs/batch`}, ${CREATE_CONCURRENCY} calls at a time: ${(THROUGHPUT_JOBS / (createdIn / 1000)).toFixed(0)} jobs/s; coordinator CPU ${((cpu / done) * 1000).toFixed(2)} ms per job; refused completions ${refused})`);
  if (process.env.SHOW_OUTPUT === '1') log(`coordinator output (last 4000 characters):\n${coordinator.output().slice(-4000)}`);
  return { latency, throughput, createPerSecond: THROUGHPUT_JOBS / (createdIn / 1000), cpuMsPerJob: (cpu / done) * 1000 };
}

// ---- bare BullMQ ----------------------------------------------------------------------------

async function benchBullmq() {
  const prefix = `benchbull${randomBytes(4).toString('hex')}`;
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  cleanups.push(() => deleteRedisPrefix(REDIS_URL, prefix));
  const results = {};

  // Worker with a no-op processor.
  {
    const name = 'worker';
    const queue = new Queue(name, { connection, prefix });
    cleanups.push(() => queue.close());
    let waiter = null;
    let processed = 0;
    let lastAt = 0;
    const worker = new Worker(name, async () => {
      const at = performance.now();
      processed += 1;
      lastAt = at;
      if (waiter) {
        const resolve = waiter;
        waiter = null;
        resolve(at);
      }
    }, { connection, prefix, concurrency: AGENTS });
    cleanups.push(() => worker.close());
    await worker.waitUntilReady();
    const latencies = [];
    for (let i = 0; i < 20 + LATENCY_JOBS; i += 1) {
      const held = new Promise((resolve) => (waiter = resolve));
      const started = performance.now();
      await queue.add('noop', { i }, { removeOnComplete: true });
      const at = await held;
      if (i >= 20) latencies.push(at - started);
    }
    await worker.pause();
    const before = processed;
    for (let from = 0; from < BULL_JOBS; from += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, BULL_JOBS - from) }, (_, i) => ({ name: 'noop', data: { i: from + i }, opts: { removeOnComplete: true } })));
    }
    const started = performance.now();
    worker.resume();
    while (processed - before < BULL_JOBS) await sleep(5);
    const throughput = BULL_JOBS / ((lastAt - started) / 1000);
    results.worker = { latency: summary(latencies), throughput };
    log(`bare BullMQ Worker (concurrency ${AGENTS}): latency p50 ${ms(results.worker.latency.p50)}, p99 ${ms(results.worker.latency.p99)}; throughput ${throughput.toFixed(0)} jobs/s`);
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }

  // Manual path: getNextJob / moveToCompleted, AGENTS loops (as remote agents would be served).
  {
    const name = 'manual';
    const queue = new Queue(name, { connection, prefix });
    cleanups.push(() => queue.close());
    const worker = new Worker(name, null, { connection, prefix });
    cleanups.push(() => worker.close());
    await worker.waitUntilReady();
    const latencies = [];
    const token = 'bench-manual-0';
    for (let i = 0; i < 20 + LATENCY_JOBS; i += 1) {
      const started = performance.now();
      await queue.add('noop', { i }, { removeOnComplete: true });
      let job;
      while (!job) job = await worker.getNextJob(token, { block: false });
      const at = performance.now();
      await job.moveToCompleted('ok', token, false);
      if (i >= 20) latencies.push(at - started);
    }
    for (let from = 0; from < BULL_JOBS; from += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, BULL_JOBS - from) }, (_, i) => ({ name: 'noop', data: { i: from + i }, opts: { removeOnComplete: true } })));
    }
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: AGENTS }, async (_, loop) => {
        const loopToken = `bench-manual-${loop}`;
        for (;;) {
          const job = await worker.getNextJob(loopToken, { block: false });
          if (!job) return;
          await job.moveToCompleted('ok', loopToken, false);
          done += 1;
        }
      }),
    );
    const throughput = done / ((performance.now() - started) / 1000);
    results.manual = { latency: summary(latencies), throughput };
    log(`bare BullMQ manual getNextJob/moveToCompleted (${AGENTS} loops): latency p50 ${ms(results.manual.latency.p50)}, p99 ${ms(results.manual.latency.p99)}; throughput ${throughput.toFixed(0)} jobs/s`);
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
  return results;
}

// ---- run ------------------------------------------------------------------------------------

try {
  log(`dispatch benchmark: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const coordinator = TARGETS.includes('coordinator') ? await benchCoordinator() : null;
  const bull = TARGETS.includes('bullmq') ? await benchBullmq() : null;
  if (!coordinator || !bull) {
    await cleanup();
    process.exit(0);
  }
  log('');
  log('                         p50 latency   p99 latency   throughput');
  log(`coordinator (remote)     ${ms(coordinator.latency.p50).padStart(11)}   ${ms(coordinator.latency.p99).padStart(11)}   ${coordinator.throughput.toFixed(0).padStart(6)} jobs/s`);
  log(`bare BullMQ Worker       ${ms(bull.worker.latency.p50).padStart(11)}   ${ms(bull.worker.latency.p99).padStart(11)}   ${bull.worker.throughput.toFixed(0).padStart(6)} jobs/s`);
  log(`bare BullMQ manual path  ${ms(bull.manual.latency.p50).padStart(11)}   ${ms(bull.manual.latency.p99).padStart(11)}   ${bull.manual.throughput.toFixed(0).padStart(6)} jobs/s`);
  log(`ratios (coordinator / manual path): latency p50 x${(coordinator.latency.p50 / bull.manual.latency.p50).toFixed(1)}, throughput x${(coordinator.throughput / bull.manual.throughput).toFixed(3)}`);
  log(`targets: p50 < 10 ms ${coordinator.latency.p50 < 10 ? 'met' : 'MISSED'}, p99 < 50 ms ${coordinator.latency.p99 < 50 ? 'met' : 'MISSED'}, ≥ 1,000 jobs/s ${coordinator.throughput >= 1000 ? 'met' : 'MISSED'}`);
  log(`load after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  await cleanup();
  process.exit(0);
} catch (error) {
  process.stderr.write(`dispatch bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await cleanup();
  process.exit(1);
}
