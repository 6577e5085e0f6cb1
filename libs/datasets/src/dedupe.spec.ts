import { describe, expect, it } from 'vitest';
import { createTransform } from './create-transform.js';
import type { Row } from './rows.js';

function dedupe(rows: Row[], form: 'chat' | 'instruction' | 'text'): Row[] {
  const transform = createTransform({ operation: 'dedupe' });
  return [...rows.flatMap((row) => transform.push(row, form)), ...transform.finish()];
}

describe('dedupe', () => {
  it.each<[string, 'chat' | 'instruction' | 'text', Row[], Row[]]>([
    ['text repeats', 'text', [{ text: 'a' }, { text: 'b' }, { text: 'a' }], [{ text: 'a' }, { text: 'b' }]],
    ['padding is ignored, first spelling kept', 'text', [{ text: ' a ' }, { text: 'a' }, { text: 'a\n' }], [{ text: ' a ' }]],
    ['case is not ignored', 'text', [{ text: 'a' }, { text: 'A' }], [{ text: 'a' }, { text: 'A' }]],
    [
      'instruction fields count separately',
      'instruction',
      [{ prompt: 'ab', completion: '' }, { prompt: 'a', completion: 'b' }, { prompt: 'a', completion: ' b' }],
      [{ prompt: 'ab', completion: '' }, { prompt: 'a', completion: 'b' }],
    ],
    [
      'chat roles matter',
      'chat',
      [
        { messages: [{ role: 'user', content: 'hi' }] },
        { messages: [{ role: 'assistant', content: 'hi' }] },
        { messages: [{ role: 'user', content: 'hi ' }] },
      ],
      [{ messages: [{ role: 'user', content: 'hi' }] }, { messages: [{ role: 'assistant', content: 'hi' }] }],
    ],
    ['empty input', 'text', [], []],
  ])('%s', (_name, form, input, expected) => {
    expect(dedupe(input, form)).toEqual(expected);
  });

  it('counts the duplicates it drops', () => {
    const transform = createTransform({ operation: 'dedupe' });
    for (const text of ['a', 'a', 'b', 'a']) transform.push({ text }, 'text');
    expect(transform.stats()).toEqual({ rowsIn: 4, rowsOut: 2, dropped: 2, reasons: { duplicate: 2 } });
  });

  it('is order-stable: the output is the input with later repeats removed', () => {
    const input = ['c', 'a', 'c', 'b', 'a', 'd', 'b'].map((text) => ({ text }));
    expect(dedupe(input, 'text').map((row) => ('text' in row ? row.text : ''))).toEqual(['c', 'a', 'b', 'd']);
  });
});
