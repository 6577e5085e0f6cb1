/**
 * Property test of the entry point: mutated real outputs (every fixture of every folder)
 * and random bytes always give either a schema-valid inventory or a typed error. Never an
 * exception, never NaN. Deterministic: a seeded PRNG, so a failure names its case and
 * replays identically.
 */
import { GpuInventorySchema, NvidiaSmiErrorCodeSchema } from '@potluck/protocol';
import { below, seededRandom as prng, type Random } from '@potluck/protocol/testing';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmi, type ParseOptions, type ParseResult } from './index.js';
import { fixtureNames, hasNonFiniteNumber, readFixture } from './testing/smi-fixtures.js';

const FOLDERS = ['xml', 'qtext', 'csv', 'table', 'errors'] as const;
const MUTANTS_PER_FIXTURE = 40;
const RANDOM_INPUTS = 400;
const SEED = 0x5eed_2024;

const PLACEHOLDERS = ['N/A', '[N/A]', '[Not Supported]', '[Unknown Error]', '[Requested functionality has been deprecated]', 'ERR!', '', 'Not Supported', '[Insufficient Permissions]', 'NaN', 'Infinity', '-1', '1e999', '99999999999999999999'];
/** Values worth swapping: numbers with or without units, and the placeholders themselves. */
const VALUE = /\b\d+(?:\.\d+)?(?: ?(?:MiB|MHz|W|C|%|KB\/s))?|\[?N\/A\]?|\[Not Supported\]|\[Unknown Error\]|ERR!/g;

const MUTATIONS: Readonly<Record<string, (input: string, random: Random) => string>> = {
  flipCharacter(input, random) {
    if (input.length === 0) return input;
    const at = below(random, input.length);
    return input.slice(0, at) + String.fromCharCode(below(random, 256)) + input.slice(at + 1);
  },
  insertMarkup(input, random) {
    const at = below(random, input.length + 1);
    const markup = ['<', '>', '</gpu>', '<gpu>', '"', '&', '&#x0;', ':', ' : ', '|', ',', '\n', '\t', '<!--', ']]>', '<!DOCTYPE ['][below(random, 15)] ?? '';
    return input.slice(0, at) + markup + input.slice(at);
  },
  deleteLine(input, random) {
    const lines = input.split('\n');
    lines.splice(below(random, lines.length), 1);
    return lines.join('\n');
  },
  duplicateLine(input, random) {
    const lines = input.split('\n');
    const at = below(random, lines.length);
    lines.splice(at, 0, lines[at] ?? '');
    return lines.join('\n');
  },
  swapLines(input, random) {
    const lines = input.split('\n');
    const first = below(random, lines.length);
    const second = below(random, lines.length);
    [lines[first], lines[second]] = [lines[second] ?? '', lines[first] ?? ''];
    return lines.join('\n');
  },
  truncate(input, random) {
    return input.slice(0, below(random, input.length + 1));
  },
  swapValue(input, random) {
    const matches = [...input.matchAll(VALUE)];
    const match = matches[below(random, matches.length)];
    if (!match) return input;
    const replacement = PLACEHOLDERS[below(random, PLACEHOLDERS.length)] ?? '';
    return input.slice(0, match.index) + replacement + input.slice(match.index + match[0].length);
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

/** What is wrong with `result`, or `null` when it keeps the contract. */
function contractViolation(result: ParseResult): string | null {
  if (!result.ok) {
    if (!NvidiaSmiErrorCodeSchema.safeParse(result.error.code).success) return `unknown error code ${String(result.error.code)}`;
    return typeof result.error.message === 'string' ? null : 'error without a message';
  }
  if (hasNonFiniteNumber(result.inventory)) return 'NaN or Infinity in the inventory';
  const validation = GpuInventorySchema.safeParse(result.inventory);
  return validation.success ? null : `invalid inventory: ${validation.error.message.slice(0, 300)}`;
}

/** Parses `input`: the result, or what was wrong with it (an exception included). */
function check(input: string, options?: ParseOptions): { result: ParseResult | null; violation: string | null } {
  try {
    const result = parseNvidiaSmi(input, options);
    return { result, violation: contractViolation(result) };
  } catch (error) {
    return { result: null, violation: `threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` };
  }
}

describe('parseNvidiaSmi under fuzzing', () => {
  it.each(FOLDERS)('keeps its contract on mutated %s fixtures', (folder) => {
    const random = prng(SEED ^ folder.length);
    const failures: string[] = [];
    let inventories = 0;
    let mutants = 0;
    for (const name of fixtureNames(folder)) {
      const original = readFixture(folder, name);
      for (let mutant = 0; mutant < MUTANTS_PER_FIXTURE; mutant++) {
        let input = original;
        const applied: string[] = [];
        for (let step = 1 + below(random, 4); step > 0; step--) {
          const mutation = MUTATION_NAMES[below(random, MUTATION_NAMES.length)] as string;
          applied.push(mutation);
          input = (MUTATIONS[mutation] as (input: string, random: Random) => string)(input, random);
        }
        const options = random() < 0.2 ? { csvFields: ['index', 'name', 'memory.used [MiB]', 'utilization.gpu [%]'] } : undefined;
        const { result, violation } = check(input, options);
        if (violation) failures.push(`${folder}/${name} #${mutant} [${applied.join(', ')}]: ${violation}`);
        if (result?.ok) inventories++;
        mutants++;
      }
    }
    expect(failures).toEqual([]);
    // Most mutants of a real inventory still read as one: the parsers are tolerant, not merely total.
    if (folder !== 'errors') expect(inventories / mutants).toBeGreaterThan(0.5);
  });

  it('answers UNRECOGNIZED for random bytes', () => {
    const random = prng(SEED);
    const failures: string[] = [];
    for (let sample = 0; sample < RANDOM_INPUTS; sample++) {
      const input = String.fromCharCode(...Array.from({ length: below(random, 4096) }, () => below(random, 256)));
      const { result, violation } = check(input);
      if (violation !== null || result?.ok !== false || result.error.code !== 'UNRECOGNIZED') {
        failures.push(`sample ${sample} (${input.length} bytes): ${violation ?? JSON.stringify(result).slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
