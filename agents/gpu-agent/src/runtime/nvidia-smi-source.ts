import { parseCsv, parseNvidiaSmi, toTelemetrySamples } from '@potluck/nvidia-smi';
import type { GpuInventory, GpuProcess, TelemetrySample } from '@potluck/protocol';
import type { NvidiaSmiExecutor } from '../nvidia-smi/executor.js';
import { GpuSourceError, type GpuSource } from './gpu-source.js';

/** Fields of one telemetry tick: one cheap CSV query instead of the full XML. */
export const SAMPLE_FIELDS = [
  'index', 'uuid', 'name', 'utilization.gpu', 'utilization.memory', 'memory.used', 'memory.total',
  'temperature.gpu', 'power.draw', 'power.limit', 'clocks.sm', 'fan.speed', 'pstate',
] as const;
export const PROCESS_FIELDS = ['gpu_uuid', 'pid', 'process_name', 'used_memory'] as const;

/** The real GPUs, read through nvidia-smi (the only place the agent runs it for telemetry). */
export class NvidiaSmiSource implements GpuSource {
  readonly simulated = false;

  constructor(private readonly executor: NvidiaSmiExecutor) {}

  async inventory(): Promise<GpuInventory> {
    return this.query(['-q', '-x']);
  }

  async sample(now: number): Promise<TelemetrySample[]> {
    return toTelemetrySamples(await this.query([`--query-gpu=${SAMPLE_FIELDS.join(',')}`, '--format=csv,nounits']), now);
  }

  async processes(): Promise<GpuProcess[] | null> {
    const run = await this.executor.run([`--query-compute-apps=${PROCESS_FIELDS.join(',')}`, '--format=csv,nounits']);
    if (!run.ok) return null;
    const result = parseCsv(run.stdout);
    return result.ok ? result.inventory.processes : null;
  }

  private async query(args: string[]): Promise<GpuInventory> {
    const run = await this.executor.run(args);
    if (!run.ok) throw new GpuSourceError('NVIDIA_SMI_UNAVAILABLE', run.message);
    const result = parseNvidiaSmi(run.stdout || run.stderr);
    if (!result.ok) throw new GpuSourceError(result.error.code, result.error.message);
    return result.inventory;
  }
}
