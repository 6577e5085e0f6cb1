import { describe, expect, it } from 'vitest';
import { TurnBatcher } from './turn-batcher.js';

function recorder(maxWeightPerCall = 10, answer: (item: string) => string | Error = (item) => item.toUpperCase()) {
  const calls: string[][] = [];
  const batcher = new TurnBatcher<string, string>((items) => {
    calls.push([...items]);
    return Promise.resolve(items.map(answer));
  }, { maxWeightPerCall });
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
      { maxWeightPerCall: 5, weigh: (item) => item.length },
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
    const failing = new TurnBatcher<string, string>(() => Promise.reject(new Error('connection lost')), { maxWeightPerCall: 10 });
    const failed = await Promise.allSettled([failing.add('a'), failing.add('b')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);

    const short = new TurnBatcher<string, string>(() => Promise.resolve(['A']), { maxWeightPerCall: 10 });
    const results = await Promise.allSettled([short.add('a'), short.add('b')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
  });

  describe('with a limit on calls in flight', () => {
    /** A batcher whose calls settle only when the test says so. */
    function gated(maxCallsInFlight: number, maxWeightPerCall = 10) {
      const calls: { items: string[]; settle: () => void; fail: () => void }[] = [];
      const batcher = new TurnBatcher<string, string>(
        (items) =>
          new Promise((resolve, reject) => {
            calls.push({ items: [...items], settle: () => resolve(items.map((item) => item.toUpperCase())), fail: () => reject(new Error('lost')) });
          }),
        { maxWeightPerCall, maxCallsInFlight },
      );
      return { calls, batcher };
    }
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    it('holds what arrives while a call is under way and sends it all in one call when it settles', async () => {
      const { calls, batcher } = gated(1);
      const first = batcher.add('a');
      await nextTurn();
      const later = [batcher.add('b')];
      await nextTurn();
      later.push(batcher.add('c'));
      await nextTurn();
      expect(calls.map((call) => call.items)).toEqual([['a']]);

      calls[0]?.settle();
      expect(await first).toBe('A');
      await nextTurn();
      expect(calls.map((call) => call.items)).toEqual([['a'], ['b', 'c']]);
      calls[1]?.settle();
      expect(await Promise.all(later)).toEqual(['B', 'C']);
    });

    it('sends the next call after a failed one too, and splits a held backlog by weight', async () => {
      const { calls, batcher } = gated(1, 2);
      const first = batcher.add('a');
      await nextTurn();
      const held = ['b', 'c', 'd'].map((item) => batcher.add(item));
      await nextTurn();
      calls[0]?.fail();
      await expect(first).rejects.toThrow('lost');
      await nextTurn();
      expect(calls.map((call) => call.items)).toEqual([['a'], ['b', 'c']]);
      calls[1]?.settle();
      await nextTurn();
      await nextTurn();
      expect(calls.map((call) => call.items)).toEqual([['a'], ['b', 'c'], ['d']]);
      calls[2]?.settle();
      expect(await Promise.all(held)).toEqual(['B', 'C', 'D']);
    });

    it('sends up to the limit at once', async () => {
      const { calls, batcher } = gated(2, 1);
      const all = ['a', 'b', 'c'].map((item) => batcher.add(item));
      await nextTurn();
      expect(calls.map((call) => call.items)).toEqual([['a'], ['b']]);
      calls[0]?.settle();
      await nextTurn();
      await nextTurn();
      expect(calls.map((call) => call.items)).toEqual([['a'], ['b'], ['c']]);
      calls[1]?.settle();
      calls[2]?.settle();
      expect(await Promise.all(all)).toEqual(['A', 'B', 'C']);
    });
  });
});
