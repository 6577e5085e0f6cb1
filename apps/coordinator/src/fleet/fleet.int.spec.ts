import { readFileSync } from 'node:fs';
import { parseNvidiaSmi } from '@potluck/nvidia-smi';
import {
  AGENTS_NAMESPACE,
  AgentEvents,
  LIVE_NAMESPACE,
  LiveEvents,
  PROTOCOL_VERSION,
  type AgentAck,
  type ControlCommand,
  FleetChangesSchema,
  type FleetChanges,
  type FleetPage,
  type GpuInventory,
  type Hello,
  type TelemetrySample,
} from '@potluck/protocol';
import type { PotluckClient } from '@potluck/sdk';
import { io, type Socket } from 'socket.io-client';
import type { Namespace } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisService } from '../redis/redis.service.js';
import { AgentsGateway } from '../agent-gateway/agents.gateway.js';
import { startSecondApp, startTestApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';
import { FleetService } from './fleet.service.js';
import { HISTORY_MINUTES_LIMIT, TelemetryService } from './telemetry.service.js';

const FIXTURES = new URL('../../../../../shared/fixtures/nvidia-smi/', import.meta.url);

function inventoryOf(file: string): GpuInventory {
  const result = parseNvidiaSmi(readFileSync(new URL(file, FIXTURES), 'utf8'));
  if (!result.ok) throw new Error(`fixture ${file} did not parse: ${result.error.message}`);
  return result.inventory;
}

let t: TestApp;
const sockets: Socket[] = [];
/** Past the roll-up's wait for a silent GPU's last minute (half the raw history's span: 720 samples × 5 s / 2 here). */
const SILENT_CLOSED = 31 * 60_000;

beforeAll(async () => {
  t = await startTestApp({ POTLUCK_LIVE_THROTTLE_MS: '100', POTLUCK_SOCKET_MESSAGES_PER_SECOND: '50', POTLUCK_AGENT_UNHEALTHY_AFTER_MS: '2000' });
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});
afterAll(async () => {
  expect(await t.serverErrors()).toBe(0);
  await t.close();
});

function connect(namespace: string, auth: Record<string, unknown> = {}): Socket {
  const socket = io(`${t.baseUrl}${namespace}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

async function donorWithAgent(): Promise<{ donor: PotluckClient; agentId: string; token: string }> {
  const signup = await t.anonymous.signup({ handle: uniqueId('donor-'), displayName: 'Donor', roles: ['DONOR'] });
  const donor = t.anonymous.withApiKey(signup.secret);
  const created = await donor.agents.create({ name: uniqueId('rig-') });
  return { donor, agentId: created.agent.id, token: created.token };
}

function hello(inventory: GpuInventory, overrides: Partial<Hello> = {}): Hello {
  return {
    agentVersion: 'test',
    runId: uniqueId('run-'),
    protocolVersions: [PROTOCOL_VERSION],
    host: { hostname: 'test-host', os: 'linux', arch: 'x64' },
    simulated: true,
    inventory,
    runtimes: ['builtin'],
    policy: { schedule: [], maxTemperatureC: null, maxPowerW: null, yieldToOtherProcesses: true, yieldCooldownSeconds: 60, runtimes: ['builtin'] },
    mode: 'active',
    gpus: inventory.gpus.map((gpu) => ({ index: gpu.index, deviceId: gpu.uuid ?? `gpu-${gpu.index}`, availability: 'available' as const, reason: '', until: null })),
    ...overrides,
  };
}

function sample(gpuUuid: string, at: number, powerDrawW = 200): TelemetrySample {
  return { gpuUuid, at, utilizationGpuPct: 90, utilizationMemoryPct: 40, memoryUsedMiB: 8000, memoryTotalMiB: 24000, temperatureC: 70, powerDrawW, powerLimitW: 350, clocksSmMHz: 1800, fanSpeedPct: 60, pstate: 'P2' };
}

async function fleet(client: PotluckClient = t.anonymous): Promise<FleetPage> {
  return client.fleet.list({ limit: 1000 });
}

async function agentInFleet(agentId: string, client?: PotluckClient) {
  return (await fleet(client)).agents.find((agent) => agent.id === agentId);
}

describe('the /agents namespace', () => {
  it('does not let a hello whose connection closed halfway replace the live connection', async () => {
    const { agentId, token } = await donorWithAgent();
    const inventory = inventoryOf('xml/telegraf__tesla-t4.xml');
    const live = connect(AGENTS_NAMESPACE, { token });
    await connected(live);
    expect(await live.emitWithAck(AgentEvents.hello, hello(inventory))).toMatchObject({ ok: true });
    // The gateway's handling of each hello, to wait for the second one's end (its methods are private to it; a test may look).
    const gateway = t.app.get<AgentsGateway, { namespace: Namespace; hello: (socket: unknown, payload: unknown) => Promise<unknown> }>(AgentsGateway);
    const helloOf = gateway.hello.bind(gateway);
    const handled: Promise<unknown>[] = [];
    gateway.hello = (socket, payload) => {
      const outcome = helloOf(socket, payload);
      handled.push(outcome);
      return outcome;
    };

    try {
      const gone = connect(AGENTS_NAMESPACE, { token });
      await connected(gone);
      // Hold the agent's row so that the second hello stops halfway (registering its GPUs), and close its connection there.
      await t.prisma.$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT 1 FROM "Agent" WHERE id = ${agentId}::uuid FOR UPDATE`;
          gone.emit(AgentEvents.hello, hello(inventory, { host: { hostname: 'gone-host', os: 'linux', arch: 'x64' } }), () => undefined);
          const waiting = async () =>
            (await t.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%"Agent"%'`)[0]?.n;
          await expect.poll(waiting, { timeout: 10_000, interval: 20 }).toBe(1);
          const goneId = gone.id;
          gone.disconnect();
          // The coordinator has seen it close.
          await expect.poll(() => gateway.namespace.sockets.has(goneId ?? ''), { timeout: 10_000, interval: 10 }).toBe(false);
        },
        { timeout: 20_000 },
      );
      // The second hello is through once the row is free: it registered the GPUs (the hostname shows it), then found its connection closed.
      expect(handled).toHaveLength(1);
      await handled[0];
      expect((await t.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).hostname).toBe('gone-host');
      // It used to take the presence and disconnect the live connection (the gateway drops such a socket at once).
      expect(gateway.namespace.sockets.has(live.id ?? '')).toBe(true);
      const redis = t.app.get(RedisService);
      expect(await redis.client.hget(redis.key('agent', `{${agentId}}`, 'presence'), 'socketId')).toBe(live.id);
      expect((await agentInFleet(agentId))?.status).toBe('online');
    } finally {
      gateway.hello = helloOf;
    }
  });

  it('refuses a connection without a valid token before it reaches the gateway', async () => {
    for (const auth of [{}, { token: 'pat_nope' }, { token: `pat_${'A'.repeat(43)}` }]) {
      const socket = connect(AGENTS_NAMESPACE, auth);
      const error = await connected(socket).then(() => null, (e: Error & { data?: { code?: string } }) => e);
      expect(error?.data?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('registers an agent on hello, stores telemetry, and shows it in the fleet', async () => {
    const { agentId, token, donor } = await donorWithAgent();
    const inventory = inventoryOf('xml/telegraf__dual_2080-v13.xml');
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    const message = hello(inventory);
    const ack = (await socket.emitWithAck(AgentEvents.hello, message)) as AgentAck<{ agentId: string; protocolVersion: number }>;
    expect(ack).toMatchObject({ ok: true, result: { agentId, protocolVersion: PROTOCOL_VERSION } });

    const gpuUuid = inventory.gpus[0]?.uuid ?? '';
    const now = Date.now();
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples: [sample(gpuUuid, now)] })).toEqual({ ok: true, result: { accepted: 1, duplicate: false } });
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples: [sample(gpuUuid, now)] })).toEqual({ ok: true, result: { accepted: 0, duplicate: true } });

    const view = await agentInFleet(agentId);
    expect(view?.status).toBe('online');
    expect(view?.simulated).toBe(true);
    expect(view?.gpus).toHaveLength(2);
    expect(view?.gpus[0]?.latest?.powerDrawW).toBe(200);
    expect(view?.gpus[0]?.computeCapability).toBe('7.5');
    expect(view?.hostname).toBeNull();
    expect((await agentInFleet(agentId, donor))?.hostname).toBe('test-host');
    const recorded = await t.prisma.gpu.findMany({ where: { agentId }, orderBy: { gpuIndex: 'asc' } });
    expect(recorded.map((gpu) => [gpu.gpuIndex, gpu.name, gpu.memoryTotalMiB, gpu.computeCapability, gpu.migProfile, gpu.driverVersion])).toEqual(
      inventory.gpus.map((gpu) => [gpu.index, gpu.name, gpu.memoryTotalMiB, '7.5', null, inventory.driverVersion]),
    );
    const agentRow = await t.prisma.agent.findUniqueOrThrow({ where: { id: agentId } });
    expect([agentRow.hostname, agentRow.agentVersion, agentRow.protocolVersion, agentRow.simulated]).toEqual(['test-host', message.agentVersion, PROTOCOL_VERSION, true]);
    expect(agentRow.lastSeenAt?.getTime()).toBe(recorded[0]?.lastSeenAt.getTime());
    // A second hello updates the same rows.
    await socket.emitWithAck(AgentEvents.hello, hello(inventory));
    const again = await t.prisma.gpu.findMany({ where: { agentId }, orderBy: { gpuIndex: 'asc' } });
    expect(again.map((gpu) => gpu.id)).toEqual(recorded.map((gpu) => gpu.id));
    expect(again[0]?.lastSeenAt.getTime()).toBeGreaterThanOrEqual(recorded[0]?.lastSeenAt.getTime() ?? Infinity);
  });

  it('answers a malformed or foreign message with a typed error, stores nothing, and keeps the socket', async () => {
    const { agentId, token } = await donorWithAgent();
    const inventory = inventoryOf('xml/telegraf__rtx-3090-v12.xml');
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples: [] })).toMatchObject({ ok: false, error: { code: 'HELLO_REQUIRED' } });
    expect(await socket.emitWithAck(AgentEvents.hello, { hello: 'there' })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    await socket.emitWithAck(AgentEvents.hello, hello(inventory));
    const gpuUuid = inventory.gpus[0]?.uuid ?? '';

    const bad = (await socket.emitWithAck(AgentEvents.telemetry, { seq: 1, samples: [{ ...sample(gpuUuid, Date.now()), temperatureC: 'hot' }] })) as AgentAck<unknown>;
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(!bad.ok && bad.error.issues?.[0]?.path).toBe('samples.0.temperatureC');
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 2, samples: [sample('GPU-someone-else', Date.now())] })).toMatchObject({ ok: false, error: { code: 'NOT_YOURS' } });
    expect(await socket.emitWithAck(AgentEvents.telemetry, 'garbage')).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect((await agentInFleet(agentId))?.gpus[0]?.latest).toBeNull();
    expect(socket.connected).toBe(true);
  });

  it('stores telemetry after Redis lost its scripts (EVALSHA falls back to EVAL)', async () => {
    const { token } = await donorWithAgent();
    const inventory = inventoryOf('xml/telegraf__rtx-3090-v12.xml');
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    await socket.emitWithAck(AgentEvents.hello, hello(inventory));
    await t.app.get(RedisService).client.script('FLUSH');
    const samples = [sample(inventory.gpus[0]?.uuid ?? '', Date.now())];
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples })).toEqual({ ok: true, result: { accepted: 1, duplicate: false } });
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples })).toEqual({ ok: true, result: { accepted: 0, duplicate: true } });
  });

  it('refuses an agent that speaks no common protocol version', async () => {
    const { token } = await donorWithAgent();
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    const ack = await socket.emitWithAck(AgentEvents.hello, hello(inventoryOf('xml/telegraf__gt-1030.xml'), { protocolVersions: [999] }));
    expect(ack).toMatchObject({ ok: false, error: { code: 'PROTOCOL_UNSUPPORTED' } });
  });

  it('records the protocol version it negotiated, not the highest the agent offered', async () => {
    const { agentId, token } = await donorWithAgent();
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    const ack = await socket.emitWithAck(AgentEvents.hello, hello(inventoryOf('xml/telegraf__tesla-t4.xml'), { protocolVersions: [PROTOCOL_VERSION, 999] }));
    expect(ack).toMatchObject({ ok: true, result: { protocolVersion: PROTOCOL_VERSION } });
    expect((await t.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).protocolVersion).toBe(PROTOCOL_VERSION);
  });

  it('rate-limits a flooding socket with typed errors', async () => {
    const { token } = await donorWithAgent();
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    const acks = (await Promise.all(Array.from({ length: 120 }, () => socket.emitWithAck(AgentEvents.state, {})))) as AgentAck<unknown>[];
    expect(acks.some((ack) => !ack.ok && ack.error.code === 'RATE_LIMITED')).toBe(true);
  });

  it('closes a socket that floods messages without acknowledgement callbacks too', async () => {
    const { token } = await donorWithAgent();
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    for (let i = 0; i < 400; i += 1) socket.emit(AgentEvents.state, {});
    expect(await closed).toBe('io server disconnect');
  });

  it('shows pause reasons, delivers remote control, and turns a lost agent offline', async () => {
    const { agentId, token, donor } = await donorWithAgent();
    const inventory = inventoryOf('xml/telegraf__dual_2070-v13.xml');
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    await socket.emitWithAck(AgentEvents.hello, hello(inventory));
    const received: ControlCommand[] = [];
    socket.on(AgentEvents.control, (command: ControlCommand, ack: (r: unknown) => void) => {
      received.push(command);
      ack(command.reason === 'refused' ? { ok: false, error: { code: 'INVALID_PAYLOAD', message: 'no such GPU' } } : { ok: true, result: {} });
    });

    const gpus = inventory.gpus.map((gpu) => ({ index: gpu.index, deviceId: gpu.uuid ?? '', availability: gpu.index === 1 ? ('paused' as const) : ('available' as const), reason: gpu.index === 1 ? 'paused by donor for 2h' : '', until: null }));
    expect(await socket.emitWithAck(AgentEvents.state, { at: Date.now(), mode: 'active', reason: 'GPU 1 paused', gpus })).toEqual({ ok: true, result: { recorded: true } });
    const view = await agentInFleet(agentId);
    expect(view?.gpus[1]).toMatchObject({ availability: 'paused', reason: 'paused by donor for 2h' });

    const result = await donor.agents.control(agentId, { command: 'pause', gpuIndex: 0, reason: 'from the dashboard' });
    expect(result.delivered).toBe(true);
    expect(received).toEqual([{ command: 'pause', gpuIndex: 0, reason: 'from the dashboard' }]);
    // An agent that answers with a refusal did not apply it.
    expect((await donor.agents.control(agentId, { command: 'pause', gpuIndex: 0, reason: 'refused' })).delivered).toBe(false);

    socket.disconnect();
    await expect.poll(async () => (await agentInFleet(agentId))?.status, { timeout: 5000 }).toBe('offline');
    expect((await agentInFleet(agentId))?.reason).toBe('agent disconnected');
  });

  it('pushes throttled fleet changes on /live without credentials', async () => {
    const live = connect(LIVE_NAMESPACE);
    await connected(live);
    const seen: FleetChanges[] = [];
    live.on(LiveEvents.fleetChanges, (changes: FleetChanges) => seen.push(changes));
    const { agentId, token } = await donorWithAgent();
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    await socket.emitWithAck(AgentEvents.hello, hello(inventoryOf('xml/telegraf__tesla-t4.xml')));
    await expect.poll(() => seen.some((changes) => changes.agents.some((agent) => agent.id === agentId && agent.status === 'online')), { timeout: 5000 }).toBe(true);
    expect(seen.flatMap((changes) => changes.agents).every((agent) => agent.hostname === null)).toBe(true);
  });

  it('pushes an agent that only sent telemetry as its latest samples, and no view', async () => {
    const live = connect(LIVE_NAMESPACE);
    await connected(live);
    const seen: FleetChanges[] = [];
    live.on(LiveEvents.fleetChanges, (changes: unknown) => seen.push(FleetChangesSchema.parse(changes)));
    const { agentId, token } = await donorWithAgent();
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    const inventory = inventoryOf('xml/telegraf__tesla-t4.xml');
    await socket.emitWithAck(AgentEvents.hello, hello(inventory));
    const views = () => seen.flatMap((changes) => changes.agents).filter((agent) => agent.id === agentId);
    await expect.poll(() => views().length, { timeout: 5000 }).toBe(1);

    const reading = sample(inventory.gpus[0]?.uuid ?? '', Date.now(), 61.5);
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples: [{ ...reading, at: reading.at - 1000, powerDrawW: 10 }, reading] })).toMatchObject({ ok: true });
    const updates = () => seen.flatMap((changes) => changes.samples).filter((update) => update.agentId === agentId);
    await expect.poll(() => updates().length, { timeout: 5000 }).toBe(1);
    expect(updates()[0]?.latest).toEqual([reading]);
    expect(views()).toHaveLength(1);
    // The update says what the fleet API says.
    const listed = (await fleet()).agents.find((agent) => agent.id === agentId);
    expect(listed?.gpus[0]?.latest).toEqual(reading);
    expect(listed?.lastSeenAt).toBe(updates()[0]?.lastSeenAt);
  });

  it('builds views a part at a time, every known agent once, in parts of the size asked', async () => {
    const agents = [await donorWithAgent(), await donorWithAgent(), await donorWithAgent()];
    const parts: string[][] = [];
    const [first] = agents.map((agent) => agent.agentId);
    await t.app.get(FleetService).viewsByIdsInParts([...agents.map((agent) => agent.agentId), '00000000-0000-4000-8000-000000000000', first!], 2, (views) => parts.push(views.map((view) => view.id)));
    expect(parts.map((part) => part.length)).toEqual([2, 1]);
    expect(parts.flat().sort()).toEqual(agents.map((agent) => agent.agentId).sort());
  });

  it('pushes an agent that fell silent as unhealthy, though it sent nothing', async () => {
    const live = connect(LIVE_NAMESPACE);
    await connected(live);
    const seen: FleetChanges[] = [];
    live.on(LiveEvents.fleetChanges, (changes: FleetChanges) => seen.push(changes));
    const { agentId, token } = await donorWithAgent();
    const socket = connect(AGENTS_NAMESPACE, { token });
    await connected(socket);
    await socket.emitWithAck(AgentEvents.hello, hello(inventoryOf('xml/telegraf__tesla-t4.xml')));
    const statuses = () => seen.flatMap((changes) => changes.agents).filter((agent) => agent.id === agentId).map((agent) => agent.status);
    await expect.poll(statuses, { timeout: 5000 }).toContain('online');
    await expect.poll(statuses, { timeout: 8000 }).toContain('unhealthy');
    // Its next batch brings it back, and its whole view goes out with the new status.
    const uuid = inventoryOf('xml/telegraf__tesla-t4.xml').gpus[0]?.uuid ?? '';
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples: [sample(uuid, Date.now())] })).toMatchObject({ ok: true });
    await expect.poll(() => statuses().at(-1), { timeout: 5000 }).toBe('online');
  });
});

describe('the live summary', () => {
  it('equals the summary of the whole fleet list, revoked and paused agents included', async () => {
    // Two GPUs with distinct UUIDs (the dual-2080 fixture's share one, and samples are keyed by UUID).
    const inventory = inventoryOf('xml/telegraf__dual_2070-v13.xml');
    const [first, second] = [await donorWithAgent(), await donorWithAgent()];
    const agentSockets: Socket[] = [];
    for (const [i, agent] of [first, second].entries()) {
      const socket = connect(AGENTS_NAMESPACE, { token: agent.token });
      agentSockets.push(socket);
      await connected(socket);
      const gpus = inventory.gpus.map((gpu) => ({ index: gpu.index, deviceId: gpu.uuid ?? '', availability: gpu.index === 1 ? ('paused' as const) : ('available' as const), reason: '', until: null }));
      await socket.emitWithAck(AgentEvents.hello, hello(inventory, { gpus }));
      expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples: [sample(inventory.gpus[0]?.uuid ?? '', Date.now(), 100.1 + i)] })).toMatchObject({ ok: true });
    }
    await second.donor.agents.revoke(second.agentId);

    const fleetService = t.app.get(FleetService);
    const now = Date.now();
    const [summary, page] = await Promise.all([fleetService.summary(now), fleetService.list({ limit: 1, offset: 0 }, null, now)]);
    expect(summary).toEqual({ ...page.summary, powerDrawW: expect.closeTo(page.summary.powerDrawW, 6) as number, tflopsAvailable: expect.closeTo(page.summary.tflopsAvailable, 6) as number });
    expect(summary.tflopsAvailable).toBeGreaterThan(0);
    expect(summary.agentsOnline).toBeGreaterThanOrEqual(1);
    expect(summary.gpusAvailable).toBeLessThan(summary.gpusOnline);

    // A state report pausing the first agent's other GPU moves both the same way.
    const allPaused = inventory.gpus.map((gpu) => ({ index: gpu.index, deviceId: gpu.uuid ?? '', availability: 'paused' as const, reason: 'donor', until: null }));
    expect(await agentSockets[0]?.emitWithAck(AgentEvents.state, { at: Date.now(), mode: 'active', reason: 'all paused', gpus: allPaused })).toMatchObject({ ok: true });
    const later = Date.now();
    const [after, pageAfter] = await Promise.all([fleetService.summary(later), fleetService.list({ limit: 1, offset: 0 }, null, later)]);
    expect(after).toEqual({ ...pageAfter.summary, powerDrawW: expect.closeTo(pageAfter.summary.powerDrawW, 6) as number, tflopsAvailable: expect.closeTo(pageAfter.summary.tflopsAvailable, 6) as number });
    expect(after.tflopsAvailable).toBeLessThan(summary.tflopsAvailable);
    expect(after.gpusAvailable).toBe(summary.gpusAvailable - 1);
  });

  it('adds up the parts of every coordinator process, and drops a stopped process\'s part', async () => {
    const second = await startSecondApp(t, { POTLUCK_AGENT_UNHEALTHY_AFTER_MS: '2000' });
    let secondOpen = true;
    try {
      const inventory = inventoryOf('xml/telegraf__dual_2070-v13.xml');
      for (const [i, baseUrl] of [t.baseUrl, second.baseUrl].entries()) {
        const agent = await donorWithAgent();
        const socket = io(`${baseUrl}${AGENTS_NAMESPACE}`, { auth: { token: agent.token }, transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(socket);
        await connected(socket);
        expect(await socket.emitWithAck(AgentEvents.hello, hello(inventory))).toMatchObject({ ok: true });
        expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples: [sample(inventory.gpus[0]?.uuid ?? '', Date.now(), 150 + i)] })).toMatchObject({ ok: true });
      }
      const here = t.app.get(FleetService);
      const there = second.app.get(FleetService);
      const now = Date.now();
      await there.summary(now); // the second process refreshes its part (it also does so every 5 s)
      const [summary, page] = await Promise.all([here.summary(now), here.list({ limit: 1, offset: 0 }, null, now)]);
      expect(summary).toEqual({ ...page.summary, powerDrawW: expect.closeTo(page.summary.powerDrawW, 6) as number, tflopsAvailable: expect.closeTo(page.summary.tflopsAvailable, 6) as number });
      expect(summary.agentsOnline).toBeGreaterThanOrEqual(2);
      expect(await there.summary(now)).toEqual({ ...summary, powerDrawW: expect.closeTo(summary.powerDrawW, 6) as number, tflopsAvailable: expect.closeTo(summary.tflopsAvailable, 6) as number });

      await second.close();
      secondOpen = false;
      const afterStop = await here.summary();
      expect(afterStop.agentsOnline).toBe(summary.agentsOnline - 1);
      expect(afterStop.gpusOnline).toBe(summary.gpusOnline - inventory.gpus.length);
    } finally {
      if (secondOpen) await second.close();
    }
  });
});

/** A connected agent with one RTX 3080 after hello, and the start of the minute five minutes ago. */
async function rtx3080AgentFiveMinutesIn(): Promise<{ agentId: string; gpuUuid: string; socket: Socket; minute: number }> {
  const { agentId, token } = await donorWithAgent();
  const inventory = inventoryOf('xml/telegraf__rtx-3080-v13.xml');
  const socket = connect(AGENTS_NAMESPACE, { token });
  await connected(socket);
  await socket.emitWithAck(AgentEvents.hello, hello(inventory));
  return { agentId, gpuUuid: inventory.gpus[0]?.uuid ?? '', socket, minute: Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000 };
}

describe('telemetry roll-ups', () => {
  it('writes per-minute rows with energy from the raw history, idempotently', async () => {
    const { agentId, gpuUuid, socket, minute } = await rtx3080AgentFiveMinutesIn();
    const samples = Array.from({ length: 13 }, (_, i) => sample(gpuUuid, minute + i * 5000, 360));
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples })).toMatchObject({ ok: true });

    const rollups = t.app.get(TelemetryService);
    const minutesOf = async () => (await t.prisma.telemetryMinute.findMany({ where: { agentId }, orderBy: { minute: 'asc' } })).map((row) => [row.minute.getTime(), row.samples]);
    // 12 samples fill the first minute; the 13th (at +60 s) opens the next one and closes the first's last interval.
    expect(await rollups.rollup(Date.now())).toBe(1);
    // The 13th sample's minute waits for a later sample (the agent may send some it buffered) …
    expect(await minutesOf()).toEqual([[minute, 12]]);
    // … or for the silence to last: then it is written with what it has, once (a roll-up again writes the same rows).
    await rollups.rollup(Date.now() + SILENT_CLOSED);
    await rollups.rollup(Date.now() + SILENT_CLOSED);
    expect(await minutesOf()).toEqual([[minute, 12], [minute + 60_000, 1]]);
    const rows = await t.prisma.telemetryMinute.findMany({ where: { agentId }, orderBy: { minute: 'asc' } });
    expect(rows[0]?.energyWh).toBeCloseTo(6, 6);
    expect(rows[0]?.coveredSeconds).toBe(60);
    expect(rows[0]?.utilizationAvg).toBe(90);

    const history = await t.anonymous.fleet.telemetry(agentId, { resolution: 'minute' });
    expect(history.minutes[0]?.energyWh).toBeCloseTo(6, 6);
    const raw = await t.anonymous.fleet.telemetry(agentId, { gpu: gpuUuid });
    expect(raw.raw).toHaveLength(13);
  });

  it('reads only the unrolled head of the history, and all of it when samples came faster than expected', async () => {
    const { agentId, gpuUuid, socket, minute } = await rtx3080AgentFiveMinutesIn();
    const rollups = t.app.get(TelemetryService);
    // First minute at the expected 5 s interval, rolled up alone (its mark moves to minute + 60 s).
    const slow = Array.from({ length: 13 }, (_, i) => sample(gpuUuid, minute + i * 5000, 360));
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples: slow })).toMatchObject({ ok: true });
    await rollups.rollup(minute + 134_000);
    // Then two minutes at 1 s: more samples than the head estimate, so the roll-up must read further back.
    const fast = Array.from({ length: 120 }, (_, i) => sample(gpuUuid, minute + 61_000 + i * 1000, 360));
    for (const [seq, from] of [[1, 0], [2, 60]] as const) {
      expect(await socket.emitWithAck(AgentEvents.telemetry, { seq, samples: fast.slice(from, from + 60) })).toMatchObject({ ok: true });
    }
    await rollups.rollup(Date.now() + SILENT_CLOSED);
    const rows = await t.prisma.telemetryMinute.findMany({ where: { agentId }, orderBy: { minute: 'asc' } });
    expect(rows.map((row) => [row.minute.getTime() - minute, row.samples])).toEqual([[0, 12], [60_000, 60], [120_000, 60], [180_000, 1]]);
    for (const row of rows.slice(0, 3)) expect(row.energyWh).toBeCloseTo(6, 6);
  });

  it('answers the newest minutes of a long range, says it cut it, and pages back with `to`', async () => {
    const { agentId } = await donorWithAgent();
    const extra = 3;
    const first = Date.UTC(2026, 0, 1);
    await t.prisma.$executeRaw`
      INSERT INTO "TelemetryMinute" ("agentId", "gpuUuid", "minute", "samples", "energyWh", "coveredSeconds")
      SELECT ${agentId}::uuid, 'GPU-long', to_timestamp((${first}::float8 + n * 60000) / 1000.0), 12, 1, 60
      FROM generate_series(0, ${HISTORY_MINUTES_LIMIT + extra - 1}) AS n`;
    const newest = await t.anonymous.fleet.telemetry(agentId, { resolution: 'minute' });
    expect(newest.truncated).toBe(true);
    expect(newest.minutes).toHaveLength(HISTORY_MINUTES_LIMIT);
    expect(newest.minutes[0]?.minute).toBe(first + extra * 60_000);
    expect(newest.minutes.at(-1)?.minute).toBe(first + (HISTORY_MINUTES_LIMIT + extra - 1) * 60_000);
    const older = await t.anonymous.fleet.telemetry(agentId, { resolution: 'minute', to: (newest.minutes[0]?.minute ?? 0) - 1 });
    expect(older.truncated).toBe(false);
    expect(older.minutes.map((row) => row.minute)).toEqual([0, 1, 2].map((n) => first + n * 60_000));
  });

  it('keeps the minutes and raw samples of an agent readable after its presence expired', async () => {
    const { agentId, gpuUuid, socket, minute } = await rtx3080AgentFiveMinutesIn();
    const samples = Array.from({ length: 13 }, (_, i) => sample(gpuUuid, minute + i * 5000, 360));
    expect(await socket.emitWithAck(AgentEvents.telemetry, { seq: 0, samples })).toMatchObject({ ok: true });
    await t.app.get(TelemetryService).rollup(Date.now() + SILENT_CLOSED);
    socket.disconnect();
    const redis = t.app.get(RedisService);
    await redis.client.del(redis.key('agent', `{${agentId}}`, 'presence'));

    expect((await agentInFleet(agentId))?.gpus).toEqual([]);
    const minutes = await t.anonymous.fleet.telemetry(agentId, { resolution: 'minute' });
    expect(minutes.minutes.map((row) => row.minute)).toEqual([minute, minute + 60_000]);
    expect((await t.anonymous.fleet.telemetry(agentId, { gpu: gpuUuid })).raw).toHaveLength(13);
  });
});

