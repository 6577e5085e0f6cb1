import type { FleetSummary, TelemetrySample } from '@potluck/protocol';
import { statusOf, type StatusThresholds } from './agent-status.js';
import { peakTflops } from './peak-tflops.js';
import type { PresenceDevice, PresenceState } from './presence.types.js';

/** What one agent connected to this process adds to the fleet summary. */
interface AgentTally {
  socketId: string;
  devices: readonly PresenceDevice[];
  /** Each device's peak TFLOPS (by position), looked up once per connection. */
  deviceTflops: readonly number[];
  state: Pick<PresenceState, 'mode' | 'gpus'>;
  lastSeen: number;
  /** Latest power draw by GPU uuid, watts (a GPU whose sample had none is absent). */
  powerW: Map<string, number>;
}

/** The summary of no agents. */
export function emptySummary(): FleetSummary {
  return { agentsOnline: 0, gpusOnline: 0, gpusAvailable: 0, vramOnlineMiB: 0, powerDrawW: 0, tflopsAvailable: 0 };
}

/** Adds one summary into another (in place). */
export function addSummary(total: FleetSummary, part: FleetSummary): FleetSummary {
  total.agentsOnline += part.agentsOnline;
  total.gpusOnline += part.gpusOnline;
  total.gpusAvailable += part.gpusAvailable;
  total.vramOnlineMiB += part.vramOnlineMiB;
  total.powerDrawW += part.powerDrawW;
  total.tflopsAvailable += part.tflopsAvailable;
  return total;
}

/**
 * The fleet summary's share of the agents whose sockets this process holds, kept in memory
 * as their messages arrive (hello, state reports, telemetry, disconnect), so that summing
 * it reads nothing. It counts exactly what `summarize` counts over the fleet list: an
 * agent's devices while it is not offline, its available devices while it is online, and
 * each device's latest power draw (by device id, as the list's views look it up).
 */
export class LocalFleetTally {
  private readonly agents = new Map<string, AgentTally>();

  get size(): number {
    return this.agents.size;
  }

  connected(agentId: string, socketId: string, devices: readonly PresenceDevice[], state: Pick<PresenceState, 'mode' | 'gpus'>, now: number): void {
    this.agents.set(agentId, { socketId, devices, deviceTflops: devices.map((device) => peakTflops(device.name)), state, lastSeen: now, powerW: new Map() });
  }

  /** A state report of this connection. */
  stateChanged(agentId: string, socketId: string, state: Pick<PresenceState, 'mode' | 'gpus'>, now: number): void {
    const agent = this.agents.get(agentId);
    if (agent?.socketId !== socketId) return;
    agent.state = state;
    agent.lastSeen = now;
  }

  /** A telemetry batch of this connection: stored (`samples`) or a replay (nothing but the time). */
  seen(agentId: string, socketId: string, samples: readonly TelemetrySample[], now: number): void {
    const agent = this.agents.get(agentId);
    if (agent?.socketId !== socketId) return;
    agent.lastSeen = now;
    for (const sample of samples) {
      if (sample.powerDrawW === null) agent.powerW.delete(sample.gpuUuid);
      else agent.powerW.set(sample.gpuUuid, sample.powerDrawW);
    }
  }

  /** The connection ended (a newer connection of the same agent on this process is kept). */
  disconnected(agentId: string, socketId: string): void {
    if (this.agents.get(agentId)?.socketId === socketId) this.agents.delete(agentId);
  }

  /** Revoked agents leave the summary at once, before their sockets finish closing. */
  forget(agentIds: readonly string[]): void {
    for (const agentId of agentIds) this.agents.delete(agentId);
  }

  /** Runs every few seconds over every local agent: it allocates nothing per agent. */
  summary(now: number, thresholds: StatusThresholds): FleetSummary {
    const total = emptySummary();
    for (const agent of this.agents.values()) {
      const status = statusOf(true, agent.lastSeen, agent.state.mode, now, thresholds);
      if (status === 'offline') continue;
      total.agentsOnline += 1;
      for (let i = 0; i < agent.devices.length; i++) {
        const device = agent.devices[i] as PresenceDevice;
        total.gpusOnline += 1;
        total.vramOnlineMiB += device.memoryTotalMiB ?? 0;
        total.powerDrawW += agent.powerW.get(device.deviceId) ?? 0;
        if (status === 'online' && isAvailable(agent.state.gpus, device.index)) {
          total.gpusAvailable += 1;
          total.tflopsAvailable += agent.deviceTflops[i] ?? 0;
        }
      }
    }
    return total;
  }
}

/** A GPU is available unless the agent's state says otherwise. */
function isAvailable(gpus: PresenceState['gpus'], index: number): boolean {
  for (const gpu of gpus) if (gpu.index === index) return gpu.availability === 'available';
  return true;
}
