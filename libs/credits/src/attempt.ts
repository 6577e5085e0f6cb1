import type { TelemetrySample } from '@potluck/protocol';
import { applyBound, telemetryBound, telemetryEnergy, type BoundedClaim, type Energy, type TelemetryBound } from './bound.js';
import type { CreditsConfig } from './config.js';
import { creditsFromFlops } from './credit.js';
import type { DecimalInput } from './decimal.js';
import { claimedFlops, type ClaimedFlops, type JobWork } from './flops.js';
import { peakFlops, type PeakFlops, type Precision } from './gpu-peaks.js';

export interface AttemptInput {
  work: JobWork;
  /** The runtime's own FLOP count, when it reports one. */
  reportedFlops?: DecimalInput | null;
  precision: Precision;
  /** The GPUs the attempt ran on, by UUID: `nvidia-smi` name and, for a MIG instance, its SM share. */
  gpus: Readonly<Record<string, { name: string; smFraction?: number }>>;
  /** Telemetry of those GPUs over the attempt. */
  samples: readonly TelemetrySample[];
}

/** Everything a receipt states about one attempt's compute. */
export interface AttemptAssessment {
  claimed: ClaimedFlops;
  peaks: Record<string, PeakFlops>;
  bound: TelemetryBound;
  /** Claim against bound: granted FLOPs, capped flag. */
  bounded: BoundedClaim;
  /** Compute credit of the granted FLOPs, decimal string. */
  credits: string;
  energy: Energy;
}

/** Claimed FLOPs → telemetry bound → cap → credits, and energy, for one attempt. */
export function assessAttempt(input: AttemptInput, config: CreditsConfig): AttemptAssessment {
  const claimed = claimedFlops(input.work, input.reportedFlops, config);
  const peaks = Object.fromEntries(
    Object.entries(input.gpus).map(([uuid, gpu]) => [uuid, peakFlops(gpu.name, input.precision, gpu.smFraction ?? 1, config.fallbackPeakFlops)]),
  );
  const bound = telemetryBound(input.samples, Object.fromEntries(Object.entries(peaks).map(([uuid, peak]) => [uuid, peak.flops])), config);
  const bounded = applyBound(claimed.flops, bound.flops);
  return { claimed, peaks, bound, bounded, credits: creditsFromFlops(bounded.grantedFlops, config), energy: telemetryEnergy(input.samples, config) };
}
