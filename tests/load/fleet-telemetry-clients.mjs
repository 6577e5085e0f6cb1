#!/usr/bin/env node
/**
 * Simulated agents for the fleet telemetry benchmark: lightweight socket.io connections
 * (websocket transport, one engine.io connection each) that say hello and then send a
 * telemetry batch every interval with jitter, timing each acknowledgement. `clientKind`
 * 'thin' (the default) speaks the protocol over `ws` (thin-socketio-client.mjs);
 * 'socket.io-client' uses the library, as the benchmark did before the tenth session.
 * The /live dashboards always use socket.io-client.
 *
 * Started by tests/load/fleet-telemetry.mjs with `fork` (IPC channel); never on its own.
 * Parent → child messages: {type:'start'}, {type:'window-start'}, {type:'window-end'}, {type:'stop'}.
 * Child → parent: {type:'progress'|'stats'|'stopped', ...}.
 *
 * Agent i's token is derived from the run's seed (`tokenOf`), so the parent can seed the
 * database with its hash without sending ten thousand secrets over the channel.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { agentOf, tokenOf } from './fleet-telemetry-agents.mjs';
import { connectThin } from './thin-socketio-client.mjs';

const options = JSON.parse(process.env.BENCH_CLIENT_OPTIONS ?? '{}');
const { url, seed, from, count, connectPerSecond, maxPending, intervalMs, jitterMs, ackTimeoutMs, protocolVersion, liveDashboards, liveEvent } = options;
const clientKind = options.clientKind ?? 'thin';

const sockets = [];
let connected = 0;
let ready = 0;
let connectErrors = 0;
let helloErrors = 0;
const firstErrors = [];
const disconnects = new Map();
/** Connections opened so far, and those still waiting for their hello acknowledgement or a refusal. */
let next = 0;
let inFlight = 0;

let windowOpen = false;
let windowStartedAt = 0;
let latencies = new Float64Array(1 << 16);
/** The timeline step of each latency in `latencies` (when its acknowledgement came). */
let latencySteps = new Uint32Array(1 << 16);
let latencyCount = 0;
let sent = 0;
let acked = 0;
let timeouts = 0;
let ackErrors = new Map();
let cpuAtWindowStart = process.cpuUsage();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function remember(message) {
  if (firstErrors.length < 5) firstErrors.push(message);
}

/**
 * Per 100 ms of the window: batches sent (by when they were sent), and by when the
 * acknowledgement came: acknowledgements, the slowest, and how many took over 25 ms.
 */
const TIMELINE_STEP_MS = 100;
let timeline = [];

function timelineStep(now) {
  const step = Math.floor((now - windowStartedAt) / TIMELINE_STEP_MS);
  return { step, bucket: (timeline[step] ??= { sent: 0, acks: 0, maxMs: 0, over25Ms: 0 }) };
}

function record(latency) {
  const { step, bucket } = timelineStep(performance.now());
  bucket.acks += 1;
  bucket.maxMs = Math.max(bucket.maxMs, latency);
  if (latency > 25) bucket.over25Ms += 1;
  if (latencyCount === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
    const grownSteps = new Uint32Array(latencySteps.length * 2);
    grownSteps.set(latencySteps);
    latencySteps = grownSteps;
  }
  latencySteps[latencyCount] = step;
  latencies[latencyCount++] = latency;
}

/**
 * Every agent's next batch is due in one slot of a ring of milliseconds, driven by a single
 * 1 ms interval. A setTimeout per agent per batch kept 10,000 timers (each in a list of its
 * own, the delays being fractional), each living ~5 s, so every young collection of this
 * process promoted them, and the client's own pauses count against every target. Measured
 * (docs/performance.md, ninth session): a synthetic client of 10,000 raw sockets, young
 * collections p50 4.4 → 1.5 ms; this client, event-loop delay p99 17–18 → 15–16 ms and max
 * 59–193 → 30–38 ms. Slots are reused, so the ring allocates nothing per batch; a batch is
 * sent within a millisecond of when it is due, as with timers.
 */
const RING_SIZE = 2 ** Math.ceil(Math.log2(intervalMs + jitterMs + 2));
const ring = Array.from({ length: RING_SIZE }, () => []);
let ringNextMs = 0;
let ringTimer = null;

function schedule(fn, ms) {
  if (!ringTimer) {
    ringNextMs = Math.floor(performance.now());
    ringTimer = setInterval(runDue, 1);
  }
  const due = Math.max(ringNextMs, Math.floor(performance.now() + ms));
  ring[due & (RING_SIZE - 1)].push(fn);
}

function runDue() {
  const now = Math.floor(performance.now());
  for (; ringNextMs <= now; ringNextMs += 1) {
    const slot = ring[ringNextMs & (RING_SIZE - 1)];
    for (let i = 0; i < slot.length; i += 1) slot[i]();
    slot.length = 0;
  }
}

function startTelemetry(socket, agent) {
  const tick = () => {
    if (!socket.connected) return;
    const counted = windowOpen;
    const startedAt = performance.now();
    if (counted) {
      sent += 1;
      timelineStep(startedAt).bucket.sent += 1;
    }
    socket.emitWithAck('telemetry', agent.batch(), ackTimeoutMs, (error, ack) => {
      if (!counted || !windowOpen) return;
      if (error) {
        timeouts += 1;
        return;
      }
      if (ack?.ok) {
        acked += 1;
        record(performance.now() - startedAt);
      } else {
        const code = ack?.error?.code ?? 'MALFORMED_ACK';
        ackErrors.set(code, (ackErrors.get(code) ?? 0) + 1);
        remember(`telemetry ack: ${JSON.stringify(ack)}`);
      }
    });
    schedule(tick, intervalMs + (Math.random() * 2 - 1) * jitterMs);
  };
  schedule(tick, Math.random() * intervalMs);
}

/** The thin sockets' acknowledgement deadlines are checked by one sweep, not a timer each. */
const thinSockets = [];
const expiryTimer = setInterval(() => {
  const now = performance.now();
  for (const socket of thinSockets) socket.expire(now);
}, 250);

/** An agent's connection, the same for both kinds: `connected`, `emitWithAck(event, payload, timeoutMs, callback)`, `close()`. */
function connectAgent(token, handlers) {
  if (clientKind === 'thin') {
    const socket = connectThin(url, '/agents', { token }, handlers);
    thinSockets.push(socket);
    return socket;
  }
  const socket = io(`${url}/agents`, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60_000, auth: { token } });
  socket.on('connect', () => handlers.onConnect());
  socket.on('connect_error', (error) => handlers.onConnectError(error.message));
  socket.on('disconnect', (reason) => handlers.onDisconnect(reason));
  return {
    get connected() {
      return socket.connected;
    },
    emitWithAck: (event, payload, timeoutMs, callback) => socket.timeout(timeoutMs).emit(event, payload, callback),
    close: () => socket.disconnect(),
  };
}

function open(index) {
  const agent = agentOf(index, protocolVersion);
  let pending = true;
  const settle = () => {
    if (pending) {
      pending = false;
      inFlight -= 1;
    }
  };
  const socket = connectAgent(tokenOf(seed, index), {
    onConnect: () => {
      connected += 1;
      socket.emitWithAck('hello', agent.hello, ackTimeoutMs * 6, (error, ack) => {
        settle();
        if (error || !ack?.ok) {
          helloErrors += 1;
          remember(`hello: ${error ? error.message : JSON.stringify(ack)}`);
          return;
        }
        ready += 1;
        startTelemetry(socket, agent);
      });
    },
    onConnectError: (message) => {
      settle();
      connectErrors += 1;
      remember(`connect_error: ${message}`);
    },
    onDisconnect: (reason) => {
      settle();
      connected -= 1;
      disconnects.set(reason, (disconnects.get(reason) ?? 0) + 1);
    },
  });
  sockets.push(socket);
}

function ramp() {
  const startedAt = performance.now();
  const interval = setInterval(() => {
    const due = Math.min(count, Math.floor(((performance.now() - startedAt) / 1000) * connectPerSecond) + 1);
    while (next < due && inFlight < maxPending) {
      inFlight += 1;
      open(from + next);
      next += 1;
    }
    if (next >= count) clearInterval(interval);
  }, 10);
}

/** Dashboards on the public /live namespace: they receive the coordinator's throttled fleet pushes. */
const dashboards = { pushes: 0, agents: 0, sampled: 0, summaries: 0, connected: 0 };
/** Agents whose whole view any dashboard received, window or not: the orchestrator waits for every hello's view before the window. */
const agentsViewed = new Set();

function openDashboards() {
  for (let i = 0; i < (liveDashboards ?? 0); i += 1) {
    const socket = io(`${url}/live`, { transports: ['websocket'], forceNew: true, reconnection: false });
    sockets.push({ close: () => socket.disconnect() });
    socket.on('connect', () => {
      dashboards.connected += 1;
    });
    socket.on('disconnect', () => {
      dashboards.connected -= 1;
    });
    socket.on(liveEvent, (changes) => {
      if (Array.isArray(changes?.agents)) for (const agent of changes.agents) agentsViewed.add(agent?.id);
      if (!windowOpen) return;
      dashboards.pushes += 1;
      dashboards.agents += Array.isArray(changes?.agents) ? changes.agents.length : 0;
      dashboards.sampled += Array.isArray(changes?.samples) ? changes.samples.length : 0;
      if (changes?.summary) dashboards.summaries += 1;
    });
  }
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

function progress() {
  return {
    type: 'progress', connected, ready, connectErrors, helloErrors, opened: next, agentsViewed: agentsViewed.size,
    disconnects: Object.fromEntries(disconnects), firstErrors, rssBytes: process.memoryUsage().rss,
  };
}

const progressTimer = setInterval(() => process.send?.(progress()), 1000);

process.on('message', (message) => {
  switch (message.type) {
    case 'start':
      openDashboards();
      ramp();
      break;
    case 'window-start':
      windowOpen = true;
      windowStartedAt = performance.now();
      latencyCount = 0;
      timeline = [];
      sent = 0;
      acked = 0;
      timeouts = 0;
      ackErrors = new Map();
      Object.assign(dashboards, { pushes: 0, agents: 0, sampled: 0, summaries: 0 });
      loopDelay.reset();
      cpuAtWindowStart = process.cpuUsage();
      break;
    case 'window-end': {
      const seconds = (performance.now() - windowStartedAt) / 1000;
      windowOpen = false;
      const cpu = process.cpuUsage(cpuAtWindowStart);
      const values = Array.from(latencies.subarray(0, latencyCount), (value) => Math.round(value * 1000) / 1000);
      const sorted = latencies.slice(0, latencyCount).sort();
      process.send?.({
        ...progress(),
        type: 'stats',
        seconds,
        sent,
        acked,
        timeouts,
        ackErrors: Object.fromEntries(ackErrors),
        dashboards: { ...dashboards },
        latencies: values,
        latencySteps: Array.from(latencySteps.subarray(0, latencyCount)),
        timeline: Array.from(timeline, (bucket) => bucket ?? { sent: 0, acks: 0, maxMs: 0, over25Ms: 0 }),
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
      });
      break;
    }
    case 'stop':
      clearInterval(progressTimer);
      if (ringTimer) clearInterval(ringTimer);
      clearInterval(expiryTimer);
      for (const socket of sockets) socket.close();
      process.send?.({ type: 'stopped' }, () => process.exit(0));
      break;
    default:
      break;
  }
});

process.on('disconnect', () => process.exit(0)); // the parent went away: never linger
