/**
 * The per-GPU blocks of the default table: two lines up to driver 440, three (with
 * `MIG M.`) from 450 on.
 *
 * ```
 * |   0  NVIDIA H100 80GB HBM3          On  |   00000000:00:09.0 Off |                   On |
 * | N/A   52C    P0            432W /  700W |   11125MiB /  81559MiB |     N/A      Default |
 * |                                         |                        |              Enabled |
 * ```
 */
import type { Gpu } from '@potluck/protocol';
import { count } from './counts.js';
import { between, slashPair, spans, tokens } from './table-lines.js';
import { bool, busId, num } from './values.js';

/** What the label of the first column says the token after the name is. */
export type ModeColumn = 'persistence' | 'driver-model' | 'unknown';

/** First line of a GPU block: `|   0  <name>  <mode> | <bus id> <disp> | <ecc> |`. */
export function isGpuBlockStart(cells: readonly string[]): boolean {
  return cells.length >= 2 && /^\s*\d+\s+\S/.test(cells[0] as string);
}

const MODE_TOKENS = new Set(['on', 'off', 'n/a', 'wddm', 'tcc', 'mcdm']);
const DRIVER_MODELS = new Set(['wddm', 'tcc', 'mcdm']);
const BUS_ID = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]$/i;

type Sensors = Pick<Gpu, 'fanSpeedPct' | 'temperatureC' | 'pstate' | 'powerDrawW' | 'powerLimitW'>;

/** Fan, temperature, performance state and power from `| 53%   75C    P2   223W / 250W |`. */
function readSensors(cell: string | undefined): Sensors {
  const [left, right] = slashPair(cell);
  const parts = tokens(left);
  const sensors: Sensors = { fanSpeedPct: null, temperatureC: null, pstate: null, powerDrawW: null, powerLimitW: num(right) };
  if (parts.length === 4) {
    const [fan, temp, perf, draw] = parts;
    sensors.fanSpeedPct = /%$/.test(fan ?? '') ? num(fan) : null;
    sensors.temperatureC = /C$/i.test(temp ?? '') ? num(temp) : null;
    sensors.pstate = /^P\d{1,2}$/.test(perf ?? '') ? (perf as string) : null;
    sensors.powerDrawW = /W$/i.test(draw ?? '') ? num(draw) : null;
    return sensors;
  }
  // A line cut short or reshaped: assign by the unit each value carries.
  for (const part of parts) {
    if (/^\d+(?:\.\d+)?%$/.test(part)) sensors.fanSpeedPct ??= num(part);
    else if (/^-?\d+(?:\.\d+)?C$/i.test(part)) sensors.temperatureC ??= num(part);
    else if (/^P\d{1,2}$/.test(part)) sensors.pstate ??= part;
    else if (/^\d+(?:\.\d+)?W$/i.test(part)) sensors.powerDrawW ??= num(part);
  }
  return sensors;
}

/** Reads one GPU block (its lines split into cells). `position` stands in for an unreadable index. */
export function readGpuBlock(lines: readonly (readonly string[])[], mode: ModeColumn, position: number): Gpu {
  const [first = [], second = [], third = []] = lines;
  const head = first[0] ?? '';
  const headSpans = spans(head);
  const lastToken = headSpans.length > 2 ? (headSpans[headSpans.length - 1]?.text ?? '') : '';
  const hasMode = MODE_TOKENS.has(lastToken.toLowerCase());
  const name = between(head, headSpans, 1, headSpans.length - (hasMode ? 2 : 1));
  const bus = tokens(first[1])[0];
  const [used, total] = slashPair(second[1]);
  const migMode = lines.length >= 3 ? bool(third[2]) : null;

  return {
    index: count(headSpans[0]?.text) ?? position,
    uuid: null,
    name,
    busId: bus !== undefined && BUS_ID.test(bus) ? busId(bus) : null,
    serial: null,
    vbiosVersion: null,
    virtualizationMode: null,
    persistenceMode: hasMode && mode !== 'driver-model' && !DRIVER_MODELS.has(lastToken.toLowerCase()) ? bool(lastToken) : null,
    memoryTotalMiB: num(total),
    memoryUsedMiB: num(used),
    memoryFreeMiB: null,
    utilizationGpuPct: /%$/.test(tokens(second[2])[0] ?? '') ? num(tokens(second[2])[0]) : null,
    utilizationMemoryPct: null,
    ...readSensors(second[0]),
    clocksGraphicsMHz: null,
    clocksSmMHz: null,
    clocksMemoryMHz: null,
    clocksMaxGraphicsMHz: null,
    clocksMaxMemoryMHz: null,
    computeCapability: null,
    migEnabled: migMode,
    migDevices: [],
  };
}

/** Which mode the first column carries, from its label (`GPU  Name  Persistence-M`); `null` for other rows. */
export function modeColumnOf(label: string): ModeColumn | null {
  if (!/\bName\b/.test(label)) return null;
  if (/Persistence/i.test(label)) return 'persistence';
  if (/TCC|WDDM|Driver-Model/i.test(label)) return 'driver-model';
  return 'unknown';
}
