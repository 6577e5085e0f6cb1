/**
 * The `--query-gpu` and `--query-compute-apps` field names nvidia-smi accepts
 * (`nvidia-smi --help-query-gpu`, `--help-query-compute-apps`), with their aliases,
 * mapped onto the properties of the normalised model.
 */

/** What a CSV column carries, once its header (or the caller's field name) is read. */
export type CsvTarget =
  | 'timestamp'
  | 'driverVersion'
  | 'index'
  | 'uuid'
  | 'name'
  | 'busId'
  | 'serial'
  | 'vbiosVersion'
  | 'virtualizationMode'
  | 'persistenceMode'
  | 'memoryTotalMiB'
  | 'memoryUsedMiB'
  | 'memoryFreeMiB'
  | 'utilizationGpuPct'
  | 'utilizationMemoryPct'
  | 'temperatureC'
  | 'fanSpeedPct'
  | 'pstate'
  | 'powerDrawW'
  | 'powerLimitW'
  | 'clocksGraphicsMHz'
  | 'clocksSmMHz'
  | 'clocksMemoryMHz'
  | 'clocksMaxGraphicsMHz'
  | 'clocksMaxMemoryMHz'
  | 'computeCapability'
  | 'migEnabled'
  // --query-compute-apps only
  | 'pid'
  | 'processName'
  | 'usedMemoryMiB';

/** A target and its rank: when several columns feed one target, the lowest rank wins. */
export interface CsvFieldSpec {
  target: CsvTarget;
  rank: number;
}

const spec = (target: CsvTarget, rank = 0): CsvFieldSpec => ({ target, rank });

/** A Map, not an object: a header cell such as `constructor` must not find `Object.prototype`. */
const fieldMap = (fields: Record<string, CsvFieldSpec>): ReadonlyMap<string, CsvFieldSpec> => new Map(Object.entries(fields));

/** Fields of `--query-gpu` (names as nvidia-smi prints them in the header, plus aliases). */
const GPU_FIELDS: ReadonlyMap<string, CsvFieldSpec> = fieldMap({
  timestamp: spec('timestamp'),
  driver_version: spec('driverVersion'),
  kmd_version: spec('driverVersion', 1),
  index: spec('index'),
  uuid: spec('uuid'),
  gpu_uuid: spec('uuid'),
  name: spec('name'),
  gpu_name: spec('name'),
  'pci.bus_id': spec('busId'),
  gpu_bus_id: spec('busId'),
  serial: spec('serial'),
  gpu_serial: spec('serial'),
  vbios_version: spec('vbiosVersion'),
  virtualization_mode: spec('virtualizationMode'),
  persistence_mode: spec('persistenceMode'),
  'memory.total': spec('memoryTotalMiB'),
  'memory.used': spec('memoryUsedMiB'),
  'memory.free': spec('memoryFreeMiB'),
  'utilization.gpu': spec('utilizationGpuPct'),
  'utilization.memory': spec('utilizationMemoryPct'),
  'temperature.gpu': spec('temperatureC'),
  'fan.speed': spec('fanSpeedPct'),
  pstate: spec('pstate'),
  'power.draw': spec('powerDrawW'),
  'power.draw.average': spec('powerDrawW', 1),
  'power.draw.instant': spec('powerDrawW', 2),
  'power.limit': spec('powerLimitW'),
  'enforced.power.limit': spec('powerLimitW', 1),
  'clocks.current.graphics': spec('clocksGraphicsMHz'),
  'clocks.gr': spec('clocksGraphicsMHz'),
  'clocks.current.sm': spec('clocksSmMHz'),
  'clocks.sm': spec('clocksSmMHz'),
  'clocks.current.memory': spec('clocksMemoryMHz'),
  'clocks.mem': spec('clocksMemoryMHz'),
  'clocks.max.graphics': spec('clocksMaxGraphicsMHz'),
  'clocks.max.gr': spec('clocksMaxGraphicsMHz'),
  'clocks.max.memory': spec('clocksMaxMemoryMHz'),
  'clocks.max.mem': spec('clocksMaxMemoryMHz'),
  compute_cap: spec('computeCapability'),
  'mig.mode.current': spec('migEnabled'),
});

/** Fields of `--query-compute-apps`; here `name` is the process name. */
const APP_FIELDS: ReadonlyMap<string, CsvFieldSpec> = fieldMap({
  timestamp: spec('timestamp'),
  gpu_uuid: spec('uuid'),
  gpu_name: spec('name'),
  gpu_bus_id: spec('busId'),
  gpu_serial: spec('serial'),
  pid: spec('pid'),
  process_name: spec('processName'),
  name: spec('processName'),
  used_gpu_memory: spec('usedMemoryMiB'),
  used_memory: spec('usedMemoryMiB'),
});

/** Fields that only `--query-compute-apps` knows: one of them makes the whole CSV a process list. */
const APP_ONLY = new Set(['pid', 'process_name', 'used_gpu_memory', 'used_memory']);

/** A column as read from a header cell such as `memory.used [MiB]`. */
export interface CsvColumn {
  /** Lower-case field name without the unit. */
  field: string;
  /** Unit printed in the header (`MiB`, `%`, `W`, `MHz`), used for values printed with `nounits`. */
  unit: string | null;
  spec: CsvFieldSpec | null;
}

const HEADER_CELL = /^([A-Za-z_][A-Za-z0-9_.]*)\s*(?:\[([^\]]*)\])?$/;

/** Reads one header cell; `null` when it cannot be a field name. */
export function readHeaderCell(cell: string): { field: string; unit: string | null } | null {
  const match = HEADER_CELL.exec(cell.trim());
  if (!match) return null;
  const unit = match[2]?.trim();
  return { field: (match[1] as string).toLowerCase(), unit: unit ? unit : null };
}

/** True when the field names describe `--query-compute-apps` output. */
export function isComputeAppsQuery(fields: readonly string[]): boolean {
  return fields.some((field) => APP_ONLY.has(field));
}

/** Resolves header cells (or caller-supplied field names) into columns. */
export function resolveColumns(cells: readonly string[]): { columns: CsvColumn[]; computeApps: boolean } | null {
  const parsed = cells.map(readHeaderCell);
  if (parsed.some((cell) => cell === null)) return null;
  const named = parsed as { field: string; unit: string | null }[];
  const computeApps = isComputeAppsQuery(named.map((cell) => cell.field));
  const table = computeApps ? APP_FIELDS : GPU_FIELDS;
  const columns = named.map((cell): CsvColumn => ({ field: cell.field, unit: cell.unit, spec: table.get(cell.field) ?? null }));
  return { columns, computeApps };
}

/**
 * True when resolved header cells look like a header: at least one is a field we know
 * or has the shape only field names have (a dot, an underscore or a `[unit]`); data rows
 * of nvidia-smi never look like that.
 */
export function looksLikeHeader(columns: readonly CsvColumn[]): boolean {
  return columns.some((column) => column.spec !== null || column.unit !== null || /[._]/.test(column.field));
}
