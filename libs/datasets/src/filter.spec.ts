import type { DatasetOperation } from '@potluck/protocol';
import { DatasetOperationSchema } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { createTransform } from './create-transform.js';
import { DatasetTransformError } from './errors.js';
import type { Row } from './rows.js';

function filter(options: Record<string, unknown>): DatasetOperation {
  return DatasetOperationSchema.parse({ operation: 'filter', ...options });
}

function kept(operation: DatasetOperation, row: Row, form: 'chat' | 'instruction' | 'text'): boolean {
  return createTransform(operation).push(row, form).length === 1;
}

describe('filter', () => {
  it.each<[string, Record<string, unknown>, Row, 'chat' | 'instruction' | 'text', boolean]>([
    ['defaults keep everything', {}, { text: 'x' }, 'text', true],
    ['min bound is inclusive', { minChars: 3 }, { text: 'abc' }, 'text', true],
    ['below min', { minChars: 3 }, { text: 'ab' }, 'text', false],
    ['max bound is inclusive', { maxChars: 3 }, { text: 'abc' }, 'text', true],
    ['above max', { maxChars: 3 }, { text: 'abcd' }, 'text', false],
    ['min = max keeps exactly that length', { minChars: 2, maxChars: 2 }, { text: 'ab' }, 'text', true],
    ['instruction length counts the joining newline', { maxChars: 3 }, { prompt: 'a', completion: 'b' }, 'instruction', true],
    ['instruction just over', { maxChars: 2 }, { prompt: 'a', completion: 'b' }, 'instruction', false],
    [
      'chat length is the contents joined with newlines',
      { minChars: 5, maxChars: 5 },
      { messages: [{ role: 'user', content: 'ab' }, { role: 'assistant', content: 'cd' }] },
      'chat',
      true,
    ],
    ['exclude is case-insensitive', { exclude: ['spam'] }, { text: 'Buy SPAM now' }, 'text', false],
    ['exclude upper-case pattern', { exclude: ['SPAM'] }, { text: 'buy spam' }, 'text', false],
    ['any one exclusion drops', { exclude: ['x', 'eggs'] }, { prompt: 'ham', completion: 'and eggs' }, 'instruction', false],
    ['exclusion matches across the chat join', { exclude: ['a\nb'] }, { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] }, 'chat', false],
    ['no exclusion present', { exclude: ['spam'] }, { text: 'ham' }, 'text', true],
  ])('%s', (_name, options, row, form, expected) => {
    expect(kept(filter(options), row, form)).toBe(expected);
  });

  it('counts drops by reason', () => {
    const transform = createTransform(filter({ minChars: 2, maxChars: 4, exclude: ['no'] }));
    for (const text of ['a', 'abc', 'abcde', 'nope', 'ok']) transform.push({ text }, 'text');
    expect(transform.stats()).toEqual({ rowsIn: 5, rowsOut: 2, dropped: 3, reasons: { 'too-short': 1, 'too-long': 1, excluded: 1 } });
  });

  it('refuses minChars above maxChars with a typed error', () => {
    expect(() => createTransform(filter({ minChars: 5, maxChars: 4 }))).toThrow(expect.objectContaining({ code: 'invalid_operation' }));
    expect(() => createTransform(filter({ minChars: 5, maxChars: 4 }))).toThrow(DatasetTransformError);
  });
});
