import type { TelemetryBatch } from './agent-events.js';
import { MAX_TELEMETRY_BATCH } from './agent-events.js';
import { MAX_PSTATE_LENGTH, TELEMETRY_RANGE_ENTRIES, TelemetrySampleSchema } from './gpu.js';

/** Every field of a sample, from the schema (a field added there is required here too). */
const SAMPLE_FIELDS: ReadonlySet<string> = new Set(Object.keys(TelemetrySampleSchema.shape));
const MAX_GPU_UUID_LENGTH = 128;

/**
 * The common case of `TelemetryBatchSchema.safeParse`, without the copy: a coordinator
 * takes a batch from every agent every few seconds, and the schema's parse allocates a new
 * object for every sample and a result for every field (about 4 KB per batch, kept until
 * the batch is stored). This accepts only batches that are already exactly what the schema
 * outputs (no extra keys, every field present and in range) and returns them as they are,
 * with `dropped` defaulted; for anything else it returns null and the caller parses with
 * the schema, which decides and explains. So whatever it accepts, the schema accepts with
 * equal data (checked by a randomised test against the schema).
 */
export function acceptTelemetryBatch(payload: unknown): TelemetryBatch | null {
  if (!isRecord(payload)) return null;
  let keys = 0;
  for (const key in payload) {
    if (key !== 'seq' && key !== 'samples' && key !== 'dropped') return null;
    keys += 1;
  }
  const { seq, samples, dropped } = payload;
  if (!isCount(seq) || !Array.isArray(samples) || samples.length > MAX_TELEMETRY_BATCH) return null;
  if (dropped !== undefined && !isCount(dropped)) return null;
  if (keys !== Object.keys(payload).length) return null; // inherited enumerable keys
  for (const sample of samples) if (!isSample(sample)) return null;
  return { seq, samples: samples as TelemetryBatch['samples'], dropped: dropped ?? 0 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isSample(sample: unknown): boolean {
  if (!isRecord(sample)) return false;
  const keys = Object.keys(sample);
  if (keys.length !== SAMPLE_FIELDS.size) return false;
  const { gpuUuid, at, pstate } = sample;
  if (typeof gpuUuid !== 'string' || gpuUuid.length < 1 || gpuUuid.length > MAX_GPU_UUID_LENGTH) return false;
  if (!isCount(at)) return false;
  if (pstate !== null && (typeof pstate !== 'string' || pstate.length > MAX_PSTATE_LENGTH)) return false;
  // The readings, each a number in its TELEMETRY_RANGES range or null (as the schema says). A
  // field of another kind added to the schema makes the randomised test against it fail until
  // it is handled here.
  for (const [field, [min, max]] of TELEMETRY_RANGE_ENTRIES) {
    const value = sample[field];
    if (value !== null && !(typeof value === 'number' && value >= min && value <= max)) return false;
  }
  // Twelve own keys, each of the twelve fields present: no key is unknown.
  for (const key of keys) if (!SAMPLE_FIELDS.has(key)) return false;
  return true;
}
