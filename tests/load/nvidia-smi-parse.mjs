#!/usr/bin/env node
/**
 * Benchmark: parse time of `parseNvidiaSmi` for the 8- and 10-GPU outputs of each format,
 * against bare baselines measured in the same run on the same text size:
 * `JSON.parse` of a JSON document of the same size, and `text.split('\n')`.
 *
 *   npm run bench:nvidia-smi            (builds first; reads the built @potluck/nvidia-smi)
 *   node tests/load/nvidia-smi-parse.mjs [fixtures dir] [--iterations N]
 *
 * Samples are found through SOURCES.tsv: each file of a format is parsed once and counted.
 * Where the fixtures hold no real output with that many GPUs, one is assembled from the
 * largest real output of that format by repeating its GPU sections (marked "synthetic").
 * A benchmark, not a test: it prints numbers and never fails on them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseNvidiaSmi } from '@potluck/nvidia-smi';

const args = process.argv.slice(2);
const iterationsFlag = args.indexOf('--iterations');
const ITERATIONS = iterationsFlag >= 0 ? Number(args[iterationsFlag + 1]) : 2000;
const WARMUP = Math.max(200, Math.floor(ITERATIONS / 5));
const positional = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--iterations');
const FIXTURES = positional[0] ?? fileURLToPath(new URL('../../../shared/fixtures/nvidia-smi/', import.meta.url));
const FORMATS = ['xml', 'csv', 'qtext', 'table'];
const SIZES = [8, 10];

/**
 * The field list of the one 8-GPU CSV in the fixtures, saved with noheader (its publisher
 * did not say which fields; this list matches the values' units and order).
 */
const NOHEADER_FIELDS = {
  'csv/issues-tutulino-Megaminer-376__query-gpu-noheader-8gpu.csv': [
    'name', 'utilization.gpu', 'utilization.memory', 'temperature.gpu', 'power.draw', 'power.limit',
    'fan.speed', 'pstate', 'clocks.sm', 'clocks.mem', 'power.max_limit', 'power.default_limit',
  ],
};

function readSources() {
  const [head, ...rows] = readFileSync(`${FIXTURES}SOURCES.tsv`, 'utf8').trim().split('\n');
  const columns = head.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((cell, i) => [columns[i], cell])));
}

function options(file) {
  return NOHEADER_FIELDS[file] ? { csvFields: NOHEADER_FIELDS[file] } : {};
}

// ---- assembling N-GPU outputs from real ones ---------------------------------------------

function repeat(units, count) {
  return Array.from({ length: count }, (_, i) => units[i % units.length]);
}

/** `<gpu id="…">…</gpu>` blocks repeated, bus ids made distinct, attached_gpus updated. */
function assembleXml(text, count) {
  const blocks = [];
  let at = text.indexOf('<gpu id=');
  const start = at;
  let end = -1;
  while (at >= 0) {
    end = text.indexOf('</gpu>', at) + '</gpu>'.length;
    blocks.push(text.slice(at, end));
    at = text.indexOf('<gpu id=', end);
  }
  const body = repeat(blocks, count)
    .map((block, i) => block.replace(/<gpu id="[^"]*">/, `<gpu id="00000000:${(i + 1).toString(16).padStart(2, '0').toUpperCase()}:00.0">`))
    .join('\n\t');
  return (text.slice(0, start) + body + text.slice(end)).replace(/<attached_gpus>\d+<\/attached_gpus>/, `<attached_gpus>${count}</attached_gpus>`);
}

/** Header (unless saved with noheader) plus data rows repeated. */
function assembleCsv(text, count, noheader) {
  const lines = text.trim().split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = noheader ? [] : lines.slice(0, 1);
  return `${[...header, ...repeat(lines.slice(header.length), count)].join('\n')}\n`;
}

/** `GPU 00000000:…` sections of `-q` text repeated. */
function assembleQtext(text, count) {
  const lines = text.split('\n');
  const starts = lines.flatMap((line, i) => (/^GPU [0-9A-Fa-f]{4,8}:/.test(line) ? [i] : []));
  const sections = starts.map((start, i) => lines.slice(start, starts[i + 1] ?? lines.length).join('\n'));
  return `${lines.slice(0, starts[0]).join('\n')}\n${repeat(sections, count).join('\n')}`;
}

/** GPU blocks of the default table repeated (renumbered), everything else kept. */
function assembleTable(text, count) {
  const lines = text.split('\n');
  const first = lines.findIndex((line) => /^\|\s+\d+\s+\S/.test(line));
  let last = first;
  for (let i = first; i < lines.length && lines[i].trim() !== ''; i++) last = i;
  const blocks = [];
  let block = [];
  for (const line of lines.slice(first, last + 1)) {
    block.push(line);
    if (line.startsWith('+')) {
      blocks.push(block);
      block = [];
    }
  }
  const body = repeat(blocks, count).flatMap((lines, i) => lines.map((line, j) => (j === 0 ? line.replace(/^\|\s+\d+/, (m) => `|${String(i).padStart(m.length - 1)}`) : line)));
  return [...lines.slice(0, first), ...body, ...lines.slice(last + 1)].join('\n');
}

const ASSEMBLE = { xml: assembleXml, csv: assembleCsv, qtext: assembleQtext, table: assembleTable };

function findSamples(sources) {
  const samples = [];
  for (const format of FORMATS) {
    const parsed = sources
      .filter((source) => source.format === format && source.saved_file.startsWith(`${format}/`))
      .map((source) => {
        const text = readFileSync(`${FIXTURES}${source.saved_file}`, 'utf8');
        const result = parseNvidiaSmi(text, options(source.saved_file));
        return { file: source.saved_file, text, gpus: result.ok ? result.inventory.gpus.length : 0 };
      })
      .filter((sample) => sample.gpus > 0);
    // The largest real file of each size; outputs are assembled from the heaviest GPU sections (most bytes per GPU).
    parsed.sort((a, b) => b.text.length - a.text.length);
    const base = [...parsed].sort((a, b) => b.text.length / b.gpus - a.text.length / a.gpus)[0];
    for (const size of SIZES) {
      const real = parsed.find((sample) => sample.gpus === size);
      if (real) samples.push({ format, size, file: real.file, synthetic: false, text: real.text, options: options(real.file) });
      else if (base) samples.push({ format, size, file: base.file, synthetic: true, text: ASSEMBLE[format](base.text, size, NOHEADER_FIELDS[base.file] !== undefined), options: options(base.file) });
    }
  }
  return samples;
}

// ---- measuring ---------------------------------------------------------------------------

function measure(fn) {
  for (let i = 0; i < WARMUP; i++) fn();
  const times = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const start = process.hrtime.bigint();
    fn();
    times[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  times.sort();
  return { median: times[Math.floor(ITERATIONS / 2)], p95: times[Math.floor(ITERATIONS * 0.95)] };
}

/** A JSON document of (at least) `bytes` characters built from the parsed inventory. */
function jsonOfSize(inventory, bytes) {
  const unit = JSON.stringify(inventory);
  const items = Array.from({ length: Math.max(1, Math.ceil(bytes / (unit.length + 1))) }, () => inventory);
  return JSON.stringify({ items });
}

const us = (ms) => (ms * 1000).toFixed(1);

const samples = findSamples(readSources());
let sink = 0;
const rows = samples.map((sample) => {
  const result = parseNvidiaSmi(sample.text, sample.options);
  if (!result.ok || result.inventory.gpus.length !== sample.size) throw new Error(`${sample.file}: expected ${sample.size} GPUs`);
  const json = jsonOfSize(result.inventory, sample.text.length);
  const parse = measure(() => {
    sink += parseNvidiaSmi(sample.text, sample.options).ok ? 1 : 0;
  });
  const jsonParse = measure(() => {
    sink += JSON.parse(json).items.length;
  });
  const split = measure(() => {
    sink += sample.text.split('\n').length;
  });
  return { sample, parse, jsonParse, split };
});

console.log(`nvidia-smi parse benchmark — node ${process.version}, ${ITERATIONS} timed iterations after ${WARMUP} warm-up, times in µs`);
console.log(`fixtures: ${FIXTURES}\n`);
const header = ['format', 'gpus', 'bytes', 'parse med', 'parse p95', 'JSON.parse med', 'split med', 'x JSON.parse', 'x split', 'sample'];
const table = rows.map(({ sample, parse, jsonParse, split }) => [
  sample.format,
  String(sample.size),
  String(sample.text.length),
  us(parse.median),
  us(parse.p95),
  us(jsonParse.median),
  us(split.median),
  (parse.median / jsonParse.median).toFixed(1),
  (parse.median / split.median).toFixed(1),
  `${sample.synthetic ? 'synthetic from ' : ''}${sample.file}`,
]);
const widths = header.map((cell, i) => Math.max(cell.length, ...table.map((row) => row[i].length)));
for (const row of [header, ...table]) console.log(row.map((cell, i) => (i < 9 ? cell.padStart(widths[i]) : cell)).join('  '));

const xml8 = rows.find((row) => row.sample.format === 'xml' && row.sample.size === 8);
if (xml8) console.log(`\ntarget: 8-GPU XML under 1 ms — median ${us(xml8.parse.median)} µs, p95 ${us(xml8.parse.p95)} µs: ${xml8.parse.median < 1 ? 'met' : 'NOT met'}`);
if (sink < 0) console.log(sink);
