import type { AgentStatus } from '@potluck/protocol';
import type { Presence } from './presence.types.js';

/** The parts of a presence that decide the status. */
export type StatusInputs = Pick<Presence, 'connected' | 'disconnectReason' | 'lastSeen'> & { state: Pick<Presence['state'], 'mode' | 'reason'> };

export interface StatusThresholds {
  unhealthyAfterMs: number;
  offlineAfterMs: number;
}

/**
 * An agent's status from its presence: offline when there is none (expired) or its
 * connection ended; unhealthy when it has been silent too long; otherwise its mode.
 */
export function agentStatus(presence: StatusInputs | null, now: number, thresholds: StatusThresholds): { status: AgentStatus; reason: string } {
  if (!presence) return { status: 'offline', reason: 'not connected' };
  if (!presence.connected) return { status: 'offline', reason: presence.disconnectReason ?? 'disconnected' };
  const silentMs = now - presence.lastSeen;
  if (silentMs >= thresholds.offlineAfterMs) return { status: 'offline', reason: `no message for ${Math.round(silentMs / 1000)} s` };
  if (silentMs >= thresholds.unhealthyAfterMs) return { status: 'unhealthy', reason: `no telemetry for ${Math.round(silentMs / 1000)} s` };
  switch (presence.state.mode) {
    case 'active':
      return { status: 'online', reason: presence.state.reason };
    case 'paused':
      return { status: 'paused', reason: presence.state.reason };
    case 'draining':
      return { status: 'draining', reason: presence.state.reason };
  }
}
