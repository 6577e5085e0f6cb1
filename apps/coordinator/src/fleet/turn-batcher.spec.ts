import { describe, expect, it } from 'vitest';
import { TurnBatcher } from './turn-batcher.js';

function recorder(maxWeightPerCall = 10, answer: (item: string) => string | Error = (item) => item.toUpperCase()) {
  const calls: string[][] = [];
  const batcher = new TurnBatcher<string, string>((items) => {
    calls.push([...items]);
    return Promise.resolve(items.map(answer));
  }, maxWeightPerCall);
  return { calls, batcher };
}

describe('TurnBatcher', () => {
  it('hands the items of one turn over in one call, each caller getting its own result', async () => {
    const { calls, batcher } = recorder();
    const results = await Promise.all([batcher.add('a'), batcher.add('b'), batcher.add('c')]);
    expect(results).toEqual(['A', 'B', 'C']);
    expect(calls).toEqual([['a', 'b', 'c']]);
  });

  it('starts a new call for items added after the turn was handed over', async () => {
    const { calls, batcher } = recorder();
    await batcher.add('a');
    await batcher.add('b');
    expect(calls).toEqual([['a'], ['b']]);
  });

  it('splits a large turn into calls of at most maxWeightPerCall items of weight one, in order', async () => {
    const { calls, batcher } = recorder(2);
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => batcher.add(item)));
    expect(results).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('splits by weight when items weigh more than one, an overweight item going alone', async () => {
    const calls: string[][] = [];
    const batcher = new TurnBatcher<string, string>(
      (items) => {
        calls.push([...items]);
        return Promise.resolve(items.map((item) => item.toUpperCase()));
      },
      5,
      (item) => item.length,
    );
    const results = await Promise.all(['aa', 'bbb', 'c', 'dddddddd', 'e', 'ff'].map((item) => batcher.add(item)));
    expect(results).toEqual(['AA', 'BBB', 'C', 'DDDDDDDD', 'E', 'FF']);
    expect(calls).toEqual([['aa', 'bbb'], ['c'], ['dddddddd'], ['e', 'ff']]);
  });

  it('rejects only the caller whose result is an Error', async () => {
    const { batcher } = recorder(10, (item) => (item === 'bad' ? new Error('WRONGTYPE') : item));
    const results = await Promise.allSettled([batcher.add('good'), batcher.add('bad'), batcher.add('fine')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('WRONGTYPE'));
  });

  it('rejects every caller of a failed call, and a caller the results left out', async () => {
    const failing = new TurnBatcher<string, string>(() => Promise.reject(new Error('connection lost')), 10);
    const failed = await Promise.allSettled([failing.add('a'), failing.add('b')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);

    const short = new TurnBatcher<string, string>(() => Promise.resolve(['A']), 10);
    const results = await Promise.allSettled([short.add('a'), short.add('b')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
  });
});
