import { describe, expect, it } from 'vitest';
import { JsonlInspector } from './jsonl-inspector.js';

const options = { maxErrors: 5, maxLineBytes: 1000, maxTrackedRows: 1000 };

function inspect(text: string, chunkSize = 7) {
  const inspector = new JsonlInspector(options);
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkSize) inspector.push(bytes.subarray(i, i + chunkSize));
  return inspector.end();
}

describe('JsonlInspector', () => {
  it('reads chat rows across chunk boundaries and computes stats', () => {
    const row = JSON.stringify({ messages: [{ role: 'user', content: 'hello there' }, { role: 'assistant', content: 'hi!' }] });
    const result = inspect(`${row}\n${row}\r\n\n${JSON.stringify({ messages: [{ role: 'user', content: 'é😀' }] })}`);
    expect(result).toEqual({ ok: true, stats: { rows: 3, bytes: expect.any(Number), estimatedTokens: Math.ceil((14 + 14 + 3) / 4), duplicateRate: 1 / 3, form: 'chat' } });
  });

  it.each([
    ['instruction', { prompt: 'p', completion: 'c' }],
    ['text', { text: 'some text' }],
  ])('detects the %s form', (form, row) => {
    const result = inspect(`${JSON.stringify(row)}\n`);
    expect(result.ok && result.stats.form).toBe(form);
  });

  it('reports errors with their line numbers', () => {
    const good = JSON.stringify({ text: 'fine' });
    const lines = [good, good, '{"text": "broken', good, JSON.stringify({ prompt: 'p', completion: 'c' }), '[1,2]', JSON.stringify({ text: 42 })];
    const result = inspect(lines.join('\n'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual([3, 5, 6, 7]);
    expect(result.errors[0]?.message).toMatch(/invalid JSON/);
    expect(result.errors[1]?.message).toMatch(/instruction form but the dataset is in text form/);
  });

  it('stops after the configured number of errors', () => {
    const inspector = new JsonlInspector({ ...options, maxErrors: 2 });
    inspector.push(Buffer.from('x\ny\nz\n'));
    expect(inspector.failed).toBe(true);
    const result = inspector.end();
    expect(!result.ok && result.errors.map((e) => e.line)).toEqual([1, 2]);
  });

  it('rejects over-long lines without holding them', () => {
    const result = inspect(`${JSON.stringify({ text: 'x'.repeat(2000) })}\n${JSON.stringify({ text: 'ok' })}`);
    expect(!result.ok && result.errors).toEqual([{ line: 1, message: 'line is longer than 1000 bytes' }]);
  });

  it('rejects an empty file', () => {
    expect(inspect('\n\n')).toMatchObject({ ok: false, errors: [{ message: 'the file holds no rows' }] });
  });
});
