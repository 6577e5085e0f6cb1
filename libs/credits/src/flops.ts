import type { CreditsConfig } from './config.js';
import { Dec, dec, toPlain, type DecimalInput } from './decimal.js';
import { CreditsError } from './errors.js';

/** A whole, non-negative count (parameters, tokens, rows, bytes). */
export type Count = number | bigint;

/** What a job did, in the terms of the CREDITS.md table. */
export type JobWork =
  | { kind: 'fine-tune'; method: 'lora' | 'full'; parameters: Count; tokens: Count }
  | { kind: 'eval'; parameters: Count; tokens: Count }
  /** A dataset job that runs a model (scoring, generation). */
  | { kind: 'dataset'; model: true; parameters: Count; tokens: Count }
  /** A dataset job without a model (dedupe, filter, shard, convert). */
  | { kind: 'dataset'; model: false; rows: Count; bytes: Count };

/** FLOPs per parameter per token: full 6, LoRA 4 (forward + backward through frozen weights), forward only 2. */
export const FLOPS_PER_PARAMETER_TOKEN = { full: 6n, lora: 4n, forward: 2n } as const;

function count(value: Count, what: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new CreditsError('invalid_input', `${what} must be a non-negative integer`);
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 0) throw new CreditsError('invalid_input', `${what} must be a non-negative safe integer`);
  return BigInt(value);
}

/**
 * FLOPs by the CREDITS.md formula, a whole number as a decimal string:
 * full 6·N·T, LoRA 4·N·T, eval and model-based dataset jobs 2·N·T, model-free dataset
 * jobs rows × per-row rate + bytes × per-byte rate (rounded down to a whole FLOP).
 */
export function formulaFlops(work: JobWork, config: CreditsConfig): string {
  switch (work.kind) {
    case 'fine-tune': {
      const factor = work.method === 'full' ? FLOPS_PER_PARAMETER_TOKEN.full : FLOPS_PER_PARAMETER_TOKEN.lora;
      return (factor * count(work.parameters, 'parameters') * count(work.tokens, 'tokens')).toString();
    }
    case 'eval':
      return (FLOPS_PER_PARAMETER_TOKEN.forward * count(work.parameters, 'parameters') * count(work.tokens, 'tokens')).toString();
    case 'dataset': {
      if (work.model) {
        return (FLOPS_PER_PARAMETER_TOKEN.forward * count(work.parameters, 'parameters') * count(work.tokens, 'tokens')).toString();
      }
      const rows = dec(count(work.rows, 'rows')).mul(config.datasetJobFlopsPerRow);
      const bytes = dec(count(work.bytes, 'bytes')).mul(config.datasetJobFlopsPerByte);
      return toPlain(rows.add(bytes).floor());
    }
  }
}

/** The FLOPs a claim is made of, and where they came from. */
export interface ClaimedFlops {
  /** Whole FLOPs, decimal string. */
  flops: string;
  /** `reported`: the runtime counted them (the builtin trainer does, exactly); `formula`: computed from N and T. */
  source: 'reported' | 'formula';
  /** The formula's figure, kept next to a reported count for receipts. */
  formulaFlops: string;
}

/**
 * Takes the runtime's own FLOP count when it reports one (the builtin trainer counts
 * exactly, see docs/trainer.md), the formula otherwise. A reported count is rounded down
 * to a whole FLOP; it is still subject to the telemetry bound like any claim.
 */
export function claimedFlops(work: JobWork, reportedFlops: DecimalInput | null | undefined, config: CreditsConfig): ClaimedFlops {
  const formula = formulaFlops(work, config);
  if (reportedFlops === null || reportedFlops === undefined) return { flops: formula, source: 'formula', formulaFlops: formula };
  const reported = parseFlops(reportedFlops, 'reported FLOPs');
  return { flops: toPlain(reported.floor()), source: 'reported', formulaFlops: formula };
}

/** Parses a non-negative finite FLOP amount. */
export function parseFlops(value: DecimalInput, what = 'FLOPs'): Dec {
  let parsed: Dec;
  try {
    parsed = dec(value);
  } catch (error) {
    throw new CreditsError('invalid_input', `${what} is not a number: ${String(value)}`, { cause: error });
  }
  if (!parsed.isFinite() || parsed.isNegative()) throw new CreditsError('invalid_input', `${what} must be finite and non-negative`);
  return parsed;
}
