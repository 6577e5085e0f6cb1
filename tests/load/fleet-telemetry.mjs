#!/usr/bin/env node
/**
 * Benchmark: N simulated agents, each sending a telemetry batch every 5 s, against one real
 * coordinator process, and the same client load against a bare socket.io server
 * (fleet-telemetry-bare-server.mjs) in the same run on the same machine.
 *
 *   npm run bench:fleet                               (builds first)
 *   AGENTS=1000 DURATION_S=30 node tests/load/fleet-telemetry.mjs
 *
 * Per target it prints sustained telemetry acknowledgements per second, p50/p99/max
 * acknowledgement latency (measured by the clients: emit → ack callback), the server's CPU
 * time per message (utime+stime from /proc/<pid>/stat over the window) and its RSS
 * (/proc/<pid>/status), plus what else used the machine's CPUs meanwhile (client
 * processes, Redis, PostgreSQL), then the coordinator/bare ratios and the issue's targets.
 * Beside them, a diagnosis: the acknowledgements of the 100 ms steps in which the kernel's
 * memory threads (DAMON's kdamond, kswapd, kcompactd) ran, against the rest.
 * A benchmark, not a test: it fails (exit 1) only when the run itself could not be done.
 *
 * Environment (defaults in brackets): AGENTS [10000], DURATION_S [60] measured window,
 * WARMUP_S [10] after every agent said hello, and then, for the coordinator with a dashboard, until
 * the dashboard received every agent's view (the hellos' backlog on the live feed drained), at
 * most LIVE_SETTLE_MAX_S [120] more (0: do not wait), INTERVAL_MS [5000] and JITTER_MS [250]
 * between batches, CONNECT_PER_SECOND [500] and MAX_PENDING [50] (connections not yet through hello) for the staggered start,
 * CLIENT_PROCESSES [1], CLIENT_KIND [thin] (the agents' sockets: thin-socketio-client.mjs over ws, or
 * socket.io-client as before the tenth session), LIVE_DASHBOARDS [1] sockets on /live receiving the fleet pushes (counted,
 * not timed; the bare server pushes nothing), TARGETS [coordinator,bare], ACK_TIMEOUT_MS [10000],
 * COORDINATOR_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=tmp/prof") and BARE_NODE_OPTIONS (the same for the
 * bare server, e.g. "--trace-gc-nvp" to compare their collections) and CLIENT_NODE_OPTIONS (the same for the
 * client processes), COORDINATOR_ENV (e.g.
 * "POTLUCK_HEAP_GROWING_PERCENT=40"), COORDINATOR_DIR [this
 * checkout] whose built coordinator runs (before/after comparisons), KEEP_JSON [tmp/]
 * where the raw result is written (and, with KEEP_SERVER_OUTPUT=1, each server's last output),
 * SERVER_LOG_DIR (a folder, made if missing, that receives the whole stdout and stderr of every process it starts, e.g. with
 * "--trace-gc" in COORDINATOR_NODE_OPTIONS), TEST_DATABASE_ADMIN_URL, TEST_REDIS_URL.
 *
 * It creates a database with a unique name (dropped at the end), a unique Redis key prefix
 * (deleted at the end), talks only to 127.0.0.1, kills every process it started, and stops
 * by itself (a deadline derived from the sizes ends a stuck run).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { LiveEvents, PROTOCOL_VERSION } from '@potluck/protocol';
import { createBenchDatabase, deleteRedisPrefix } from './bench-support.mjs';
import { seedAgents, tokenOf } from './fleet-telemetry-agents.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));

function numberFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return value;
}

const AGENTS = Math.floor(numberFromEnv('AGENTS', 10_000));
const DURATION_S = numberFromEnv('DURATION_S', 60);
const WARMUP_S = numberFromEnv('WARMUP_S', 10);
const LIVE_SETTLE_MAX_S = process.env.LIVE_SETTLE_MAX_S === '0' ? 0 : numberFromEnv('LIVE_SETTLE_MAX_S', 120);
const INTERVAL_MS = numberFromEnv('INTERVAL_MS', 5000);
const JITTER_MS = Math.min(numberFromEnv('JITTER_MS', 250), INTERVAL_MS / 2);
const CONNECT_PER_SECOND = numberFromEnv('CONNECT_PER_SECOND', 500);
const MAX_PENDING = Math.floor(numberFromEnv('MAX_PENDING', 50));
const CLIENT_PROCESSES = Math.floor(numberFromEnv('CLIENT_PROCESSES', 1));
/** 'thin' (a minimal socket.io client over ws, thin-socketio-client.mjs) or 'socket.io-client'. */
const CLIENT_KIND = process.env.CLIENT_KIND ?? 'thin';
if (!['thin', 'socket.io-client'].includes(CLIENT_KIND)) throw new Error(`CLIENT_KIND must be thin or socket.io-client, not "${CLIENT_KIND}"`);
const LIVE_DASHBOARDS = process.env.LIVE_DASHBOARDS === '0' ? 0 : Math.floor(numberFromEnv('LIVE_DASHBOARDS', 1));
const ACK_TIMEOUT_MS = numberFromEnv('ACK_TIMEOUT_MS', 10_000);
/** The clients' latency timeline step (fleet-telemetry-clients.mjs), and the server thread sampler's. */
const TIMELINE_STEP_MS = 100;
const TARGETS = (process.env.TARGETS ?? 'coordinator,bare').split(',').map((target) => target.trim()).filter(Boolean);
/** Node flags from a space-separated setting. */
const nodeOptions = (name) => (process.env[name] ?? '').split(' ').filter(Boolean);
const COORDINATOR_NODE_OPTIONS = nodeOptions('COORDINATOR_NODE_OPTIONS');
const BARE_NODE_OPTIONS = nodeOptions('BARE_NODE_OPTIONS');
/**
 * The client process's young generation, fixed at 64 MB a semi-space (V8 starts at 1 MB and
 * grows it to at most 16): its young collections then come every ~4 s instead of every ~1 s,
 * each as long (~10 ms, mostly its 10,000 sockets' remembered pointers), and each one is a
 * stall that delays the acknowledgements it is timing, whatever the server. Measured against
 * the bare server (docs/performance.md, tenth session): p99 16.11 → 12.38 ms and 28.16 → 15.73 ms.
 * CLIENT_NODE_OPTIONS come after these, so they can override them.
 */
const CLIENT_HEAP_OPTIONS = ['--min-semi-space-size=64', '--max-semi-space-size=64'];
const CLIENT_NODE_OPTIONS = [...CLIENT_HEAP_OPTIONS, ...nodeOptions('CLIENT_NODE_OPTIONS')];
/** Extra settings for the coordinator, "NAME=value NAME=value" (e.g. POTLUCK_HEAP_GROWING_PERCENT=40). */
const COORDINATOR_ENV = Object.fromEntries((process.env.COORDINATOR_ENV ?? '').split(' ').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEEP_JSON = process.env.KEEP_JSON ?? join(ROOT, 'tmp');
const SERVER_LOG_DIR = process.env.SERVER_LOG_DIR || null;
if (SERVER_LOG_DIR) mkdirSync(SERVER_LOG_DIR, { recursive: true });
/** Another built checkout's coordinator (for before/after comparisons); this one by default. */
const COORDINATOR_DIR = process.env.COORDINATOR_DIR ?? ROOT;

for (const target of TARGETS) if (!['coordinator', 'bare'].includes(target)) throw new Error(`TARGETS: unknown target "${target}" (coordinator, bare)`);
for (const address of [ADMIN_URL, REDIS_URL]) {
  const host = new URL(address).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error(`only local services are used; ${address} is not on 127.0.0.1`);
}

/** Ramp time estimate (generous: the coordinator's hello writes to PostgreSQL), warm-up, window, shutdown. */
const TARGET_BUDGET_S = Math.ceil(AGENTS / Math.min(CONNECT_PER_SECOND, 100) + 60 + WARMUP_S + LIVE_SETTLE_MAX_S + DURATION_S + 30);
const DEADLINE_S = TARGET_BUDGET_S * TARGETS.length + 120;

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

// ---- cleanup: everything started or created is registered here ------------------------------

const cleanups = [];
let cleaningUp = null;

function onCleanup(fn) {
  cleanups.push(fn);
}

function cleanup() {
  cleaningUp ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })();
  return cleaningUp;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanup().then(() => process.exit(130));
  });
}

const deadline = setTimeout(() => {
  process.stderr.write(`\nfleet-telemetry: no result within ${DEADLINE_S} s; cleaning up\n`);
  void cleanup().then(() => process.exit(2));
}, DEADLINE_S * 1000);
deadline.unref();

// ---- file descriptors ---------------------------------------------------------------------

/** Every connection is one descriptor in the server and one in a client process. */
function descriptorLimits() {
  const [soft, hard] = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
  const parse = (value) => (value === 'unlimited' ? Infinity : Number(value));
  return { soft: parse(soft), hard: parse(hard) };
}

const FD_LIMITS = descriptorLimits();
const FD_NEEDED = AGENTS + 1024;
if (FD_LIMITS.hard < FD_NEEDED) {
  throw new Error(
    `${AGENTS} agents need about ${FD_NEEDED} open files in the server process, but the hard limit (ulimit -Hn) is ${FD_LIMITS.hard}. ` +
      'Raise it (e.g. `ulimit -Hn 65536` as root, or LimitNOFILE= for a service) or run fewer AGENTS.',
  );
}
/** Children are started through `sh -c 'ulimit -n N; exec …'` so their soft limit fits the load. */
const CHILD_NOFILE = FD_LIMITS.hard === Infinity ? Math.max(FD_NEEDED, 65_536) : FD_LIMITS.hard;

function spawnWithLimit(command, args, options) {
  return spawn('sh', ['-c', `ulimit -n ${CHILD_NOFILE} && exec "$0" "$@"`, command, ...args], options);
}

// ---- processes -----------------------------------------------------------------------------

/**
 * The kernel's memory-management threads (DAMON's kdamond, kswapd, kcompactd), by pid and name.
 * On this project's machines kdamond samples physical memory every 0.5 s (a paddr context with
 * a pageout scheme): in the eleventh session 71–100 % of the acknowledgements over 25 ms came
 * in the 100 ms step where it ran or the next (docs/performance.md).
 */
function kernelMemoryThreads() {
  return [...allProcesses()].filter(([, { comm }]) => /^(kdamond|kswapd|kcompactd)/.test(comm)).map(([pid, { comm }]) => ({ pid, comm }));
}

/** CPU time (ns) a task has run, from /proc/<pid>/schedstat; 0 when it is gone. */
function runNanoseconds(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

/**
 * Per 100 ms from now until `stop()`: the CPU time of a process's main thread and of its other
 * threads (V8's garbage-collection and compiler helpers, libuv's pool), how long its main
 * thread waited for a CPU while runnable (Linux: /proc/<pid>/task/<tid>/schedstat), and the CPU
 * time of the kernel's memory threads (`kernelMemoryThreads`), in ms; each sample with the ms
 * since the start at which it ended (`atMs`).
 */
function threadSampler(pid, kernelThreads = []) {
  const startedAt = performance.now();
  const kernelNow = () => kernelThreads.reduce((sum, thread) => sum + runNanoseconds(thread.pid), 0);
  const read = () => {
    const sums = { main: 0, mainWait: 0, others: 0, kernel: kernelNow() };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        if (Number(tid) === pid) {
          sums.main = cpu;
          sums.mainWait = wait;
        } else sums.others += cpu;
      } catch {
        // the thread ended between listing and reading
      }
    }
    return sums;
  };
  const samples = [];
  let last = read();
  const timer = setInterval(() => {
    try {
      const now = read();
      samples.push({
        atMs: performance.now() - startedAt,
        mainMs: (now.main - last.main) / 1e6,
        helpersMs: Math.max(0, now.others - last.others) / 1e6,
        mainWaitMs: (now.mainWait - last.mainWait) / 1e6,
        kernelMs: Math.max(0, now.kernel - last.kernel) / 1e6,
      });
      last = now;
    } catch {
      clearInterval(timer); // the process is gone
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

/**
 * The five 100 ms steps of the window with the most acknowledgements over 25 ms, over all client
 * processes; with the server's threads (`threadSampler`) over the 0.4 s up to each step.
 */
function slowestMoments(timelines, threads = []) {
  const steps = [];
  for (const timeline of timelines) {
    timeline.forEach((bucket, i) => {
      const step = (steps[i] ??= { at: i / 10, over25Ms: 0, maxMs: 0 });
      step.over25Ms += bucket.over25Ms;
      step.maxMs = Math.max(step.maxMs, bucket.maxMs);
    });
  }
  const worst = steps.filter((step) => step && step.over25Ms > 0).sort((a, b) => b.over25Ms - a.over25Ms).slice(0, 5);
  const total = steps.reduce((sum, step) => sum + (step?.over25Ms ?? 0), 0);
  const around = (step) => {
    const i = Math.round(step.at * 10);
    const near = threads.slice(Math.max(0, i - 3), i + 1);
    if (near.length === 0) return '';
    const sum = (field) => near.reduce((total, sample) => total + sample[field], 0).toFixed(0);
    return ` (0.4 s before: main thread ${sum('mainMs')} ms CPU, waited ${sum('mainWaitMs')} ms for a CPU; other threads ${sum('helpersMs')} ms CPU)`;
  };
  return `${total} in all; ${worst.map((step) => `${step.at.toFixed(1)} s: ${step.over25Ms} / ${step.maxMs.toFixed(0)}${around(step)}`).join(', ') || 'none'}`;
}

/**
 * The acknowledgements of the 100 ms steps in which the kernel's memory threads ran (at least
 * 1 ms of CPU in the step's sample) or of the step after, against all the others:
 * how many, how many over 25 ms, and the p99 of each part. A diagnosis printed beside the
 * targets, which are judged on every acknowledgement.
 */
function kernelThreadSplit(stats, threads) {
  // A sample ends a few ms into the step after the one it covers.
  const stepOf = (sample) => Math.floor(sample.atMs / TIMELINE_STEP_MS) - 1;
  const affected = new Set();
  for (const sample of threads) {
    if (sample.kernelMs < 1) continue;
    affected.add(stepOf(sample));
    affected.add(stepOf(sample) + 1);
  }
  const during = [];
  const elsewhere = [];
  for (const s of stats) {
    s.latencies.forEach((latency, i) => (affected.has(s.latencySteps[i]) ? during : elsewhere).push(latency));
  }
  const part = (values) => {
    const sorted = Float64Array.from(values).sort();
    return { acks: values.length, over25Ms: values.filter((value) => value > 25).length, p99: percentile(sorted, 0.99) };
  };
  const steps = Math.ceil((threads.at(-1)?.atMs ?? 0) / TIMELINE_STEP_MS);
  // The server's own threads per 100 ms while the kernel threads ran, and in the steps outside `affected`.
  const mean = (samples, field) => (samples.length ? samples.reduce((sum, sample) => sum + sample[field], 0) / samples.length : null);
  const ran = threads.filter((sample) => sample.kernelMs >= 1);
  const calm = threads.filter((sample) => !affected.has(stepOf(sample)));
  // Batches the clients sent in a step (all client processes), to tell more work from slower work.
  const sentIn = (step) => stats.reduce((sum, s) => sum + (s.timeline[step]?.sent ?? 0), 0);
  const server = (samples) => ({
    mainMs: mean(samples, 'mainMs'),
    mainWaitMs: mean(samples, 'mainWaitMs'),
    kernelMs: mean(samples, 'kernelMs'),
    sent: samples.length ? samples.reduce((sum, sample) => sum + sentIn(stepOf(sample)), 0) / samples.length : null,
  });
  return {
    steps,
    affectedSteps: [...affected].filter((step) => step < steps).length,
    during: part(during),
    elsewhere: part(elsewhere),
    serverWhileRunning: server(ran),
    serverElsewhere: server(calm),
  };
}

/** A child process whose output is kept (the last 64 KiB) and which is killed at cleanup. */
function startProcess(name, command, args, env, ipc = false) {
  const child = spawnWithLimit(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc'] : [])],
  });
  let output = '';
  let partial = '';
  const errors = { count: 0, first: [] };
  const append = (chunk) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-65_536);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!/"level":(50|60)/.test(line)) continue;
      errors.count += 1;
      if (errors.first.length < 3) errors.first.push(line);
    }
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  if (SERVER_LOG_DIR) {
    // Both streams into one file: neither ends it (the first to end would cut the other off), the child's close does.
    const logFile = createWriteStream(join(SERVER_LOG_DIR, `${name.replace(/\W+/g, '-')}-${child.pid}.log`));
    child.stdout.pipe(logFile, { end: false });
    child.stderr.pipe(logFile, { end: false });
    child.on('close', () => logFile.end());
  }
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const stop = async (signal = 'SIGTERM', graceMs = 10_000) => {
    if (done) return exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  onCleanup(() => stop('SIGKILL'));
  return {
    name,
    child,
    pid: child.pid,
    exited,
    output: () => output,
    errors,
    isRunning: () => !done,
    stop,
    async waitFor(pattern, timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const match = pattern.exec(output);
        if (match) return match;
        if (done) throw new Error(`${name} exited before printing ${pattern}:\n${output}`);
        await sleep(50);
      }
      throw new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
    },
  };
}

// ---- /proc ---------------------------------------------------------------------------------

/** CPU seconds (user + system, all threads) a process has used so far; null when it is gone. */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null; // the process ended (or never was): counted as nothing
  }
}

function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** Pids of processes with this command name (e.g. every PostgreSQL backend). */
function pidsNamed(name) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return pids;
}

/** CPU seconds of all processes named `name`, by pid (backends come and go; each is diffed on its own). */
function cpuByPid(name) {
  return new Map(pidsNamed(name).map((pid) => [pid, cpuSecondsOf(pid) ?? 0]));
}

function cpuDelta(before, after) {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Busy, stolen (by the hypervisor) and total jiffies of the whole machine (all CPUs). */
function machineTicks() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = values[3] + values[4];
  return { busy: total - idle, steal: values[7], total };
}

/** CPU seconds of every process, by pid, with its command name. */
function allProcesses() {
  const processes = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.set(Number(entry), { comm, cpu: (Number(fields[11]) + Number(fields[12])) / CLK_TCK });
    } catch {
      // ended while we looked
    }
  }
  return processes;
}

/**
 * CPU seconds each process used while it was watched (`watch` once a second): processes that
 * start and end inside the window (other people's test runs on a shared machine) count too.
 */
function processWatcher() {
  const seen = new Map();
  return {
    watch() {
      for (const [pid, { comm, cpu }] of allProcesses()) {
        const entry = seen.get(pid);
        if (entry) entry.last = cpu;
        else seen.set(pid, { comm, first: cpu, last: cpu });
      }
    },
    /** Processes outside the benchmark that used more than 2 % of a core, busiest first. */
    busyOthers(known, seconds) {
      return [...seen]
        .filter(([pid]) => !known.has(pid))
        .map(([pid, { comm, first, last }]) => ({ pid, comm, share: (last - first) / seconds }))
        .filter(({ share }) => share > 0.02)
        .sort((a, b) => b.share - a.share)
        .slice(0, 8)
        .map(({ pid, comm, share }) => `${comm} (pid ${pid}) ${(share * 100).toFixed(0)} %`);
    },
  };
}

// ---- database and Redis --------------------------------------------------------------------

async function redisPid() {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('server');
    return Number(/process_id:(\d+)/.exec(info)?.[1]) || null;
  } finally {
    redis.disconnect();
  }
}

// ---- servers -------------------------------------------------------------------------------

async function startCoordinator(seed) {
  const database = await createBenchDatabase(ADMIN_URL, onCleanup);
  const migrated = execFileSync(process.execPath, ['apps/coordinator/dist/cli/migrate.js'], { cwd: COORDINATOR_DIR, env: { PATH: process.env.PATH, DATABASE_URL: database.url }, encoding: 'utf8' });
  if (!/applied|up to date/.test(migrated)) throw new Error(`migrate printed: ${migrated}`);
  const seedStarted = Date.now();
  await seedAgents(database.url, seed, AGENTS);
  log(`  seeded ${AGENTS} donors and agents in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);
  const prefix = `bench${randomBytes(5).toString('hex')}`;
  onCleanup(() => deleteRedisPrefix(REDIS_URL, prefix));
  const work = mkdtempSync(join(tmpdir(), 'potluck-bench-'));
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const server = startProcess('coordinator', process.execPath, [...COORDINATOR_NODE_OPTIONS, join(COORDINATOR_DIR, 'apps/coordinator/dist/main.js')], {
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    REDIS_URL,
    POTLUCK_REDIS_PREFIX: prefix,
    POTLUCK_HOST: '127.0.0.1',
    POTLUCK_PORT: '0',
    POTLUCK_ARTIFACT_DIR: join(work, 'artifacts'),
    POTLUCK_TELEMETRY_INTERVAL_MS: String(INTERVAL_MS),
    POTLUCK_MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'warn',
    ...COORDINATOR_ENV,
  });
  const [, url] = await server.waitFor(/ready at (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
  return { ...server, url };
}

async function startBare() {
  const server = startProcess('bare socket.io', process.execPath, [...BARE_NODE_OPTIONS, join(HERE, 'fleet-telemetry-bare-server.mjs')], {});
  const [, url] = await server.waitFor(/ready at (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
  return { ...server, url };
}

// ---- clients -------------------------------------------------------------------------------

function startClients(url, seed) {
  const perProcess = Math.ceil(AGENTS / CLIENT_PROCESSES);
  const processes = [];
  for (let from = 0, i = 0; from < AGENTS; from += perProcess, i += 1) {
    const count = Math.min(perProcess, AGENTS - from);
    const options = {
      url, seed, from, count, intervalMs: INTERVAL_MS, jitterMs: JITTER_MS, ackTimeoutMs: ACK_TIMEOUT_MS, protocolVersion: PROTOCOL_VERSION,
      connectPerSecond: CONNECT_PER_SECOND / CLIENT_PROCESSES, maxPending: Math.max(1, Math.floor(MAX_PENDING / CLIENT_PROCESSES)),
      liveDashboards: i === 0 ? LIVE_DASHBOARDS : 0, liveEvent: LiveEvents.fleetChanges, clientKind: CLIENT_KIND,
    };
    const client = startProcess(`clients ${i}`, process.execPath, [...CLIENT_NODE_OPTIONS, join(HERE, 'fleet-telemetry-clients.mjs')], { BENCH_CLIENT_OPTIONS: JSON.stringify(options) }, true);
    client.count = count;
    client.latest = null;
    client.child.on('message', (message) => {
      if (message.type === 'progress') client.latest = message;
      else client.onReply?.(message);
    });
    processes.push(client);
  }
  const request = (type, reply) =>
    Promise.all(
      processes.map(
        (client) =>
          new Promise((resolve, reject) => {
            if (!client.isRunning()) return reject(new Error(`${client.name} exited:\n${client.output()}`));
            const timer = setTimeout(() => reject(new Error(`${client.name} did not answer ${type}:\n${client.output()}`)), 60_000);
            client.onReply = (message) => {
              if (message.type !== reply) return;
              clearTimeout(timer);
              client.onReply = null;
              resolve(message);
            };
            client.child.send({ type });
          }),
      ),
    );
  return {
    processes,
    send: (type) => {
      for (const client of processes) if (client.isRunning()) client.child.send({ type });
    },
    request,
    progress: () => {
      const sum = { connected: 0, ready: 0, connectErrors: 0, helloErrors: 0, opened: 0, agentsViewed: 0, firstErrors: [], disconnects: {}, rssBytes: 0 };
      for (const client of processes) {
        const latest = client.latest;
        if (!latest) continue;
        for (const key of ['connected', 'ready', 'connectErrors', 'helloErrors', 'opened', 'agentsViewed', 'rssBytes']) sum[key] += latest[key];
        sum.firstErrors.push(...latest.firstErrors);
        for (const [reason, n] of Object.entries(latest.disconnects)) sum.disconnects[reason] = (sum.disconnects[reason] ?? 0) + n;
      }
      return sum;
    },
    async stop() {
      await request('stop', 'stopped').catch(() => undefined);
      await Promise.all(processes.map((client) => client.stop('SIGKILL', 1000)));
    },
  };
}

// ---- one target ------------------------------------------------------------------------------

function log(line) {
  process.stderr.write(`${line}\n`);
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

/**
 * The hellos of the ramp make a backlog of whole views on the live feed (at most 200 a push),
 * which takes ~50 s to drain at 10,000 agents: a transient of the connection storm, not the
 * sustained load. The window starts once the dashboard received every agent's view, or after
 * LIVE_SETTLE_MAX_S more. Returns the seconds waited past the warm-up (null: nothing to wait for).
 */
async function waitForLiveFeed(target, clients, agents) {
  if (target !== 'coordinator' || LIVE_DASHBOARDS === 0 || LIVE_SETTLE_MAX_S === 0) return null;
  const started = Date.now();
  while (clients.progress().agentsViewed < agents && Date.now() - started < LIVE_SETTLE_MAX_S * 1000) await sleep(250);
  const waited = (Date.now() - started) / 1000;
  const viewed = clients.progress().agentsViewed;
  log(`  live feed ${viewed >= agents ? 'settled' : 'NOT settled'}: ${viewed}/${agents} agents' views received, ${waited.toFixed(1)} s after the warm-up`);
  return waited;
}

async function runTarget(target, seed) {
  log(`\n[${target}] starting`);
  const server = target === 'coordinator' ? await startCoordinator(seed) : await startBare();
  log(`  ${server.name} pid ${server.pid} at ${server.url}`);
  const clients = startClients(server.url, seed);
  const rampStarted = Date.now();
  clients.send('start');

  // Staggered start: wait until every agent said hello (or failed), with a deadline.
  const rampDeadline = rampStarted + (AGENTS / Math.min(CONNECT_PER_SECOND, 100) + 60) * 1000;
  let settled = clients.progress();
  let lastLog = 0;
  while (Date.now() < rampDeadline) {
    await sleep(250);
    if (!server.isRunning()) throw new Error(`${server.name} exited during the ramp:\n${server.output()}`);
    settled = clients.progress();
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`  ramp: ${settled.opened} opened, ${settled.ready} said hello, ${settled.connectErrors + settled.helloErrors} failed`);
    }
    if (settled.opened === AGENTS && settled.ready + settled.connectErrors + settled.helloErrors >= AGENTS) break;
  }
  const rampSeconds = (Date.now() - rampStarted) / 1000;
  log(`  ramp done in ${rampSeconds.toFixed(1)} s: ${settled.ready}/${AGENTS} ready${settled.firstErrors.length ? `; first errors: ${settled.firstErrors.join(' | ')}` : ''}`);
  if (settled.ready === 0) throw new Error(`no agent got through hello:\n${server.output()}`);

  log(`  warm-up ${WARMUP_S} s, then a ${DURATION_S} s window`);
  await sleep(WARMUP_S * 1000);
  const liveSettleSeconds = await waitForLiveFeed(target, clients, settled.ready);

  const redis = await redisPid();
  const before = {
    server: cpuSecondsOf(server.pid),
    clients: clients.processes.map((client) => cpuSecondsOf(client.pid) ?? 0),
    redis: redis ? cpuSecondsOf(redis) : null,
    postgres: cpuByPid('postgres'),
    machine: machineTicks(),
    at: performance.now(),
  };
  const watcher = processWatcher();
  watcher.watch();
  const windowStartedAtIso = new Date().toISOString();
  const kernelThreads = kernelMemoryThreads();
  const threads = threadSampler(server.pid, kernelThreads);
  clients.send('window-start');
  let peakRss = 0;
  const windowEnd = Date.now() + DURATION_S * 1000;
  while (Date.now() < windowEnd) {
    await sleep(Math.min(1000, windowEnd - Date.now()));
    if (!server.isRunning()) throw new Error(`${server.name} exited during the window:\n${server.output()}`);
    watcher.watch();
    const { rss } = memoryOf(server.pid);
    peakRss = Math.max(peakRss, rss);
  }
  const stats = await clients.request('window-end', 'stats');
  const serverThreads = threads.stop();
  const after = {
    server: cpuSecondsOf(server.pid),
    clients: clients.processes.map((client) => cpuSecondsOf(client.pid) ?? 0),
    redis: redis ? cpuSecondsOf(redis) : null,
    postgres: cpuByPid('postgres'),
    machine: machineTicks(),
    at: performance.now(),
  };
  watcher.watch();
  const memory = memoryOf(server.pid);

  const seconds = (after.at - before.at) / 1000;
  const latencies = Float64Array.from(stats.flatMap((s) => s.latencies)).sort();
  const acked = stats.reduce((sum, s) => sum + s.acked, 0);
  const sent = stats.reduce((sum, s) => sum + s.sent, 0);
  const timeouts = stats.reduce((sum, s) => sum + s.timeouts, 0);
  const ackErrors = {};
  for (const s of stats) for (const [code, n] of Object.entries(s.ackErrors)) ackErrors[code] = (ackErrors[code] ?? 0) + n;
  const serverCpu = after.server - before.server;
  const clientsCpu = after.clients.reduce((sum, value, i) => sum + value - before.clients[i], 0);
  const progress = clients.progress();

  await clients.stop();
  await server.stop('SIGTERM', 15_000);
  if (process.env.KEEP_SERVER_OUTPUT) {
    mkdirSync(KEEP_JSON, { recursive: true });
    writeFileSync(join(KEEP_JSON, `fleet-telemetry-${target}-output.txt`), server.output());
  }

  const result = {
    target,
    agents: AGENTS,
    ready: settled.ready,
    connectedAtEnd: progress.connected,
    disconnects: progress.disconnects,
    firstErrors: progress.firstErrors,
    rampSeconds,
    liveSettleSeconds,
    windowSeconds: seconds,
    sent,
    acked,
    timeouts,
    ackErrors,
    dashboards: stats[0]?.dashboards ?? null,
    windowStartedAt: windowStartedAtIso,
    /** Per client process, per 100 ms of the window: acknowledgements, the slowest (ms), and how many took over 25 ms. */
    latencyTimeline: stats.map((s) => s.timeline),
    /** Per 100 ms of the window: the server's main-thread CPU, its other threads' CPU, its main thread's wait for a CPU, and the kernel memory threads' CPU (ms). */
    serverThreadsTimeline: serverThreads,
    /** The kernel memory threads watched, and the acknowledgements in the steps where they ran (or the next) against the rest. */
    kernelMemoryThreads: { threads: kernelThreads.map(({ pid, comm }) => `${comm} (pid ${pid})`), ...kernelThreadSplit(stats, serverThreads) },
    messagesPerSecond: acked / seconds,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      p999: percentile(latencies, 0.999),
      max: latencies.length ? latencies[latencies.length - 1] : null,
    },
    serverCpuSeconds: serverCpu,
    serverCoreShare: serverCpu / seconds,
    serverCpuPerMessageUs: acked ? (serverCpu / acked) * 1e6 : null,
    serverRssMiB: memory.rss / 2 ** 20,
    serverPeakRssMiB: Math.max(peakRss, memory.rss) / 2 ** 20,
    serverHwmMiB: memory.hwm / 2 ** 20,
    clientsCoreShare: clientsCpu / seconds,
    clientsLoopDelayP99Ms: Math.max(...stats.map((s) => s.loopDelayP99Ms)),
    clientsLoopDelayMaxMs: Math.max(...stats.map((s) => s.loopDelayMaxMs)),
    clientsRssMiB: progress.rssBytes / 2 ** 20,
    redisCoreShare: before.redis !== null && after.redis !== null ? (after.redis - before.redis) / seconds : null,
    postgresCoreShare: cpuDelta(before.postgres, after.postgres) / seconds,
    machineBusyShare: (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total),
    machineStealShare: (after.machine.steal - before.machine.steal) / (after.machine.total - before.machine.total),
    busyOthers: watcher.busyOthers(new Set([server.pid, process.pid, ...clients.processes.map((client) => client.pid), ...(redis ? [redis] : []), ...after.postgres.keys()]), seconds),
    serverErrors: errorSummary(server.errors),
  };
  /** What the machine's other processes used (other work on a shared machine skews every number). */
  result.otherCoreShare =
    result.machineBusyShare * availableParallelism() - result.serverCoreShare - result.clientsCoreShare - (result.redisCoreShare ?? 0) - result.postgresCoreShare;
  log(`  ${result.acked} acks in ${seconds.toFixed(1)} s; server ${(result.serverCoreShare * 100).toFixed(1)} % of a core; p99 ${result.latencyMs.p99?.toFixed(2)} ms`);
  log(`  slowest moments (s into the window: acks over 25 ms / slowest ms): ${slowestMoments(result.latencyTimeline, result.serverThreadsTimeline)}`);
  return result;
}

/** `kernelThreadSplit` in words. */
function kernelThreadLine(split) {
  if (split.threads.length === 0) return 'kernel memory threads: none on this machine';
  const part = ({ acks, over25Ms, p99 }) => `${acks} acks, ${over25Ms} over 25 ms, p99 ${fixed(p99, 2)} ms`;
  const server = ({ mainMs, mainWaitMs, sent }) => `${fixed(mainMs)} ms CPU and ${fixed(mainWaitMs)} ms waiting for one, ${fixed(sent, 0)} batches sent`;
  return (
    `kernel memory threads (${split.threads.join(', ')}) ran in ${split.affectedSteps} of ${split.steps} steps of 100 ms (counting the step after): ` +
    `there ${part(split.during)}; elsewhere ${part(split.elsewhere)}. ` +
    `Server main thread per 100 ms while they ran (${fixed(split.serverWhileRunning.kernelMs)} ms of theirs): ${server(split.serverWhileRunning)}; elsewhere ${server(split.serverElsewhere)}`
  );
}

/** The coordinator logs JSON lines (pino): its errors, counted, with the first few messages. */
function errorSummary(errors) {
  return {
    count: errors.count,
    first: errors.first.map((line) => {
      try {
        const entry = JSON.parse(line);
        return `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`.slice(0, 300);
      } catch {
        return line.slice(0, 300);
      }
    }),
  };
}

// ---- report --------------------------------------------------------------------------------

function fixed(value, digits = 1) {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function printReport(results, seed) {
  const byTarget = Object.fromEntries(results.map((result) => [result.target, result]));
  const coordinator = byTarget.coordinator;
  const bare = byTarget.bare;
  const columns = results.map((result) => result.target);
  const rows = [
    ['agents ready / connected at end', (r) => `${r.ready} / ${r.connectedAtEnd}`],
    ['ramp / wait for the live feed after warm-up (s)', (r) => `${fixed(r.rampSeconds)} / ${r.liveSettleSeconds === null ? '—' : fixed(r.liveSettleSeconds)}`],
    ['window (s)', (r) => fixed(r.windowSeconds)],
    ['telemetry acks / s (sustained)', (r) => fixed(r.messagesPerSecond)],
    ['ack errors / timeouts', (r) => `${Object.values(r.ackErrors).reduce((a, b) => a + b, 0)} / ${r.timeouts}`],
    ['/live messages / views / sample updates / summaries', (r) => (r.dashboards ? `${r.dashboards.pushes} / ${r.dashboards.agents} / ${r.dashboards.sampled} / ${r.dashboards.summaries}` : '—')],
    ['ack latency p50 (ms)', (r) => fixed(r.latencyMs.p50, 2)],
    ['ack latency p90 (ms)', (r) => fixed(r.latencyMs.p90, 2)],
    ['ack latency p99 (ms)', (r) => fixed(r.latencyMs.p99, 2)],
    ['ack latency p99.9 (ms)', (r) => fixed(r.latencyMs.p999, 2)],
    ['ack latency max (ms)', (r) => fixed(r.latencyMs.max, 1)],
    ['server CPU (% of one core)', (r) => fixed(r.serverCoreShare * 100)],
    ['server CPU per message (µs)', (r) => fixed(r.serverCpuPerMessageUs)],
    ['server RSS at end / peak (MiB)', (r) => `${fixed(r.serverRssMiB, 0)} / ${fixed(r.serverPeakRssMiB, 0)}`],
    ['client processes CPU (% of one core)', (r) => fixed(r.clientsCoreShare * 100)],
    ['client event-loop delay p99 / max (ms)', (r) => `${fixed(r.clientsLoopDelayP99Ms)} / ${fixed(r.clientsLoopDelayMaxMs)}`],
    ['Redis CPU (% of one core)', (r) => fixed(r.redisCoreShare === null ? null : r.redisCoreShare * 100)],
    ['PostgreSQL CPU (% of one core)', (r) => fixed(r.postgresCoreShare * 100)],
    ['other processes CPU (% of one core)', (r) => fixed(r.otherCoreShare * 100)],
    [`machine busy (% of ${availableParallelism()} CPUs)`, (r) => fixed(r.machineBusyShare * 100)],
    ['  of which stolen by the hypervisor', (r) => fixed(r.machineStealShare * 100)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = [];
  lines.push('');
  lines.push(`fleet telemetry: ${AGENTS} agents, a batch every ${INTERVAL_MS} ms ± ${JITTER_MS} ms, ${DURATION_S} s window after ${WARMUP_S} s warm-up`);
  if (COORDINATOR_DIR !== ROOT) lines.push(`coordinator built in ${COORDINATOR_DIR}`);
  lines.push(`machine: ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${CLIENT_PROCESSES} client process(es) of ${CLIENT_KIND} sockets, ${LIVE_DASHBOARDS} /live dashboard(s); seed ${seed}`);
  lines.push('');
  lines.push(`${''.padEnd(width)}${columns.map((column) => column.padStart(16)).join('')}`);
  for (const [label, format] of rows) lines.push(`${label.padEnd(width)}${results.map((r) => format(r).padStart(16)).join('')}`);
  if (coordinator && bare) {
    const cpuRatio = coordinator.serverCpuPerMessageUs / bare.serverCpuPerMessageUs;
    const p99Ratio = coordinator.latencyMs.p99 / bare.latencyMs.p99;
    lines.push('');
    lines.push(`coordinator / bare: CPU per message ×${fixed(cpuRatio, 2)}, p99 ×${fixed(p99Ratio, 2)}, messages/s ×${fixed(coordinator.messagesPerSecond / bare.messagesPerSecond, 3)}`);
    lines.push('targets (issue 4):');
    const check = (ok) => (ok ? 'met' : 'MISSED');
    lines.push(`  p99 acknowledgement < 25 ms .............. ${fixed(coordinator.latencyMs.p99, 2)} ms: ${check(coordinator.latencyMs.p99 < 25)}`);
    lines.push(`  CPU per batch ≤ 2.5 × bare per message .... ×${fixed(cpuRatio, 2)}: ${check(cpuRatio <= 2.5)}`);
    lines.push(`  RSS < 600 MB .............................. ${fixed((coordinator.serverPeakRssMiB * 2 ** 20) / 1e6, 0)} MB peak: ${check(coordinator.serverPeakRssMiB * 2 ** 20 < 600e6)}`);
    const complete = coordinator.ready === AGENTS && coordinator.timeouts === 0 && Object.keys(coordinator.ackErrors).length === 0;
    lines.push(`  every agent connected, no errors .......... ${check(complete)}`);
  }
  for (const result of results) {
    if (Object.keys(result.disconnects).length > 0) lines.push(`${result.target}: disconnects ${JSON.stringify(result.disconnects)}`);
    if (result.firstErrors.length > 0) lines.push(`${result.target}: first errors ${result.firstErrors.join(' | ')}`);
    if (result.serverErrors.count > 0) lines.push(`${result.target}: ${result.serverErrors.count} error lines logged, e.g. ${result.serverErrors.first.join(' | ')}`);
    if (result.busyOthers.length > 0) lines.push(`${result.target}: other busy processes during the window: ${result.busyOthers.join(', ')}`);
    lines.push(`${result.target}: ${kernelThreadLine(result.kernelMemoryThreads)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---- main ----------------------------------------------------------------------------------

async function main() {
  const seed = randomBytes(8).toString('hex');
  log(`fleet telemetry benchmark: ${AGENTS} agents, targets ${TARGETS.join(', ')}; file descriptors: soft ${FD_LIMITS.soft}, hard ${FD_LIMITS.hard} (children get ${CHILD_NOFILE}); deadline ${DEADLINE_S} s`);
  const results = [];
  for (const target of TARGETS) results.push(await runTarget(target, seed));
  printReport(results, seed);
  mkdirSync(KEEP_JSON, { recursive: true });
  const file = join(KEEP_JSON, `fleet-telemetry-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ agents: AGENTS, durationS: DURATION_S, warmupS: WARMUP_S, intervalMs: INTERVAL_MS, jitterMs: JITTER_MS, clientProcesses: CLIENT_PROCESSES, clientKind: CLIENT_KIND, liveDashboards: LIVE_DASHBOARDS, cpus: availableParallelism(), node: process.version, results }, null, 2)}\n`);
  log(`raw results: ${file}`);
}

try {
  await main();
  await cleanup();
  process.exit(0);
} catch (error) {
  process.stderr.write(`fleet-telemetry failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await cleanup();
  process.exit(1);
}
