import { AGENTS_NAMESPACE, AgentEvents, PROTOCOL_VERSION, type AgentAck, type Hello } from '@potluck/protocol';
import type { PotluckClient } from '@potluck/sdk';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';

let t: TestApp;
let donor: PotluckClient;
let donorId: string;

beforeAll(async () => {
  t = await startTestApp();
  const signup = await t.anonymous.signup({ handle: uniqueId('donor-'), displayName: 'Donor', roles: ['DONOR'] });
  donor = t.anonymous.withApiKey(signup.secret);
  donorId = signup.user.id;
});

afterAll(async () => {
  await t.close();
});

async function connectedAgent(): Promise<{ id: string; token: string; socket: Socket; closed: Promise<string> }> {
  const { agent, token } = await donor.agents.create({ name: uniqueId('rig-') });
  const socket = io(`${t.baseUrl}${AGENTS_NAMESPACE}`, { auth: { token }, transports: ['websocket'], reconnection: false });
  const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
  return { id: agent.id, token, socket, closed };
}

/** A hello from a one-GPU machine. */
function validHello(): Hello {
  const uuid = `GPU-${uniqueId('')}`;
  return {
    agentVersion: 'test', runId: uniqueId('run-'), protocolVersions: [PROTOCOL_VERSION], host: { hostname: 'h', os: 'linux', arch: 'x64' }, simulated: true,
    inventory: {
      format: 'csv', timestamp: null, driverVersion: '550.54.14', cudaVersion: '12.4', processes: null,
      gpus: [{ index: 0, uuid, name: 'NVIDIA GeForce RTX 4090', busId: null, serial: null, vbiosVersion: null, virtualizationMode: null, persistenceMode: null, memoryTotalMiB: 24_564, memoryUsedMiB: 0, memoryFreeMiB: null, utilizationGpuPct: 0, utilizationMemoryPct: null, temperatureC: 30, fanSpeedPct: null, pstate: null, powerDrawW: 20, powerLimitW: 450, clocksGraphicsMHz: null, clocksSmMHz: null, clocksMemoryMHz: null, clocksMaxGraphicsMHz: null, clocksMaxMemoryMHz: null, computeCapability: null, migEnabled: false, migDevices: [] }],
    },
    runtimes: ['builtin'],
    policy: { schedule: [], maxTemperatureC: null, maxPowerW: null, yieldToOtherProcesses: true, yieldCooldownSeconds: 60, runtimes: ['builtin'] },
    mode: 'active',
    gpus: [{ index: 0, deviceId: uuid, availability: 'available', reason: '', until: null }],
  };
}

/** The code of the handshake's refusal for `token` (it must be refused). */
async function refusalOf(token: string): Promise<string | undefined> {
  const socket = io(`${t.baseUrl}${AGENTS_NAMESPACE}`, { auth: { token }, transports: ['websocket'], reconnection: false });
  try {
    const error = await new Promise<Error & { data?: { code?: string } }>((resolve, reject) => socket.once('connect_error', resolve).once('connect', () => reject(new Error('the token still connects'))));
    return error.data?.code;
  } finally {
    socket.disconnect();
  }
}

describe('losing the right to be connected', () => {
  it('closes a live connection when its token is rotated, and the old token no longer connects', async () => {
    const agent = await connectedAgent();
    await donor.agents.rotateToken(agent.id);
    expect(await agent.closed).toBe('io server disconnect');
    expect(await refusalOf(agent.token)).toBe('UNAUTHENTICATED');
  });

  it('closes a live connection when the agent is revoked, and its token no longer connects', async () => {
    const agent = await connectedAgent();
    await donor.agents.revoke(agent.id);
    expect(await agent.closed).toBe('io server disconnect');
    expect(await refusalOf(agent.token)).toBe('UNAUTHENTICATED');
  });

  it('refuses the hello of a connection whose token was revoked after its handshake, which the revocation missed', async () => {
    const agent = await connectedAgent();
    // As if the revocation landed between the handshake's check and the socket joining its room: nothing closed it.
    await t.prisma.agent.update({ where: { id: agent.id }, data: { revokedAt: new Date() } });
    const ack = (await agent.socket.emitWithAck(AgentEvents.hello, { hello: 'not even valid yet' })) as AgentAck<unknown>;
    expect(ack).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } }); // a malformed hello is refused first, as before
    const refused = (await agent.socket.emitWithAck(AgentEvents.hello, validHello())) as AgentAck<unknown>;
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await agent.closed).toBe('io server disconnect');
    expect(await t.prisma.gpu.count({ where: { agentId: agent.id } })).toBe(0);
  });

  it("closes every agent of a donor who is disabled, and their tokens no longer connect", async () => {
    const first = await connectedAgent();
    const second = await connectedAgent();
    await t.admin.users.update(donorId, { disabled: true });
    expect(await Promise.all([first.closed, second.closed])).toEqual(['io server disconnect', 'io server disconnect']);
    expect(await refusalOf(first.token)).toBe('UNAUTHENTICATED');
  });
});
