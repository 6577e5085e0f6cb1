/**
 * A sample dataset for demos and tests: repetitive, structured chat rows, generated from a seed. The
 * templates repeat; the names and numbers in them rarely do, so a held-out row is
 * mostly new content in a familiar shape.
 */
import { Prng } from './prng.js';
import type { DatasetRow } from './rows.js';

const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'da', 'pe', 'zu', 'ho'];
const THINGS: Record<string, string> = { sky: 'blue', grass: 'green', sun: 'yellow', snow: 'white', sea: 'blue', rose: 'red', coal: 'black', lime: 'green' };

function pick<T>(prng: Prng, items: readonly T[]): T {
  return items[prng.nextInt(items.length)]!;
}

function name(prng: Prng): string {
  const n = 2 + prng.nextInt(2);
  let s = '';
  for (let i = 0; i < n; i += 1) s += pick(prng, SYLLABLES);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `count` chat rows of three kinds (sums, colours, greetings), the same for the same seed. */
export function sampleChatRows(count: number, seed = 1): DatasetRow[] {
  const prng = Prng.fromLabel(`synthetic-chat:${seed}`);
  const rows: DatasetRow[] = [];
  for (let i = 0; i < count; i += 1) {
    const kind = prng.nextInt(3);
    let prompt: string;
    let answer: string;
    if (kind === 0) {
      const a = prng.nextInt(10);
      const b = prng.nextInt(10);
      prompt = `What is ${a} plus ${b}?`;
      answer = `${a} plus ${b} is ${a + b}.`;
    } else if (kind === 1) {
      const thing = pick(prng, Object.keys(THINGS));
      const who = name(prng);
      prompt = `What color is ${who}'s ${thing}?`;
      answer = `${who}'s ${thing} is ${THINGS[thing] ?? 'grey'}.`;
    } else {
      const who = name(prng);
      prompt = `Greet ${who}.`;
      answer = `Hello, ${who}! Nice to meet you.`;
    }
    rows.push({ messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: answer }] });
  }
  return rows;
}
