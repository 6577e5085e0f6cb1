/**
 * Properties over seeded random rows of every form (mulberry32, never Math.random): a
 * failure names its seed and replays identically.
 */
import { ChatRowSchema, InstructionRowSchema, TextRowSchema, type DatasetForm, type DatasetOperation } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { canonicalKey, formatRow } from './canonical.js';
import { createTransform } from './create-transform.js';
import { transformJsonl } from './jsonl.js';
import { rowText } from './row-text.js';
import type { Row } from './rows.js';
import { below, randomChat, randomInstruction, randomRows, randomText, randomTextRow, seededRandom, type Random } from './testing/random-rows.js';

const SEEDS = [1, 2, 3, 0xdecaf, 0x5eed];
const ROWS_PER_CASE = 400;
const MAKERS: Record<DatasetForm, (random: Random) => Row> = { chat: randomChat, instruction: randomInstruction, text: randomTextRow };
const SCHEMAS = { chat: ChatRowSchema, instruction: InstructionRowSchema, text: TextRowSchema };
const CASES = SEEDS.flatMap((seed) => (['chat', 'instruction', 'text'] as const).map((form) => [seed, form] as const));

function run(operation: DatasetOperation, rows: Row[], form: DatasetForm): Row[] {
  const transform = createTransform(operation);
  const out = [...rows.flatMap((row) => transform.push(row, form)), ...transform.finish()];
  const stats = transform.stats();
  expect(stats.rowsIn).toBe(rows.length);
  expect(stats.rowsOut).toBe(out.length);
  expect(stats.dropped).toBe(rows.length - out.length);
  expect(Object.values(stats.reasons).reduce((sum, n) => sum + n, 0)).toBe(stats.dropped);
  return out;
}

describe.each(CASES)('seed %i, %s rows', (seed, form) => {
  const random = seededRandom(seed);
  const rows = randomRows(random, ROWS_PER_CASE, MAKERS[form]);

  it('dedupe keeps exactly the first occurrence of each canonical row, in order, and is idempotent', () => {
    const seen = new Set<string>();
    const expected = rows.filter((row) => !seen.has(canonicalKey(row)) && Boolean(seen.add(canonicalKey(row))));
    const once = run({ operation: 'dedupe' }, rows, form);
    expect(once).toEqual(expected);
    expect(run({ operation: 'dedupe' }, once, form)).toEqual(once);
  });

  it('shards partition the input, and commute with dedupe', () => {
    const shards = 2 + below(random, 9);
    const parts = Array.from({ length: shards }, (_, index) => run({ operation: 'shard', shards, index }, rows, form));
    expect(parts.flat().length).toBe(rows.length);
    expect(new Set(parts.flat())).toEqual(new Set(rows));
    const index = below(random, shards);
    const deduped = run({ operation: 'dedupe' }, rows, form);
    expect(run({ operation: 'dedupe' }, parts[index] ?? [], form)).toEqual(run({ operation: 'shard', shards, index }, deduped, form));
  });

  it('filter keeps exactly the rows within bounds and free of exclusions', () => {
    const minChars = below(random, 10);
    const maxChars = minChars + 1 + below(random, 20);
    const exclude = [randomText(random, 1).trim() || 'spam'];
    const kept = new Set(run({ operation: 'filter', minChars, maxChars, exclude }, rows, form));
    for (const row of rows) {
      const text = rowText(row);
      const ok = text.length >= minChars && text.length <= maxChars && !text.toLowerCase().includes(exclude[0]?.toLowerCase() ?? '');
      expect(kept.has(row)).toBe(ok);
    }
  });

  it('convert emits only schema-valid rows of the target form', () => {
    for (const to of ['chat', 'instruction', 'text'] as const) {
      if (form === 'text' && to !== 'text') continue;
      for (const row of run({ operation: 'convert', to }, rows, form)) expect(SCHEMAS[to].safeParse(row).success).toBe(true);
    }
  });

  it('transformJsonl over the formatted rows gives the formatted transform output', () => {
    const operation: DatasetOperation = { operation: 'dedupe' };
    const result = transformJsonl(rows.map(formatRow), operation);
    expect(result).toMatchObject({ ok: true, lines: run(operation, rows, form).map(formatRow) });
  });
});

describe.each(SEEDS)('seed %i, round trips', (seed) => {
  it('instruction → chat → instruction is the identity', () => {
    const rows = randomRows(seededRandom(seed), ROWS_PER_CASE, randomInstruction);
    const back = run({ operation: 'convert', to: 'instruction' }, run({ operation: 'convert', to: 'chat' }, rows, 'instruction'), 'chat');
    expect(back).toEqual(rows);
  });
});
