import { describe, expect, it } from 'vitest';
import { parseRows } from './data.js';
import { TrainerError } from './errors.js';
import { countTokens, estimateTokens, formatExample } from './rows.js';
import { BOS, EOS, decode, encode } from './tokenizer.js';
import { windowsOf } from './windows.js';

/** The scored part of an example, as text (EOS shown as ⟨EOS⟩). */
function scoredText(tokens: Uint16Array, mask: Uint8Array): string {
  let out = '';
  let run: number[] = [];
  const flush = (): void => {
    out += decode(run);
    run = [];
  };
  tokens.forEach((t, i) => {
    if (mask[i] !== 1) return;
    if (t === EOS) {
      flush();
      out += '⟨EOS⟩';
    } else run.push(t);
  });
  flush();
  return out;
}

describe('byte tokenizer', () => {
  it('round-trips any text through UTF-8 bytes', () => {
    for (const text of ['', 'hello', 'naïve café ☕', '日本語', '🦙 emoji\n\ttabs', '\u0000nul']) {
      const tokens = encode(text);
      expect(tokens.every((t) => t >= 0 && t < 256)).toBe(true);
      expect(decode(tokens)).toBe(text);
    }
    expect(encode('é')).toEqual([0xc3, 0xa9]);
  });

  it('skips specials when decoding', () => {
    expect(decode([BOS, ...encode('hi'), EOS])).toBe('hi');
  });
});

describe('template', () => {
  it('formats a chat row and scores only assistant turns', () => {
    const row = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
    };
    const { tokens, mask } = formatExample(row);
    expect(tokens[0]).toBe(BOS);
    expect(tokens[tokens.length - 1]).toBe(EOS);
    expect(decode(tokens)).toBe('system: Be brief.\nuser: Hi\nassistant: Hello!\n');
    expect(mask[0]).toBe(0);
    expect(scoredText(tokens, mask)).toBe('Hello!\n⟨EOS⟩');
    expect(countTokens(row)).toBe(tokens.length);
  });

  it('formats an instruction row like a user/assistant chat', () => {
    const instruction = formatExample({ prompt: 'Add 2 and 2', completion: '4' });
    const chat = formatExample({ messages: [{ role: 'user', content: 'Add 2 and 2' }, { role: 'assistant', content: '4' }] });
    expect(instruction).toEqual(chat);
    expect(scoredText(instruction.tokens, instruction.mask)).toBe('4\n⟨EOS⟩');
  });

  it('does not score EOS after a final user turn', () => {
    const { tokens, mask } = formatExample({ messages: [{ role: 'assistant', content: 'A' }, { role: 'user', content: 'B' }] });
    expect(scoredText(tokens, mask)).toBe('A\n');
  });

  it('scores every token of a text row and, with lossOn all, of any row', () => {
    const text = formatExample({ text: 'plain ☕' });
    expect(decode(text.tokens)).toBe('plain ☕');
    expect(scoredText(text.tokens, text.mask)).toBe('plain ☕⟨EOS⟩');
    expect(countTokens({ text: 'plain ☕' })).toBe(text.tokens.length);
    expect(estimateTokens(new TextEncoder().encode('plain ☕').length)).toBe(text.tokens.length);
    const all = formatExample({ prompt: 'p', completion: 'c' }, 'all');
    expect(Array.from(all.mask.subarray(1)).every((m) => m === 1)).toBe(true);
  });

  it('refuses rows of no known form, naming the row', () => {
    expect(() => parseRows([{ text: 'ok' }, { foo: 1 }])).toThrow(TrainerError);
    expect(() => parseRows([{ text: 'ok' }, { foo: 1 }])).toThrow(/row 1/);
    expect(parseRows([{ text: 'ok', extra: true }])).toEqual([{ text: 'ok' }]);
  });
});

describe('windows', () => {
  it('predicts every target once, in context-sized windows, dropping unscored ones', () => {
    const example = formatExample({ text: 'abcdefghij' }); // BOS + 10 bytes + EOS = 12 tokens, 11 targets
    const windows = windowsOf(example, 4);
    expect(windows.map((w) => w.inputs.length)).toEqual([4, 4, 3]);
    expect(Array.from(windows[1]!.inputs)).toEqual(encode('defg'));
    expect(Array.from(windows[1]!.targets)).toEqual(encode('efgh'));
    expect(windows.reduce((n, w) => n + w.scored, 0)).toBe(11);

    const prompty = formatExample({ prompt: 'a long prompt that fills windows', completion: 'x' });
    const kept = windowsOf(prompty, 8);
    expect(kept.length).toBeLessThan(Math.ceil((prompty.tokens.length - 1) / 8));
    expect(kept.reduce((n, w) => n + w.scored, 0)).toBe(3); // "x", "\n", EOS
  });
});
