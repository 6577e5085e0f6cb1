import { describe, expect, it } from 'vitest';
import { Prng, permutation } from './prng.js';
import { sampleChatRows } from './sample-data.js';
import { isHeldOut, splitRows } from './split.js';

describe('held-out split', () => {
  const rows = Array.from({ length: 2000 }, (_, i) => ({ text: `row ${i}` }));

  it('holds out about the asked fraction, the same rows every time', () => {
    const { train, heldOut } = splitRows(rows, 0.1);
    expect(train.length + heldOut.length).toBe(rows.length);
    expect(heldOut.length).toBeGreaterThan(150);
    expect(heldOut.length).toBeLessThan(250);
    expect(splitRows(rows, 0.1).heldOut).toEqual(heldOut);
    expect(splitRows(rows, 0).heldOut).toEqual([]);
  });

  it('depends on the row content only, not key order, and changes with the salt', () => {
    const chat = sampleChatRows(200);
    const reordered = chat.map((row) => ('messages' in row ? { messages: row.messages.map((m) => ({ content: m.content, role: m.role })) } : row));
    expect(chat.map((r) => isHeldOut(r, 0.3))).toEqual(reordered.map((r) => isHeldOut(r, 0.3)));
    expect(splitRows(rows, 0.1, 'other').heldOut).not.toEqual(splitRows(rows, 0.1).heldOut);
  });

  it('keeps duplicates on one side', () => {
    const duplicated = [...rows.slice(0, 300), ...rows.slice(0, 300)];
    const { heldOut } = splitRows(duplicated, 0.2);
    expect(heldOut.length % 2).toBe(0);
  });
});

describe('PRNG', () => {
  it('is reproducible from a label and its state', () => {
    const a = Prng.fromLabel('x');
    const b = Prng.fromLabel('x');
    const draws = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(draws);
    const copy = new Prng(a.state());
    expect(copy.nextFloat()).toBe(a.nextFloat());
    expect(Prng.fromLabel('y').nextUint32()).not.toBe(Prng.fromLabel('x').nextUint32());
    const f = Prng.fromLabel('z').nextFloat();
    expect(f).toBeGreaterThanOrEqual(0);
    expect(f).toBeLessThan(1);
  });

  it('shuffles into a permutation', () => {
    const order = permutation(Prng.fromLabel('p'), 100);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(order)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
