import type { DatasetForm } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { conversionError, convertRow } from './conversions.js';
import { createTransform } from './create-transform.js';
import { DatasetTransformError } from './errors.js';
import { withForm, type ChatRow, type Row } from './rows.js';

function convert(row: Row, from: DatasetForm, to: DatasetForm): Row | string {
  const result = convertRow(withForm(row, from), to);
  return result.ok ? result.row : result.reason;
}

const chat = (...messages: [ChatRow['messages'][number]['role'], string][]): ChatRow => ({ messages: messages.map(([role, content]) => ({ role, content })) });

describe('convert rules', () => {
  it.each<[string, Row, DatasetForm, DatasetForm, Row | string]>([
    ['chat → instruction, one turn', chat(['user', 'hi'], ['assistant', 'hello']), 'chat', 'instruction', { prompt: 'hi', completion: 'hello' }],
    [
      'chat → instruction, with a system prompt',
      chat(['system', 'be brief'], ['user', 'hi'], ['assistant', 'hello']),
      'chat',
      'instruction',
      { prompt: 'system: be brief\nuser: hi', completion: 'hello' },
    ],
    [
      'chat → instruction, several turns: all but the last assistant message are the prompt',
      chat(['user', 'a'], ['assistant', 'b'], ['tool', 'c'], ['assistant', 'd']),
      'chat',
      'instruction',
      { prompt: 'user: a\nassistant: b\ntool: c', completion: 'd' },
    ],
    ['chat → instruction, assistant alone', chat(['assistant', 'x']), 'chat', 'instruction', { prompt: '', completion: 'x' }],
    ['chat → instruction, no assistant', chat(['user', 'a']), 'chat', 'instruction', 'no-assistant-message'],
    ['chat → instruction, messages after the assistant', chat(['user', 'a'], ['assistant', 'b'], ['user', 'c']), 'chat', 'instruction', 'messages-after-assistant'],
    ['instruction → chat', { prompt: 'p', completion: 'c' }, 'instruction', 'chat', chat(['user', 'p'], ['assistant', 'c'])],
    ['chat → text', chat(['user', 'a'], ['assistant', 'b']), 'chat', 'text', { text: 'a\nb' }],
    ['instruction → text', { prompt: 'p', completion: 'c' }, 'instruction', 'text', { text: 'p\nc' }],
    ['chat → text, empty content gives an invalid text row', chat(['user', '']), 'chat', 'text', 'invalid-output'],
    ['text → text is the identity', { text: ' t ' }, 'text', 'text', { text: ' t ' }],
    ['chat → chat is the identity', chat(['user', 'a']), 'chat', 'chat', chat(['user', 'a'])],
    ['instruction → instruction is the identity', { prompt: '', completion: '' }, 'instruction', 'instruction', { prompt: '', completion: '' }],
  ])('%s', (_name, row, from, to, expected) => {
    expect(convert(row, from, to)).toEqual(expected);
  });

  it('drops a prompt that would exceed the instruction limit', () => {
    const long = 'x'.repeat(600_000);
    expect(convert(chat(['user', long], ['tool', long], ['assistant', 'ok']), 'chat', 'instruction')).toBe('invalid-output');
  });

  it.each<[DatasetForm, DatasetForm, boolean]>([
    ['text', 'chat', false],
    ['text', 'instruction', false],
    ['text', 'text', true],
    ['chat', 'instruction', true],
    ['chat', 'text', true],
    ['instruction', 'chat', true],
    ['instruction', 'text', true],
  ])('%s → %s is convertible: %s', (from, to, convertible) => {
    expect(conversionError(from, to) === null).toBe(convertible);
  });
});

describe('convert round trips', () => {
  it.each<Row>([
    { prompt: 'p', completion: 'c' },
    { prompt: '', completion: '' },
    { prompt: 'system: looks like a prefix', completion: 'x' },
    { prompt: 'multi\nline', completion: ' padded ' },
  ])('instruction → chat → instruction keeps %j', (row) => {
    const asChat = convert(row, 'instruction', 'chat');
    if (typeof asChat === 'string') throw new Error(asChat);
    expect(convert(asChat, 'chat', 'instruction')).toEqual(row);
  });

  it('one-turn chat → instruction → chat keeps the row', () => {
    const row = chat(['user', 'q'], ['assistant', 'a']);
    const asInstruction = convert(row, 'chat', 'instruction');
    if (typeof asInstruction === 'string') throw new Error(asInstruction);
    expect(convert(asInstruction, 'instruction', 'chat')).toEqual(row);
  });
});

describe('convert transform', () => {
  it('refuses text → chat and text → instruction with a typed error', () => {
    for (const to of ['chat', 'instruction'] as const) {
      const transform = createTransform({ operation: 'convert', to });
      expect(() => transform.push({ text: 'x' }, 'text')).toThrow(DatasetTransformError);
      expect(() => transform.push({ text: 'x' }, 'text')).toThrow(expect.objectContaining({ code: 'unconvertible_form' }));
    }
  });

  it('counts unconvertible rows by reason', () => {
    const transform = createTransform({ operation: 'convert', to: 'instruction' });
    transform.push(chat(['user', 'a'], ['assistant', 'b']), 'chat');
    transform.push(chat(['user', 'a']), 'chat');
    transform.push(chat(['assistant', 'a'], ['user', 'b']), 'chat');
    expect(transform.stats()).toEqual({ rowsIn: 3, rowsOut: 1, dropped: 2, reasons: { 'no-assistant-message': 1, 'messages-after-assistant': 1 } });
  });

  it('refuses a row whose shape is not the form it was pushed as', () => {
    const transform = createTransform({ operation: 'convert', to: 'text' });
    expect(() => transform.push({ text: 'x' }, 'chat')).toThrow(expect.objectContaining({ code: 'form_mismatch' }));
  });
});
