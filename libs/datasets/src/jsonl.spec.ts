import { describe, expect, it } from 'vitest';
import { JsonlTransform, transformJsonl } from './jsonl.js';

describe('transformJsonl', () => {
  it('transforms lines, skipping blank ones, and writes keys in schema order', () => {
    const result = transformJsonl(['{"completion":"c","prompt":"p"}', '', '  ', '{"prompt":"p","completion":"c"}', '{"prompt":"q","completion":"c"}\r'], { operation: 'dedupe' });
    expect(result).toEqual({
      ok: true,
      lines: ['{"prompt":"p","completion":"c"}', '{"prompt":"q","completion":"c"}'],
      stats: { rowsIn: 3, rowsOut: 2, dropped: 1, reasons: { duplicate: 1 } },
      inputForm: 'instruction',
      outputForm: 'instruction',
    });
  });

  it('reports the output form of a convert', () => {
    const result = transformJsonl(['{"prompt":"p","completion":"c"}'], { operation: 'convert', to: 'chat' });
    expect(result).toMatchObject({ ok: true, inputForm: 'instruction', outputForm: 'chat', lines: ['{"messages":[{"role":"user","content":"p"},{"role":"assistant","content":"c"}]}'] });
  });

  it('gives invalid rows with their 1-based line numbers', () => {
    const result = transformJsonl(['{"text":"a"}', '', '{"text":', '{"text":""}', '{"prompt":"p","completion":"c"}', '{"text":"b"}'], { operation: 'dedupe' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((error) => error.line)).toEqual([3, 4, 5]);
    expect(result.errors[0]?.message).toMatch(/^invalid JSON/);
    expect(result.errors[1]?.message).toMatch(/^text row: text:/);
    expect(result.errors[2]?.message).toBe('row is in instruction form but the dataset is in text form');
  });

  it('stops after maxErrors errors', () => {
    const result = transformJsonl(Array.from({ length: 50 }, () => 'nope'), { operation: 'dedupe' }, { maxErrors: 5 });
    expect(result.ok === false && result.errors.map((error) => error.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it('handles empty input', () => {
    expect(transformJsonl([], { operation: 'dedupe' })).toEqual({
      ok: true,
      lines: [],
      stats: { rowsIn: 0, rowsOut: 0, dropped: 0, reasons: {} },
      inputForm: null,
      outputForm: null,
    });
  });

  it('lets the typed unconvertible error through', () => {
    expect(() => transformJsonl(['{"text":"a"}'], { operation: 'convert', to: 'chat' })).toThrow(expect.objectContaining({ code: 'unconvertible_form' }));
  });
});

describe('JsonlTransform', () => {
  it('streams line by line and refuses an impossible operation up front', () => {
    const stream = new JsonlTransform({ operation: 'filter', minChars: 2, maxChars: 100, exclude: [] });
    expect(stream.pushLine('{"text":"a"}')).toEqual([]);
    expect(stream.pushLine('{"text":"ab"}')).toEqual(['{"text":"ab"}']);
    expect(stream.finish()).toEqual([]);
    expect(stream.stats()).toMatchObject({ rowsIn: 2, rowsOut: 1 });
    expect(() => new JsonlTransform({ operation: 'shard', shards: 2, index: 5 })).toThrow(expect.objectContaining({ code: 'invalid_operation' }));
  });
});
