import { describe, expect, it } from 'vitest';
import { canonicalKey, formatRow } from './canonical.js';
import { DatasetTransformError } from './errors.js';
import { rowText } from './row-text.js';
import { parseRow, withForm, type Row } from './rows.js';

describe('parseRow', () => {
  it.each([
    ['{"messages":[{"role":"user","content":"hi"}]}', 'chat'],
    ['{"prompt":"p","completion":"c"}', 'instruction'],
    ['{"text":"t"}', 'text'],
    ['{"text":"t"}\r', 'text'],
  ] as const)('reads %s as %s', (line, form) => {
    const parsed = parseRow(line);
    expect(parsed.ok && parsed.form).toBe(form);
  });

  it('strips unknown keys', () => {
    expect(parseRow('{"text":"t","source":"web"}')).toEqual({ ok: true, row: { text: 't' }, form: 'text' });
  });

  it.each([
    ['{"text":', /^invalid JSON: /],
    ['[1]', /^a row must be a JSON object$/],
    ['"text"', /^a row must be a JSON object$/],
    ['{"title":"t"}', /^a row needs "messages"/],
    ['{"messages":[]}', /^chat row: messages: /],
    ['{"messages":[{"role":"robot","content":"x"}]}', /^chat row: messages\.0\.role: /],
    ['{"prompt":"p"}', /^instruction row: completion: /],
    ['{"text":""}', /^text row: text: /],
  ])('rejects %s', (line, message) => {
    const parsed = parseRow(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });
});

describe('rowText', () => {
  it.each<[Row, string]>([
    [{ messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] }, 'be brief\nhi'],
    [{ prompt: 'p', completion: 'c' }, 'p\nc'],
    [{ text: ' t ' }, ' t '],
  ])('of %j is %j', (row, text) => {
    expect(rowText(row)).toBe(text);
  });
});

describe('canonicalKey and formatRow', () => {
  it('ignore input key order; the key also ignores padding', () => {
    const a = parseRow('{"completion":" c ","prompt":"p"}');
    const b = parseRow('{"prompt":"p","completion":"c"}');
    if (!a.ok || !b.ok) throw new Error('fixture rows must parse');
    expect(canonicalKey(a.row)).toBe(canonicalKey(b.row));
    expect(formatRow(a.row)).toBe('{"prompt":"p","completion":" c "}');
  });

  it('tells forms apart', () => {
    expect(canonicalKey({ text: 'x' })).not.toBe(canonicalKey({ prompt: 'x', completion: '' }));
  });
});

describe('withForm', () => {
  it('refuses a row pushed under another form', () => {
    expect(() => withForm({ text: 'x' }, 'chat')).toThrow(DatasetTransformError);
    expect(withForm({ text: 'x' }, 'text')).toEqual({ form: 'text', row: { text: 'x' } });
  });
});
