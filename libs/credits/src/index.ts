export { CreditsConfigSchema, PeakFallbackSchema, parseCreditsConfig, DEFAULT_CREDITS_CONFIG, type CreditsConfig, type CreditsConfigInput } from './config.js';
export { CreditsError, type CreditsErrorCode } from './errors.js';
export { Dec, LEDGER_SCALE, type DecimalInput } from './decimal.js';
export { allocate } from './allocate.js';
export { formulaFlops, claimedFlops, parseFlops, FLOPS_PER_PARAMETER_TOKEN, type JobWork, type Count, type ClaimedFlops } from './flops.js';
export {
  GPU_PEAKS,
  PrecisionSchema,
  normaliseGpuName,
  findGpuPeak,
  entryPeakFlops,
  peakFlops,
  migSmFraction,
  type Precision,
  type GpuPeakEntry,
  type PeakFlops,
} from './gpu-peaks.js';
export { telemetryBound, applyBound, telemetryEnergy, type PeakByGpu, type TelemetryBound, type BoundedClaim, type Energy } from './bound.js';
export { assessAttempt, type AttemptInput, type AttemptAssessment } from './attempt.js';
export { creditsFromFlops, flopsFromCredits, sumCredits } from './credit.js';
export {
  splitDataCredit,
  lineageFromRecord,
  type DatasetNode,
  type LineageLookup,
  type DataCreditInput,
  type DataCreditAllocation,
  type DataCreditSplit,
} from './data-credit.js';
export { updateRecentAverage, recentAverageAt, recentAverageFromGrants, decayFactor, type RecentAverage } from './recent-average.js';
export { replicationDecision, nextConsecutiveValid, lossesAgree, type ReplicationDecision, type LossComparison } from './replication.js';
