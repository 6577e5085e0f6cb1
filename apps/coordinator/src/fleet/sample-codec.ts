import type { TelemetrySample } from '@potluck/protocol';

/**
 * How a telemetry sample is stored in Redis (latest hash and raw history): a JSON array of
 * its values in this order, without the GPU uuid (the field or key it is stored under names
 * it). About a fifth of the object's JSON: at 10,000 agents the raw history (720 samples per
 * GPU) is ~1 GB of Redis instead of ~4 GB, and every batch writes and every roll-up reads that
 * much less. Samples stored as objects (before this encoding) still decode.
 */
/** The sample's fields that hold a number (or null). */
export type NumericSampleField = { [K in keyof TelemetrySample]: TelemetrySample[K] extends number | null ? K : never }[keyof TelemetrySample];

/** A sample's numeric fields, in the order they are stored (here and in the local tally's arrays). */
export const NUMERIC_SAMPLE_FIELDS = [
  'at',
  'utilizationGpuPct',
  'utilizationMemoryPct',
  'memoryUsedMiB',
  'memoryTotalMiB',
  'temperatureC',
  'powerDrawW',
  'powerLimitW',
  'clocksSmMHz',
  'fanSpeedPct',
] as const satisfies readonly NumericSampleField[];

export const STORED_SAMPLE_FIELDS = [...NUMERIC_SAMPLE_FIELDS, 'pstate'] as const satisfies readonly Exclude<keyof TelemetrySample, 'gpuUuid'>[];

export function encodeSample(sample: TelemetrySample): string {
  return JSON.stringify(STORED_SAMPLE_FIELDS.map((field) => sample[field]));
}

export function decodeSample(gpuUuid: string, stored: string): TelemetrySample {
  const value: unknown = JSON.parse(stored);
  if (!Array.isArray(value)) return { ...(value as TelemetrySample), gpuUuid };
  const pstate: unknown = value[NUMERIC_SAMPLE_FIELDS.length];
  return sampleOf(gpuUuid, value[0] as number, (i) => (typeof value[i] === 'number' ? value[i] : null), typeof pstate === 'string' ? pstate : null);
}

/**
 * A sample from its numbers, read by position in NUMERIC_SAMPLE_FIELDS order (`at` given
 * apart, as position 0 is never null here), and its pstate: for the stored form and for the
 * local tally's arrays.
 */
export function sampleOf(gpuUuid: string, at: number, numberAt: (position: number) => number | null, pstate: string | null): TelemetrySample {
  return {
    gpuUuid,
    at,
    utilizationGpuPct: numberAt(1),
    utilizationMemoryPct: numberAt(2),
    memoryUsedMiB: numberAt(3),
    memoryTotalMiB: numberAt(4),
    temperatureC: numberAt(5),
    powerDrawW: numberAt(6),
    powerLimitW: numberAt(7),
    clocksSmMHz: numberAt(8),
    fanSpeedPct: numberAt(9),
    pstate,
  };
}
