import type { AgentStatus } from '@potluck/protocol';
import type { Presence } from './presence.types.js';

/** The parts of a presence that decide the status. */
export type StatusInputs = Pick<Presence, 'connected' | 'disconnectReason' | 'lastSeen'> & { state: Pick<Presence['state'], 'mode' | 'reason'> };

export interface StatusThresholds {
  unhealthyAfterMs: number;
  offlineAfterMs: number;
}

const STATUS_OF_MODE = { active: 'online', paused: 'paused', draining: 'draining' } as const satisfies Record<Presence['state']['mode'], AgentStatus>;

/**
 * The status alone, without building its reason: for sums over thousands of agents. Offline
 * when the connection ended or it has been silent past the offline threshold; unhealthy
 * when silent past the unhealthy one; otherwise what its mode says.
 */
export function statusOf(connected: boolean, lastSeen: number, mode: Presence['state']['mode'], now: number, thresholds: StatusThresholds): AgentStatus {
  if (!connected) return 'offline';
  const silentMs = now - lastSeen;
  if (silentMs >= thresholds.offlineAfterMs) return 'offline';
  if (silentMs >= thresholds.unhealthyAfterMs) return 'unhealthy';
  return STATUS_OF_MODE[mode];
}

/** An agent's status from its presence (offline when there is none: it expired), with the reason to show. */
export function agentStatus(presence: StatusInputs | null, now: number, thresholds: StatusThresholds): { status: AgentStatus; reason: string } {
  if (!presence) return { status: 'offline', reason: 'not connected' };
  const status = statusOf(presence.connected, presence.lastSeen, presence.state.mode, now, thresholds);
  if (!presence.connected) return { status, reason: presence.disconnectReason ?? 'disconnected' };
  const silentS = Math.round((now - presence.lastSeen) / 1000);
  if (status === 'offline') return { status, reason: `no message for ${silentS} s` };
  if (status === 'unhealthy') return { status, reason: `no telemetry for ${silentS} s` };
  return { status, reason: presence.state.reason };
}
