import { describe, expect, it } from 'vitest';
import { agentStatus, statusOf } from './agent-status.js';
import type { Presence } from './presence.types.js';

const thresholds = { unhealthyAfterMs: 15_000, offlineAfterMs: 45_000 };
const base: Presence = {
  info: { agentId: 'a', ownerId: 'o', ownerHandle: 'h', name: 'n', hostname: 'x', simulated: true, protocolVersion: 1, driverVersion: null, cudaVersion: null, runtimes: ['builtin'], devices: [] },
  state: { mode: 'active', reason: 'connected', gpus: [], drainEta: null },
  connected: true,
  disconnectReason: null,
  socketId: 's',
  runId: 'r',
  connectedAt: 0,
  lastSeen: 100_000,
};

describe('agentStatus', () => {
  it.each([
    ['no presence', null, 100_000, 'offline', 'not connected'],
    ['fresh', base, 105_000, 'online', 'connected'],
    ['silent 20 s', base, 120_000, 'unhealthy', 'no telemetry for 20 s'],
    ['silent 50 s', base, 150_000, 'offline', 'no message for 50 s'],
    ['disconnected', { ...base, connected: false, disconnectReason: 'connection lost' }, 100_001, 'offline', 'connection lost'],
    ['paused', { ...base, state: { ...base.state, mode: 'paused' as const, reason: 'paused by donor' } }, 100_000, 'paused', 'paused by donor'],
    ['draining', { ...base, state: { ...base.state, mode: 'draining' as const, reason: 'SIGTERM' } }, 100_000, 'draining', 'SIGTERM'],
  ])('%s', (_name, presence, now, status, reason) => {
    expect(agentStatus(presence, now, thresholds)).toEqual({ status, reason });
  });
});

describe('statusOf (the status without its reason)', () => {
  it('agrees with agentStatus at each threshold and mode', () => {
    for (const mode of ['active', 'paused', 'draining'] as const) {
      for (const connected of [true, false]) {
        for (const now of [100_000, 114_999, 115_000, 144_999, 145_000]) {
          const presence = { ...base, connected, state: { ...base.state, mode } };
          expect(statusOf(connected, base.lastSeen, mode, now, thresholds)).toBe(agentStatus(presence, now, thresholds).status);
        }
      }
    }
  });
});
