import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseNvidiaSmi } from '@potluck/nvidia-smi';
import type { GpuInventory, GpuProcess, TelemetrySample } from '@potluck/protocol';
import { initialSimulatorState, simulateTick, type SimulatorState } from '../simulation/index.js';
import { GpuSourceError, type GpuSource } from './gpu-source.js';

/**
 * A recorded machine brought to life: the inventory from a saved nvidia-smi output, live
 * samples from the simulator (they follow the agent's own load), and "other processes"
 * from an optional compute-apps CSV re-read every tick, so a test or a demo can start and
 * stop a pretend game by writing that file.
 */
export class SimulatedSource implements GpuSource {
  readonly simulated = true;
  private recorded: GpuInventory | null = null;
  private state: SimulatorState | null = null;

  constructor(
    private readonly inventoryFile: string,
    private readonly processesFile: string | undefined,
  ) {}

  async inventory(): Promise<GpuInventory> {
    if (this.recorded) return this.recorded;
    const text = await readFile(this.inventoryFile, 'utf8').catch((error: unknown) => {
      throw new GpuSourceError('NVIDIA_SMI_UNAVAILABLE', `cannot read ${this.inventoryFile}: ${(error as Error).message}`);
    });
    const result = parseNvidiaSmi(text);
    if (!result.ok) throw new GpuSourceError(result.error.code, `${this.inventoryFile}: ${result.error.message}`);
    this.recorded = withDistinctUuids(result.inventory, this.inventoryFile);
    this.state = initialSimulatorState(this.recorded, seedOf(this.inventoryFile));
    return this.recorded;
  }

  async sample(now: number, loads: ReadonlyMap<number, number>): Promise<TelemetrySample[]> {
    const inventory = await this.inventory();
    if (!this.state) this.state = initialSimulatorState(inventory, seedOf(this.inventoryFile));
    const tick = simulateTick(inventory, this.state, loads, now);
    this.state = tick.state;
    return tick.samples;
  }

  async processes(): Promise<GpuProcess[] | null> {
    if (!this.processesFile) return [];
    const text = await readFile(this.processesFile, 'utf8').catch(() => '');
    if (text.trim() === '') return [];
    const result = parseNvidiaSmi(text);
    return result.ok ? result.inventory.processes : null;
  }
}

function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

/**
 * Published outputs often mask UUIDs (every GPU shows the same one) or lack them; the
 * simulated machine gets stable, distinct ones so its GPUs stay apart everywhere.
 */
export function withDistinctUuids(inventory: GpuInventory, salt: string): GpuInventory {
  const uuids = inventory.gpus.map((gpu) => gpu.uuid);
  const distinct = uuids.every((uuid, i) => uuid !== null && uuids.indexOf(uuid) === i);
  if (distinct) return inventory;
  const prefix = createHash('sha256').update(salt).digest('hex').slice(0, 8);
  const renamed = new Map<string | null, string>();
  const gpus = inventory.gpus.map((gpu) => {
    const uuid = `GPU-sim-${prefix}-${gpu.index}`;
    if (!renamed.has(gpu.uuid)) renamed.set(gpu.uuid, uuid);
    return { ...gpu, uuid };
  });
  const processes = inventory.processes?.map((process) => {
    const gpu = process.gpuIndex === null ? undefined : gpus.find((candidate) => candidate.index === process.gpuIndex);
    return { ...process, gpuUuid: gpu?.uuid ?? (process.gpuUuid === null ? null : (renamed.get(process.gpuUuid) ?? process.gpuUuid)) };
  });
  return { ...inventory, gpus, processes: processes ?? null };
}
