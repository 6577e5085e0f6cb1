import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FleetAgentSamples, FleetSummary, TelemetrySample } from '@potluck/protocol';
import { statusOf, type StatusThresholds } from './agent-status.js';
import { peakTflops } from './peak-tflops.js';
import type { PresenceDevice, PresenceState } from './presence.types.js';
import { NUMERIC_SAMPLE_FIELDS, sampleOf, type NumericSampleField } from './sample-codec.js';

/**
 * Numbers kept per device, by position in one flat array: its index, VRAM, peak TFLOPS, then
 * its latest sample's numbers in their stored order (NUMERIC_SAMPLE_FIELDS, null as NaN; `at`
 * is NaN while the device has no sample). `pstate` is kept apart.
 */
const INDEX = 0;
const VRAM_MIB = 1;
const PEAK_TFLOPS = 2;
const SAMPLE = 3;
const FIELDS = SAMPLE + NUMERIC_SAMPLE_FIELDS.length;
const AT = SAMPLE + NUMERIC_SAMPLE_FIELDS.indexOf('at');
const POWER_W = SAMPLE + NUMERIC_SAMPLE_FIELDS.indexOf('powerDrawW');

/**
 * What this process knows of one agent connected to it. Held for every connected agent for
 * the life of its connection, so it is a few objects (10,000 agents each with device objects,
 * a power `Map` and a boxed number per reading were ~12 MB of heap that every full collection
 * marks), and a sample is written in place.
 */
interface AgentTally {
  socketId: string;
  /** Device ids by position (a sample finds its devices by them). */
  deviceIds: readonly string[];
  /** `FIELDS` numbers per device, by position. */
  numbers: Float64Array;
  /** The latest sample's `pstate` per device, by position. */
  pstates: (string | null)[];
  state: Pick<PresenceState, 'mode' | 'gpus'>;
  lastSeen: number;
}

function tallyOf(socketId: string, devices: readonly PresenceDevice[], state: Pick<PresenceState, 'mode' | 'gpus'>, now: number): AgentTally {
  const numbers = new Float64Array(devices.length * FIELDS).fill(Number.NaN);
  devices.forEach((device, i) => {
    numbers[i * FIELDS + INDEX] = device.index;
    numbers[i * FIELDS + VRAM_MIB] = device.memoryTotalMiB ?? 0;
    numbers[i * FIELDS + PEAK_TFLOPS] = peakTflops(device.name);
  });
  return { socketId, deviceIds: devices.map((device) => device.deviceId), numbers, pstates: devices.map(() => null), state, lastSeen: now };
}

/** The number kept for a reading: NaN for none. */
const kept = (value: number | null): number => value ?? Number.NaN;
/** The reading a kept number stands for. */
const reading = (value: number): number | null => (Number.isNaN(value) ? null : value);

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
 * The agents whose sockets this process holds, kept in memory as their messages arrive
 * (hello, state reports, telemetry, disconnect), for two readers that must not read Redis:
 * - the fleet summary's share of these agents, summed without reading anything. It counts
 *   exactly what `summarize` counts over the fleet list: an agent's devices while it is not
 *   offline, its available devices while it is online, and each device's latest power draw
 *   (by device id, as the list's views look it up);
 * - the live feed's telemetry updates: each device's latest sample, as the fleet view shows
 *   it (the last one per device id in the latest batch, as the latest hash in Redis keeps it).
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

  /**
   * A telemetry batch of this connection: stored (`samples`) or a replay (nothing but the
   * time). Returns when the agent was seen before this batch (null when this process does
   * not hold this connection): a caller tells by it whether the agent's status changed.
   */
  seen(agentId: string, socketId: string, samples: readonly TelemetrySample[], now: number): number | null {
    const agent = this.agents.get(agentId);
    if (agent?.socketId !== socketId) return null;
    const previous = agent.lastSeen;
    agent.lastSeen = now;
    const { deviceIds, numbers, pstates } = agent;
    for (const sample of samples) {
      // Every device with the sample's id (a MIG parent's sample matches none).
      for (let i = 0; i < deviceIds.length; i++) {
        if (deviceIds[i] !== sample.gpuUuid) continue;
        for (let field = 0; field < NUMERIC_SAMPLE_FIELDS.length; field++) numbers[i * FIELDS + SAMPLE + field] = kept(sample[NUMERIC_SAMPLE_FIELDS[field] as NumericSampleField]);
        pstates[i] = sample.pstate;
      }
    }
    return previous;
  }

  /** The agent's latest samples (one per device id that has one) and when it was last seen; null when it is not connected here. */
  latest(agentId: string): FleetAgentSamples | null {
    const agent = this.agents.get(agentId);
    if (!agent) return null;
    const { deviceIds, numbers, pstates } = agent;
    const latest: TelemetrySample[] = [];
    for (let i = 0; i < deviceIds.length; i++) {
      const gpuUuid = deviceIds[i] as string;
      const base = i * FIELDS;
      const at = reading(numbers[base + AT] as number);
      // A device with no sample yet, or a second device with the same id (its sample is the first's).
      if (at === null || deviceIds.indexOf(gpuUuid) < i) continue;
      latest.push(sampleOf(gpuUuid, at, (position) => reading(numbers[base + SAMPLE + position] as number), pstates[i] ?? null));
    }
    return { agentId, lastSeenAt: new Date(agent.lastSeen).toISOString(), latest };
  }

  /** The connection ended (a newer connection of the same agent on this process is kept). */
  disconnected(agentId: string, socketId: string): void {
    if (this.agents.get(agentId)?.socketId === socketId) this.agents.delete(agentId);
  }

  /** Revoked agents leave the summary at once, before their sockets finish closing. */
  forget(agentIds: readonly string[]): void {
    for (const agentId of agentIds) this.agents.delete(agentId);
  }

  /**
   * Every local agent's share, `agentsPerTurn` agents at a time with a turn of the event loop
   * between (all at once by default); it allocates nothing per agent. The coordinator sums its
   * part every few seconds, and at 10,000 agents one pass held the event loop 7.6–14.8 ms (its
   * agents' objects are scattered over the heap, so the loop mostly waits on memory;
   * docs/performance.md). Agents that connect or leave meanwhile count or not as the iteration
   * finds them: the part is as of the last few milliseconds, not one instant.
   */
  async summary(now: number, thresholds: StatusThresholds, agentsPerTurn = Number.POSITIVE_INFINITY): Promise<FleetSummary> {
    const total = emptySummary();
    let counted = 0;
    for (const agent of this.agents.values()) {
      addAgent(total, agent, now, thresholds);
      counted += 1;
      if (counted % agentsPerTurn === 0) await nextTurn();
    }
    return total;
  }
}

/** Adds one agent's share to the total (in place): its devices unless it is offline, its available ones while it is online. */
function addAgent(total: FleetSummary, agent: AgentTally, now: number, thresholds: StatusThresholds): void {
  const status = statusOf(true, agent.lastSeen, agent.state.mode, now, thresholds);
  if (status === 'offline') return;
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

/** A GPU is available unless the agent's state says otherwise. */
function isAvailable(gpus: PresenceState['gpus'], index: number): boolean {
  for (const gpu of gpus) if (gpu.index === index) return gpu.availability === 'available';
  return true;
}
