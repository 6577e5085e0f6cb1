/** Seeded random rows for property tests (never Math.random): a failure replays identically. */
import { below, seededRandom, type Random } from '@potluck/protocol/testing';
import type { ChatRow, InstructionRow, Row, TextRow } from '../rows.js';

export { below, seededRandom, type Random };

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
