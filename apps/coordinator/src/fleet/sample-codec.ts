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
  const at = value[0] as number;
  const num = (i: number): number | null => (typeof value[i] === 'number' ? value[i] : null);
  return {
    gpuUuid,
    at,
    utilizationGpuPct: num(1),
    utilizationMemoryPct: num(2),
    memoryUsedMiB: num(3),
    memoryTotalMiB: num(4),
    temperatureC: num(5),
    powerDrawW: num(6),
    powerLimitW: num(7),
    clocksSmMHz: num(8),
    fanSpeedPct: num(9),
    pstate: typeof value[10] === 'string' ? value[10] : null,
  };
}
