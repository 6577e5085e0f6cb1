import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

function split(chunks: string[], maxBytes = 16): { lines: string[]; tooLong: number } {
  const lines: string[] = [];
  let tooLong = 0;
  const splitter = new LineSplitter(maxBytes, (line) => void lines.push(line), () => {
    tooLong += 1;
  });
  for (const chunk of chunks) splitter.push(Buffer.from(chunk, 'utf8'));
  splitter.end();
  return { lines, tooLong };
}

describe('LineSplitter', () => {
  it('joins lines across chunks, drops CR before LF and keeps a last line without a newline', () => {
    expect(split(['{"a"', ':1}\r\n{"b":2}\n', 'tail'])).toEqual({ lines: ['{"a":1}', '{"b":2}', 'tail'], tooLong: 0 });
  });

  it('keeps multi-byte characters cut between chunks whole', () => {
    const bytes = Buffer.from('né\n', 'utf8');
    const lines: string[] = [];
    const splitter = new LineSplitter(16, (line) => void lines.push(line), () => undefined);
    splitter.push(bytes.subarray(0, 2));
    splitter.push(bytes.subarray(2));
    expect(lines).toEqual(['né']);
  });

  it('skips a line longer than the limit up to its newline, counts it, and goes on with the next', () => {
    expect(split(['0123456789', '0123456789\nok\n', 'x'.repeat(40)], 16)).toEqual({ lines: ['ok'], tooLong: 2 });
    expect(split(['x'.repeat(16), '\n'], 16)).toEqual({ lines: ['x'.repeat(16)], tooLong: 0 });
  });
});
