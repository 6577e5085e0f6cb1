/**
 * The default `nvidia-smi` table: a header box with driver and CUDA versions, one block
 * per GPU, an optional `MIG devices:` box and a `Processes:` box. Old (≤ 525, 79 columns)
 * and new (530: 89, ≥ 545: 91 columns) widths, the 610 header (`KMD Version`,
 * `CUDA UMD Version`) and fragments cut anywhere are read by the same code, because
 * columns are found from the `|` structure of each line.
 */
import type { Gpu, GpuInventory, GpuProcess, MigDevice } from '@potluck/protocol';
import { withDerivedProfiles } from './mig-profile.js';
import { type ModeColumn, isGpuBlockStart, modeColumnOf, readGpuBlock } from './table-gpus.js';
import { classifyLine, isTimestamp, splitLines } from './table-lines.js';
import { isMigBlockStart, readMigBlock } from './table-mig.js';
import { readProcessLine } from './table-processes.js';
import type { ParseResult } from './types.js';
import { text } from './values.js';

type Section = 'gpus' | 'mig' | 'processes';
type Block = string[][];

/** What the `Processes:` box said, as far as it was read. */
interface ProcessBox {
  seen: boolean;
  instances: boolean | null;
  dataStarted: boolean;
  closed: boolean;
  noneFound: boolean;
  notSupported: boolean;
  rows: GpuProcess[];
}

interface Header {
  driverVersion: string | null;
  cudaVersion: string | null;
}

/** `| NVIDIA-SMI 590.48.01   Driver Version: 590.48.01   CUDA Version: 13.1 |`, or 610's `KMD Version` / `CUDA UMD Version`. */
function readHeader(line: string): Header {
  const smi = /NVIDIA-SMI\s+([^\s|]+)/.exec(line)?.[1];
  const driver = /(?:Driver|KMD) Version:\s*([^\s|]+)/i.exec(line)?.[1];
  const cuda = /CUDA(?: UMD)? Version:\s*([^\s|]+)/i.exec(line)?.[1];
  return { driverVersion: text(driver) ?? text(smi), cudaVersion: text(cuda) };
}

function processesOf(box: ProcessBox): GpuProcess[] | null {
  if (box.rows.length > 0) return box.rows;
  if (box.notSupported) return null;
  return box.noneFound || box.closed ? [] : null;
}

function attachMig(gpus: Gpu[], migBlocks: readonly Block[]): void {
  const byGpu = new Map<number | null, MigDevice[]>();
  for (const block of migBlocks) {
    const { gpuIndex, device } = readMigBlock(block);
    const list = byGpu.get(gpuIndex) ?? [];
    list.push(device);
    byGpu.set(gpuIndex, list);
  }
  for (const gpu of gpus) {
    const devices = byGpu.get(gpu.index);
    if (!devices) continue;
    // The table prints no profile names; derive them where the product's MIG geometry is known.
    gpu.migDevices = withDerivedProfiles(devices, { productName: gpu.name, parentMemoryMiB: gpu.memoryTotalMiB });
    gpu.migEnabled ??= true;
  }
}

/** Reads the default `nvidia-smi` table. Never throws; text that holds no table gives `UNRECOGNIZED`. */
export function parseTable(input: string): ParseResult {
  let timestamp: string | null = null;
  let header: Header | null = null;
  let section: Section = 'gpus';
  let mode: ModeColumn = 'unknown';
  let inTable = false;
  let block: Block | null = null;
  const gpuBlocks: Block[] = [];
  const migBlocks: Block[] = [];
  const box: ProcessBox = { seen: false, instances: null, dataStarted: false, closed: false, noneFound: false, notSupported: false, rows: [] };

  for (const raw of splitLines(typeof input === 'string' ? input : '')) {
    const line = classifyLine(raw);
    if (line.kind === 'text') {
      block = null;
      if (!inTable && timestamp === null && isTimestamp(line.text)) timestamp = line.text;
      continue;
    }
    inTable = true;
    if (line.kind === 'border') {
      block = null;
      if (section === 'processes' && line.double) box.dataStarted = true;
      else if (section === 'processes' && box.dataStarted) box.closed = true;
      continue;
    }
    const { cells } = line;
    if (line.text.includes('NVIDIA-SMI')) {
      header = readHeader(line.text);
      section = 'gpus';
      continue;
    }
    if (line.text.includes('MIG devices:')) {
      section = 'mig';
      continue;
    }
    if (line.text.includes('Processes:')) {
      section = 'processes';
      box.seen = true;
      continue;
    }
    switch (section) {
      case 'gpus':
      case 'mig': {
        const starts = section === 'gpus' ? isGpuBlockStart(cells) : isMigBlockStart(cells);
        if (starts) {
          block = [cells];
          (section === 'gpus' ? gpuBlocks : migBlocks).push(block);
        } else if (block) block.push(cells);
        else if (section === 'gpus') mode = modeColumnOf(cells[0] ?? '') ?? mode;
        break;
      }
      case 'processes': {
        const read = readProcessLine(cells, box.instances);
        if (read.kind === 'process') box.rows.push(read.process);
        else if (read.kind === 'labels') box.instances = read.instances;
        else if (read.kind === 'none-found') box.noneFound = true;
        else if (read.kind === 'not-supported') box.notSupported = true;
        break;
      }
    }
  }

  if (header === null && gpuBlocks.length === 0 && migBlocks.length === 0 && !box.seen) {
    return { ok: false, error: { code: 'UNRECOGNIZED', message: 'no nvidia-smi table found in the output' } };
  }
  const gpus = gpuBlocks.map((lines, position) => readGpuBlock(lines, mode, position));
  attachMig(gpus, migBlocks);
  const inventory: GpuInventory = {
    format: 'table',
    timestamp,
    driverVersion: header?.driverVersion ?? null,
    cudaVersion: header?.cudaVersion ?? null,
    gpus,
    processes: processesOf(box),
  };
  return { ok: true, inventory };
}
