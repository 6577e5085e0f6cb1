/**
 * `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]` and
 * `--query-compute-apps=… --format=csv[,…]`. Header-driven: any field list, in any order.
 */
import type { Gpu, GpuInventory, GpuProcess } from '@potluck/protocol';
import { computeCapability, count } from './counts.js';
import { type CsvColumn, type CsvTarget, looksLikeHeader, resolveColumns } from './csv-fields.js';
import { splitCsvRecords } from './csv-records.js';
import type { ParseOptions, ParseResult } from './types.js';
import { bool, busId, isPlaceholder, num, text } from './values.js';

export { toTelemetrySamples } from './telemetry.js';

const NEEDS_FIELDS =
  'CSV output without a header row: the field list is needed to read it ' +
  '(pass the --query-gpu / --query-compute-apps field list as csvFields, or drop noheader)';

function unrecognized(message: string): ParseResult {
  return { ok: false, error: { code: 'UNRECOGNIZED', message } };
}

/** Drops empty cells at the end of a record (trailing commas). */
function withoutTrailingEmpty(cells: readonly string[]): string[] {
  let end = cells.length;
  while (end > 1 && (cells[end - 1] as string).trim() === '') end--;
  return cells.slice(0, end);
}

/**
 * Fits a data row onto the columns: trailing empty cells are dropped, and surplus cells
 * (an unquoted comma inside a process or GPU name) are joined back into the free-text
 * column. A row cut short keeps what it has; the missing cells read as placeholders.
 */
function fitRow(cells: readonly string[], width: number, freeText: number): string[] | null {
  let row = cells.length > width ? withoutTrailingEmpty(cells) : [...cells];
  if (row.length > width) {
    if (freeText < 0) return null;
    const extra = row.length - width;
    row = [...row.slice(0, freeText), row.slice(freeText, freeText + extra + 1).join(','), ...row.slice(freeText + extra + 1)];
  }
  return row;
}

/** Where each target's values sit in a row, best-ranked column first. */
type ColumnIndex = ReadonlyMap<CsvTarget, readonly { index: number; unit: string | null }[]>;

function indexColumns(columns: readonly CsvColumn[]): ColumnIndex {
  const byTarget = new Map<CsvTarget, { index: number; unit: string | null; rank: number }[]>();
  columns.forEach((column, index) => {
    if (column.spec === null) return;
    const list = byTarget.get(column.spec.target) ?? [];
    list.push({ index, unit: column.unit, rank: column.spec.rank });
    byTarget.set(column.spec.target, list);
  });
  for (const list of byTarget.values()) list.sort((a, b) => a.rank - b.rank);
  return byTarget;
}

/** The cells of one row read by target; among several columns for one target the best-ranked value wins. */
class RowReader {
  constructor(
    private readonly columns: ColumnIndex,
    private readonly cells: readonly string[],
  ) {}

  private first<T>(target: CsvTarget, read: (raw: string | undefined, unit: string | null) => T | null): T | null {
    for (const { index, unit } of this.columns.get(target) ?? []) {
      const value = read(this.cells[index], unit);
      if (value !== null) return value;
    }
    return null;
  }

  text(target: CsvTarget): string | null {
    return this.first(target, (raw) => text(raw));
  }

  /** A number; a bare value (`nounits`) is read in the unit its header names. */
  number(target: CsvTarget): number | null {
    return this.first(target, (raw, unit) => {
      if (isPlaceholder(raw)) return null;
      const bare = /^[-+]?\d+(?:\.\d+)?$/.test((raw as string).trim());
      return (bare && unit !== null ? num(`${raw} ${unit}`) : null) ?? num(raw);
    });
  }

  count(target: CsvTarget): number | null {
    return this.first(target, (raw) => count(raw));
  }

  bool(target: CsvTarget): boolean | null {
    return this.first(target, (raw) => bool(raw));
  }

  busId(target: CsvTarget): string | null {
    return this.first(target, (raw) => busId(raw));
  }

  computeCapability(target: CsvTarget): string | null {
    return this.first(target, (raw) => computeCapability(raw));
  }
}

function readGpu(row: RowReader, position: number): Gpu {
  return {
    index: row.count('index') ?? position,
    uuid: row.text('uuid'),
    name: row.text('name') ?? '',
    busId: row.busId('busId'),
    serial: row.text('serial'),
    vbiosVersion: row.text('vbiosVersion'),
    virtualizationMode: row.text('virtualizationMode'),
    persistenceMode: row.bool('persistenceMode'),
    memoryTotalMiB: row.number('memoryTotalMiB'),
    memoryUsedMiB: row.number('memoryUsedMiB'),
    memoryFreeMiB: row.number('memoryFreeMiB'),
    utilizationGpuPct: row.number('utilizationGpuPct'),
    utilizationMemoryPct: row.number('utilizationMemoryPct'),
    temperatureC: row.number('temperatureC'),
    fanSpeedPct: row.number('fanSpeedPct'),
    pstate: row.text('pstate'),
    powerDrawW: row.number('powerDrawW'),
    powerLimitW: row.number('powerLimitW'),
    clocksGraphicsMHz: row.number('clocksGraphicsMHz'),
    clocksSmMHz: row.number('clocksSmMHz'),
    clocksMemoryMHz: row.number('clocksMemoryMHz'),
    clocksMaxGraphicsMHz: row.number('clocksMaxGraphicsMHz'),
    clocksMaxMemoryMHz: row.number('clocksMaxMemoryMHz'),
    computeCapability: row.computeCapability('computeCapability'),
    migEnabled: row.bool('migEnabled'),
    migDevices: [],
  };
}

function readProcess(row: RowReader): GpuProcess | null {
  const pid = row.count('pid');
  if (pid === null) return null;
  return {
    gpuUuid: row.text('uuid'),
    gpuIndex: null,
    pid,
    type: null,
    name: row.text('processName') ?? '',
    usedMemoryMiB: row.number('usedMemoryMiB'),
  };
}

function firstNonNull<T>(rows: readonly RowReader[], read: (row: RowReader) => T | null): T | null {
  for (const row of rows) {
    const value = read(row);
    if (value !== null) return value;
  }
  return null;
}

/**
 * Reads `--query-gpu` CSV into GPUs (`processes: null`) or `--query-compute-apps` CSV
 * into processes (`gpus: []`). With `noheader`, `options.csvFields` names the columns.
 * Never throws; output that cannot be read gives an `UNRECOGNIZED` error.
 */
export function parseCsv(input: string, options: ParseOptions = {}): ParseResult {
  const records = splitCsvRecords(typeof input === 'string' ? input : '');
  const first = records[0];
  if (first === undefined) return unrecognized('empty CSV output');

  const headerCells = withoutTrailingEmpty(first);
  const header = resolveColumns(headerCells);
  const hasHeader = header !== null && looksLikeHeader(header.columns);
  const fields = (hasHeader ? headerCells : options.csvFields)?.map((field) => field.trim()).filter((field) => field !== '');
  if (!fields || fields.length === 0) return unrecognized(NEEDS_FIELDS);
  const resolved = hasHeader ? header : resolveColumns(fields);
  if (resolved === null) {
    return unrecognized(`csvFields must be nvidia-smi query field names, got: ${fields.slice(0, 8).join(',').slice(0, 200)}`);
  }
  const { columns, computeApps } = resolved;
  if (!hasHeader && !columns.some((column) => column.spec !== null)) {
    return unrecognized(`none of the fields in csvFields is one the normalised model carries: ${fields.join(',').slice(0, 200)}`);
  }
  const index = indexColumns(columns);

  const freeText = columns.findIndex((column) => column.spec?.target === (computeApps ? 'processName' : 'name'));
  const headerKey = fields.join('\u0000').toLowerCase();
  const firstField = fields[0]?.toLowerCase();
  const rows: RowReader[] = [];
  for (const record of hasHeader ? records.slice(1) : records) {
    // A header repeated further down (outputs of several runs appended) is skipped.
    if (record[0]?.trim().toLowerCase() === firstField && record.map((cell) => cell.trim()).join('\u0000').toLowerCase() === headerKey) continue;
    const cells = fitRow(record, columns.length, freeText);
    if (cells === null) {
      return unrecognized(`a CSV row has ${record.length} fields where the header names ${columns.length}`);
    }
    rows.push(new RowReader(index, cells));
  }

  const timestamp = firstNonNull(rows, (row) => row.text('timestamp'));
  if (computeApps) {
    const hasPid = index.has('pid');
    const processes = hasPid ? rows.map(readProcess).filter((process) => process !== null) : null;
    return { ok: true, inventory: inventory({ timestamp, driverVersion: null, gpus: [], processes }) };
  }
  const gpus = rows.map((row, position) => readGpu(row, position));
  const driverVersion = firstNonNull(rows, (row) => row.text('driverVersion'));
  return { ok: true, inventory: inventory({ timestamp, driverVersion, gpus, processes: null }) };
}

function inventory(parts: Omit<GpuInventory, 'format' | 'cudaVersion'>): GpuInventory {
  return { format: 'csv', cudaVersion: null, ...parts };
}
