import type { CreditsConfig } from './config.js';
import { CreditsError } from './errors.js';

export interface ReplicationDecision {
  /** Send the job to another agent as well. */
  replicate: boolean;
  /** Results to compare: the configured quorum when replicated, 1 otherwise. */
  quorum: number;
  /** Probability of replication that applied (1 below the threshold). */
  probability: number;
  /** `untrusted`: fewer consecutive valid results than the threshold; `sampled`/`skipped`: drawn with probability scale/CV. */
  reason: 'untrusted' | 'sampled' | 'skipped';
}

/**
 * Adaptive replication (BOINC): an agent with fewer than `quorumFreeAfterConsecutiveValid`
 * consecutive valid results always gets a second opinion; after that a result is
 * replicated with probability min(1, scale / CV). `random` is a uniform draw in [0, 1)
 * supplied by the caller (replicate when random < probability).
 */
export function replicationDecision(consecutiveValid: number, random: number, config: CreditsConfig): ReplicationDecision {
  if (!Number.isSafeInteger(consecutiveValid) || consecutiveValid < 0) throw new CreditsError('invalid_input', 'consecutiveValid must be a non-negative integer');
  if (!(random >= 0 && random < 1)) throw new CreditsError('invalid_input', 'random must be in [0, 1)');
  if (consecutiveValid < config.quorumFreeAfterConsecutiveValid) {
    return { replicate: true, quorum: config.replicationQuorum, probability: 1, reason: 'untrusted' };
  }
  const probability = Math.min(1, config.replicationProbabilityScale / consecutiveValid);
  const replicate = random < probability;
  return { replicate, quorum: replicate ? config.replicationQuorum : 1, probability, reason: replicate ? 'sampled' : 'skipped' };
}

/** CV after a validated result: one more when valid, back to 0 when invalid. */
export function nextConsecutiveValid(consecutiveValid: number, valid: boolean): number {
  return valid ? consecutiveValid + 1 : 0;
}

export interface LossComparison {
  agree: boolean;
  /** |reported − reproduced|. */
  difference: number;
  /** max(absolute, relative × |reproduced|). */
  tolerance: number;
}

/**
 * Whether a reproduced eval loss confirms a reported one (a fine-tune's held-out loss, or
 * two replicas of an eval): |reported − reproduced| ≤ max(absolute, relative × |reproduced|).
 * A non-finite loss never agrees.
 */
export function lossesAgree(reported: number, reproduced: number, config: CreditsConfig): LossComparison {
  const tolerance = Math.max(config.lossToleranceAbsolute, config.lossToleranceRelative * Math.abs(reproduced));
  if (!Number.isFinite(reported) || !Number.isFinite(reproduced)) return { agree: false, difference: Number.NaN, tolerance };
  const difference = Math.abs(reported - reproduced);
  return { agree: difference <= tolerance, difference, tolerance };
}
