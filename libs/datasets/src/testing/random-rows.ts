/** Seeded random rows for property tests (never Math.random): a failure replays identically. */
import type { ChatRow, InstructionRow, Row, TextRow } from '../rows.js';

export type Random = () => number;

/** mulberry32: small and fast, good enough to drive test inputs. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export const below = (random: Random, limit: number): number => Math.floor(random() * limit);

/** Few distinct words (duplicates are frequent), with padding, case, accents and emoji. */
const WORDS = ['a', 'cat', 'Dog', ' pad ', 'SPAM', 'naïve', '🍲', 'x\ny', '"q"', 'spam'];
const ROLES = ['system', 'user', 'assistant', 'tool'] as const;

export function randomText(random: Random, minWords = 0): string {
  const words = minWords + below(random, 4);
  return Array.from({ length: words }, () => WORDS[below(random, WORDS.length)] ?? '').join(below(random, 2) === 0 ? ' ' : '');
}

export function randomChat(random: Random): ChatRow {
  const messages = Array.from({ length: 1 + below(random, 4) }, () => ({ role: ROLES[below(random, ROLES.length)] ?? 'user', content: randomText(random) }));
  return { messages };
}

export function randomInstruction(random: Random): InstructionRow {
  return { prompt: randomText(random), completion: randomText(random) };
}

export function randomTextRow(random: Random): TextRow {
  return { text: randomText(random, 1) || 'a' };
}

export function randomRows(random: Random, count: number, make: (random: Random) => Row): Row[] {
  return Array.from({ length: count }, () => make(random));
}
