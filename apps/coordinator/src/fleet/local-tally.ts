import type { FleetSummary, TelemetrySample } from '@potluck/protocol';
import { statusOf, type StatusThresholds } from './agent-status.js';
import { peakTflops } from './peak-tflops.js';
import type { PresenceDevice, PresenceState } from './presence.types.js';

/** Numbers kept per device, by position in one flat array: its index, VRAM, peak TFLOPS, latest power draw. */
const FIELDS = 4;
const INDEX = 0;
const VRAM_MIB = 1;
const PEAK_TFLOPS = 2;
/** Watts; NaN while the device's latest sample reported none. */
const POWER_W = 3;

/**
 * What one agent connected to this process adds to the fleet summary. Held for every
 * connected agent for the life of its connection, so it is a few objects (10,000 agents
 * each with device objects, a power `Map` and a boxed number per reading were ~12 MB of
 * heap that every full collection marks), and a power reading is written in place.
 */
interface AgentTally {
  socketId: string;
  /** Device ids by position (a sample finds its devices by them). */
  deviceIds: readonly string[];
  /** `FIELDS` numbers per device, by position. */
  numbers: Float64Array;
  state: Pick<PresenceState, 'mode' | 'gpus'>;
  lastSeen: number;
}

function tallyOf(socketId: string, devices: readonly PresenceDevice[], state: Pick<PresenceState, 'mode' | 'gpus'>, now: number): AgentTally {
  const numbers = new Float64Array(devices.length * FIELDS);
  devices.forEach((device, i) => {
    numbers[i * FIELDS + INDEX] = device.index;
    numbers[i * FIELDS + VRAM_MIB] = device.memoryTotalMiB ?? 0;
    numbers[i * FIELDS + PEAK_TFLOPS] = peakTflops(device.name);
    numbers[i * FIELDS + POWER_W] = Number.NaN;
  });
  return { socketId, deviceIds: devices.map((device) => device.deviceId), numbers, state, lastSeen: now };
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
    this.agents.set(agentId, tallyOf(socketId, devices, state, now));
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
    const { deviceIds, numbers } = agent;
    for (const sample of samples) {
      // Every device with the sample's id (a MIG parent's sample matches none).
      for (let i = 0; i < deviceIds.length; i++) if (deviceIds[i] === sample.gpuUuid) numbers[i * FIELDS + POWER_W] = sample.powerDrawW ?? Number.NaN;
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
      const { numbers } = agent;
      for (let at = 0; at < numbers.length; at += FIELDS) {
        total.gpusOnline += 1;
        total.vramOnlineMiB += numbers[at + VRAM_MIB] as number;
        const power = numbers[at + POWER_W] as number;
        if (!Number.isNaN(power)) total.powerDrawW += power;
        if (status === 'online' && isAvailable(agent.state.gpus, numbers[at + INDEX] as number)) {
          total.gpusAvailable += 1;
          total.tflopsAvailable += numbers[at + PEAK_TFLOPS] as number;
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
