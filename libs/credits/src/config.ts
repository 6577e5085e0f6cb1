import { z } from 'zod';
import { CreditsError } from './errors.js';

const DAY_MS = 86_400_000;

/** A decimal constant: a finite number or a plain decimal string ("0.10"); kept as a string. */
const decimalString = z
  .union([z.number().finite(), z.string().regex(/^\d+(\.\d+)?$/)])
  .transform((value) => (typeof value === 'number' ? String(value) : value))
  .refine((value) => /^\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value), 'a non-negative decimal');

const fraction = z.number().min(0).max(1);

/** Peak dense FLOPS assumed for a GPU the reference table does not know (deliberately low). */
export const PeakFallbackSchema = z.strictObject({
  fp32: z.number().positive().default(10e12),
  tf32: z.number().positive().default(10e12),
  fp16: z.number().positive().default(25e12),
  bf16: z.number().positive().default(25e12),
});

/**
 * Every constant of the credit model (`shared/design/CREDITS.md`), with its documented default.
 * Parse once at boot with `parseCreditsConfig`; the functions of this package take the result.
 */
export const CreditsConfigSchema = z.strictObject({
  /** FLOPs in one credit: 1 credit = 1 PFLOP. */
  flopsPerCredit: decimalString.default('1000000000000000'),
  /** Share of the peak FLOPS a GPU can sustain at 100 % utilisation (telemetry bound). */
  maxEfficiency: z.number().gt(0).max(1).default(0.75),
  /** A telemetry interval longer than this is missing data: counted up to this long in the bound, not at all in energy. */
  maxTelemetryGapMs: z.number().int().positive().default(15_000),
  /** Peak FLOPS assumed for unknown GPU models. */
  fallbackPeakFlops: PeakFallbackSchema.default(PeakFallbackSchema.parse({})),
  /** FLOPs charged per row and per byte by a dataset job without a model (dedupe, filter, shard, convert). */
  datasetJobFlopsPerRow: decimalString.default('1000'),
  datasetJobFlopsPerByte: decimalString.default('100'),
  /** α: data credit = α × the consuming job's compute credit. */
  dataCreditAlpha: decimalString.default('0.10'),
  /** Share of a derived dataset's data credit passed on to the contributors of its parents. */
  lineageParentShare: decimalString.default('0.5'),
  /** Lineage levels followed above the consumed dataset; deeper ancestors get nothing. */
  lineageMaxDepth: z.number().int().min(0).max(64).default(8),
  /** Agents with fewer consecutive valid results always get a second opinion. */
  quorumFreeAfterConsecutiveValid: z.number().int().min(1).default(10),
  /** Results compared when a job is replicated. */
  replicationQuorum: z.number().int().min(2).default(2),
  /** A trusted agent's result is replicated with probability min(1, scale / CV). */
  replicationProbabilityScale: z.number().gt(0).default(1),
  /** A fine-tune's held-out loss is reproduced when |reported − reproduced| ≤ max(absolute, relative × |reproduced|). */
  lossToleranceAbsolute: fraction.default(0.01),
  lossToleranceRelative: fraction.default(0.01),
  /** Half-life of the recent average credit. */
  recentAverageHalfLifeMs: z.number().int().positive().default(7 * DAY_MS),
});

export type CreditsConfig = z.output<typeof CreditsConfigSchema>;
export type CreditsConfigInput = z.input<typeof CreditsConfigSchema>;

/** Parses a (partial) configuration; unknown keys and out-of-range values are refused. */
export function parseCreditsConfig(input: CreditsConfigInput = {}): CreditsConfig {
  const parsed = CreditsConfigSchema.safeParse(input);
  if (!parsed.success) throw new CreditsError('invalid_config', z.prettifyError(parsed.error));
  if (Number(parsed.data.flopsPerCredit) <= 0) throw new CreditsError('invalid_config', 'flopsPerCredit must be positive');
  if (Number(parsed.data.dataCreditAlpha) > 1 || Number(parsed.data.lineageParentShare) > 1) {
    throw new CreditsError('invalid_config', 'dataCreditAlpha and lineageParentShare must be at most 1');
  }
  return parsed.data;
}

/** The defaults of CREDITS.md. */
export const DEFAULT_CREDITS_CONFIG: CreditsConfig = parseCreditsConfig();
