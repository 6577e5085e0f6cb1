import { z } from 'zod';

/**
 * The normalised view of what `nvidia-smi` reports about a machine.
 * Every numeric field is either a finite number in the unit its name states or `null`
 * when the output did not carry it (placeholders such as `N/A`, `[Not Supported]`,
 * `ERR!` or an empty field). A number is never `NaN`, and `0` is never a stand-in for
 * "unknown".
 */

const nullableNumber = z.number().finite().nullable();
const nullableString = z.string().nullable();

/** The output formats `libs/nvidia-smi` reads. */
export const NvidiaSmiFormatSchema = z.enum(['xml', 'csv', 'qtext', 'table']);
export type NvidiaSmiFormat = z.infer<typeof NvidiaSmiFormatSchema>;

/** Typed codes for the error outputs nvidia-smi prints instead of an inventory. */
export const NvidiaSmiErrorCodeSchema = z.enum([
  'DRIVER_NOT_LOADED',
  'NO_DEVICES',
  'DRIVER_LIBRARY_MISMATCH',
  'GPU_LOST',
  'NVML_UNKNOWN_ERROR',
  'NVML_LIBRARY_NOT_FOUND',
  'INSUFFICIENT_PERMISSIONS',
  'UNRECOGNIZED',
]);
export type NvidiaSmiErrorCode = z.infer<typeof NvidiaSmiErrorCodeSchema>;

export const NvidiaSmiErrorSchema = z.object({
  code: NvidiaSmiErrorCodeSchema,
  message: z.string(),
});
export type NvidiaSmiError = z.infer<typeof NvidiaSmiErrorSchema>;

/** A MIG instance (GPU instance + compute instance) on a MIG-enabled GPU. */
export const MigDeviceSchema = z.object({
  /** Index of the MIG device on its parent GPU, when printed. */
  index: z.number().int().nonnegative().nullable(),
  /** GPU instance id. */
  gpuInstanceId: z.number().int().nonnegative().nullable(),
  /** Compute instance id. */
  computeInstanceId: z.number().int().nonnegative().nullable(),
  /** MIG device UUID (`MIG-…`) when printed. */
  uuid: nullableString,
  /** Profile name such as `1g.10gb` when known. */
  profile: nullableString,
  /** Streaming multiprocessor count of the slice. */
  smCount: z.number().int().nonnegative().nullable(),
  memoryTotalMiB: nullableNumber,
  memoryUsedMiB: nullableNumber,
});
export type MigDevice = z.infer<typeof MigDeviceSchema>;

export const GpuSchema = z.object({
  /** minor index as nvidia-smi numbers the GPU (0-based). */
  index: z.number().int().nonnegative(),
  uuid: nullableString,
  name: z.string(),
  /** PCI bus id normalised to `DDDDDDDD:BB:DD.F` upper-case when present. */
  busId: nullableString,
  serial: nullableString,
  vbiosVersion: nullableString,
  /** Virtualization mode as printed (`None`, `Pass-Through`, `VGPU`, `Host VGPU`), when present. */
  virtualizationMode: nullableString,
  persistenceMode: z.boolean().nullable(),
  memoryTotalMiB: nullableNumber,
  memoryUsedMiB: nullableNumber,
  memoryFreeMiB: nullableNumber,
  utilizationGpuPct: nullableNumber,
  utilizationMemoryPct: nullableNumber,
  temperatureC: nullableNumber,
  /** Fan speed in percent; `null` for passively cooled cards. */
  fanSpeedPct: nullableNumber,
  /** Performance state as printed (`P0` … `P12`). */
  pstate: nullableString,
  powerDrawW: nullableNumber,
  powerLimitW: nullableNumber,
  clocksGraphicsMHz: nullableNumber,
  clocksSmMHz: nullableNumber,
  clocksMemoryMHz: nullableNumber,
  clocksMaxGraphicsMHz: nullableNumber,
  clocksMaxMemoryMHz: nullableNumber,
  /** Compute capability such as `8.9` when the output printed it. */
  computeCapability: nullableString,
  /** `true`/`false` when the output tells the current MIG mode, else `null`. */
  migEnabled: z.boolean().nullable(),
  migDevices: z.array(MigDeviceSchema),
});
export type Gpu = z.infer<typeof GpuSchema>;

export const GpuProcessSchema = z.object({
  /** UUID of the GPU the process runs on; `null` when only the index is known. */
  gpuUuid: nullableString,
  /** Index of the GPU when printed (tables print the index, CSV the UUID). */
  gpuIndex: z.number().int().nonnegative().nullable(),
  pid: z.number().int().nonnegative(),
  /** `C` (compute), `G` (graphics) or `C+G` when printed. */
  type: nullableString,
  name: z.string(),
  usedMemoryMiB: nullableNumber,
});
export type GpuProcess = z.infer<typeof GpuProcessSchema>;

export const GpuInventorySchema = z.object({
  format: NvidiaSmiFormatSchema,
  /** Timestamp printed by nvidia-smi, verbatim, when present. */
  timestamp: nullableString,
  driverVersion: nullableString,
  cudaVersion: nullableString,
  gpus: z.array(GpuSchema),
  /**
   * Processes using the GPUs. `null` when the output holds no process information
   * (CSV of --query-gpu, or a process table that says `Not Supported`); `[]` when it
   * says no process is running.
   */
  processes: z.array(GpuProcessSchema).nullable(),
});
export type GpuInventory = z.infer<typeof GpuInventorySchema>;

/**
 * What each number of a telemetry reading can physically be, inclusive. The coordinator
 * refuses a sample with a number outside (one donor's 1e308 W would break the public fleet
 * summary and the energy roll-ups); the agent sends null instead for a reading outside
 * (`withinTelemetryRanges`), as for any reading it could not make sense of.
 */
export const TELEMETRY_RANGES = {
  utilizationGpuPct: [0, 100],
  utilizationMemoryPct: [0, 100],
  /** Up to 16 TiB. */
  memoryUsedMiB: [0, 16_777_216],
  memoryTotalMiB: [0, 16_777_216],
  temperatureC: [-100, 250],
  powerDrawW: [0, 100_000],
  powerLimitW: [0, 100_000],
  clocksSmMHz: [0, 100_000],
  fanSpeedPct: [0, 100],
} as const satisfies Record<string, readonly [number, number]>;
export type TelemetryNumberField = keyof typeof TELEMETRY_RANGES;
/** TELEMETRY_RANGES as [field, [min, max]] pairs, for the checks that walk every reading. */
export const TELEMETRY_RANGE_ENTRIES = Object.entries(TELEMETRY_RANGES) as readonly (readonly [TelemetryNumberField, readonly [number, number]])[];
/** A performance state is short (`P0` … `P15`); longer text is not one. */
export const MAX_PSTATE_LENGTH = 16;

const reading = (field: TelemetryNumberField) => z.number().min(TELEMETRY_RANGES[field][0]).max(TELEMETRY_RANGES[field][1]).nullable();

/** One telemetry reading of one GPU at one moment (from --query-gpu CSV or an inventory). */
export const TelemetrySampleSchema = z.object({
  gpuUuid: z.string().min(1).max(128),
  /** Milliseconds since the Unix epoch when the reading was taken. */
  at: z.number().int().nonnegative(),
  utilizationGpuPct: reading('utilizationGpuPct'),
  utilizationMemoryPct: reading('utilizationMemoryPct'),
  memoryUsedMiB: reading('memoryUsedMiB'),
  memoryTotalMiB: reading('memoryTotalMiB'),
  temperatureC: reading('temperatureC'),
  powerDrawW: reading('powerDrawW'),
  powerLimitW: reading('powerLimitW'),
  clocksSmMHz: reading('clocksSmMHz'),
  fanSpeedPct: reading('fanSpeedPct'),
  pstate: z.string().max(MAX_PSTATE_LENGTH).nullable(),
});
export type TelemetrySample = z.infer<typeof TelemetrySampleSchema>;

/** The sample with every number outside TELEMETRY_RANGES, and a pstate too long to be one, as null (the same object when nothing is). */
export function withinTelemetryRanges(sample: TelemetrySample): TelemetrySample {
  let result = sample;
  for (const [field, [min, max]] of TELEMETRY_RANGE_ENTRIES) {
    const value = sample[field];
    if (value !== null && !(value >= min && value <= max)) result = { ...result, [field]: null };
  }
  if (sample.pstate !== null && sample.pstate.length > MAX_PSTATE_LENGTH) result = { ...result, pstate: null };
  return result;
}

/** NVIDIA architecture families, oldest first. */
export const GpuArchitectureSchema = z.enum([
  'kepler',
  'maxwell',
  'pascal',
  'volta',
  'turing',
  'ampere',
  'ada',
  'hopper',
  'blackwell',
]);
export type GpuArchitecture = z.infer<typeof GpuArchitectureSchema>;

/** A unit the scheduler can hand out: a whole GPU, or one MIG instance of a GPU. */
export const SchedulableDeviceSchema = z.object({
  /** Stable id: the GPU UUID, or the MIG device UUID (or `<gpu uuid>/gi<N>/ci<M>`). */
  id: z.string(),
  kind: z.enum(['gpu', 'mig']),
  gpuIndex: z.number().int().nonnegative(),
  gpuUuid: nullableString,
  name: z.string(),
  /** MIG profile (`3g.40gb`) for a MIG instance. */
  migProfile: nullableString,
  memoryTotalMiB: nullableNumber,
  computeCapability: nullableString,
  architecture: GpuArchitectureSchema.nullable(),
  driverVersion: nullableString,
  cudaVersion: nullableString,
});
export type SchedulableDevice = z.infer<typeof SchedulableDeviceSchema>;
