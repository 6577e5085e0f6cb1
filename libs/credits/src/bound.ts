import type { TelemetrySample } from '@potluck/protocol';
import type { CreditsConfig } from './config.js';
import { Dec, dec, LEDGER_SCALE, toPlain, type DecimalInput } from './decimal.js';
import { CreditsError } from './errors.js';
import { parseFlops } from './flops.js';

/** Samples of one GPU sorted by time, one per timestamp (the last given wins, as in the roll-ups). */
function timeline(samples: readonly TelemetrySample[]): TelemetrySample[] {
  return [...new Map(samples.map((sample) => [sample.at, sample])).values()].sort((a, b) => a.at - b.at);
}

function byGpu(samples: readonly TelemetrySample[]): Map<string, TelemetrySample[]> {
  const groups = new Map<string, TelemetrySample[]>();
  for (const sample of samples) {
    const group = groups.get(sample.gpuUuid);
    if (group) group.push(sample);
    else groups.set(sample.gpuUuid, [sample]);
  }
  return groups;
}

/** Peak FLOPS of the GPU: one figure for all samples, or one per GPU UUID. */
export type PeakByGpu = number | Readonly<Record<string, number>>;

function peakOf(peak: PeakByGpu, gpuUuid: string): Dec {
  const value = typeof peak === 'number' ? peak : peak[gpuUuid];
  if (value === undefined) throw new CreditsError('unknown_gpu_peak', `no peak FLOPS given for GPU ${gpuUuid}`);
  if (!Number.isFinite(value) || value < 0) throw new CreditsError('invalid_input', `peak FLOPS of ${gpuUuid} must be finite and non-negative`);
  return dec(value);
}

export interface TelemetryBound {
  /** Whole FLOPs the GPUs could have done (rounded down), decimal string. */
  flops: string;
  /** Σ utilisation × Δt: seconds at full utilisation, decimal string. */
  busySeconds: string;
  /** Seconds the counted intervals span (each capped at the max gap), decimal string. */
  coveredSeconds: string;
  /** Distinct samples used (per GPU and timestamp). */
  samples: number;
}

/**
 * The telemetry bound of CREDITS.md, per GPU and summed:
 * Σ over consecutive samples (utilisation_i / 100) × min(t_{i+1} − t_i, maxGap) × peak × maxEfficiency.
 * Each sample's utilisation holds until the next sample; a null utilisation counts as 0;
 * the last sample opens no interval. Capping each interval at the max gap means missing
 * data never inflates the bound (and an honest GPU keeps at most one gap's worth).
 */
export function telemetryBound(samples: readonly TelemetrySample[], peak: PeakByGpu, config: CreditsConfig): TelemetryBound {
  const maxGap = dec(config.maxTelemetryGapMs);
  const efficiency = dec(config.maxEfficiency);
  let flops = new Dec(0);
  let busy = new Dec(0);
  let covered = new Dec(0);
  let count = 0;
  for (const [gpuUuid, group] of byGpu(samples)) {
    const peakFlops = peakOf(peak, gpuUuid);
    const sorted = timeline(group);
    count += sorted.length;
    sorted.forEach((sample, i) => {
      const next = sorted[i + 1];
      if (!next) return;
      const dtSeconds = Dec.min(dec(next.at - sample.at), maxGap).div(1000);
      covered = covered.add(dtSeconds);
      const utilization = clampPct(sample.utilizationGpuPct);
      const busySeconds = utilization.div(100).mul(dtSeconds);
      busy = busy.add(busySeconds);
      flops = flops.add(busySeconds.mul(peakFlops).mul(efficiency));
    });
  }
  return { flops: toPlain(flops.floor()), busySeconds: toPlain(busy), coveredSeconds: toPlain(covered), samples: count };
}

function clampPct(value: number | null): Dec {
  if (value === null || !Number.isFinite(value) || value <= 0) return new Dec(0);
  return value >= 100 ? new Dec(100) : dec(value);
}

export interface BoundedClaim {
  /** FLOPs granted: the claim, or the bound when the claim exceeds it. */
  grantedFlops: string;
  /** True when the claim was above the bound (the attempt is flagged). */
  capped: boolean;
  /** The bound the claim was compared with. */
  boundFlops: string;
  /** Claimed minus granted (0 unless capped). */
  excessFlops: string;
}

/** A claim never exceeds the bound: capped to it, and flagged, when it does. */
export function applyBound(claimedFlops: DecimalInput, boundFlops: DecimalInput): BoundedClaim {
  const claimed = parseFlops(claimedFlops, 'claimed FLOPs');
  const bound = parseFlops(boundFlops, 'bound FLOPs');
  const capped = claimed.gt(bound);
  const granted = capped ? bound : claimed;
  return { grantedFlops: toPlain(granted), capped, boundFlops: toPlain(bound), excessFlops: toPlain(claimed.sub(granted)) };
}

export interface Energy {
  /** Watt-hours, decimal string, rounded half-even at 18 places. */
  wattHours: string;
  /** Seconds of power data counted. */
  coveredSeconds: string;
}

/**
 * Energy from power draw by the roll-ups' rule (apps/coordinator fleet/telemetry-rollup.ts):
 * each sample's power holds until the next sample of the same GPU; an interval longer than
 * the max gap is missing data and counts nothing; a null power counts nothing.
 */
export function telemetryEnergy(samples: readonly TelemetrySample[], config: CreditsConfig): Energy {
  let joules = new Dec(0);
  let coveredMs = new Dec(0);
  for (const group of byGpu(samples).values()) {
    const sorted = timeline(group);
    sorted.forEach((sample, i) => {
      const next = sorted[i + 1];
      if (!next || sample.powerDrawW === null || !Number.isFinite(sample.powerDrawW)) return;
      const gap = next.at - sample.at;
      if (gap > config.maxTelemetryGapMs) return;
      joules = joules.add(dec(sample.powerDrawW).mul(gap).div(1000));
      coveredMs = coveredMs.add(gap);
    });
  }
  return { wattHours: toPlain(joules.div(3600).toDecimalPlaces(LEDGER_SCALE, Dec.ROUND_HALF_EVEN)), coveredSeconds: toPlain(coveredMs.div(1000)) };
}
