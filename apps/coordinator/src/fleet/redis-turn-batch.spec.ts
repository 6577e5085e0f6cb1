import { describe, expect, it } from 'vitest';
import { RedisTurnBatch, type BatchCommand, type BatchReply } from './redis-turn-batch.js';

function recorder(answer: (command: BatchCommand) => BatchReply = () => [null, 'OK']) {
  const pipelines: BatchCommand[][] = [];
  const batch = new RedisTurnBatch((commands) => {
    pipelines.push([...commands]);
    return Promise.resolve(commands.map(answer));
  });
  return { pipelines, batch };
}

describe('RedisTurnBatch', () => {
  it('sends the commands of one turn in one pipeline, with one ZADD per key and the higher score per member', async () => {
    const { pipelines, batch } = recorder((command) => [null, command.name === 'evalsha' ? command.args[1] : 2]);
    const results = await Promise.all([
      batch.call('evalsha', ['sha', 'a']),
      batch.zadd([['fleet', 10, 'a'], ['active', 10, 'a|gpu0']]),
      batch.call('evalsha', ['sha', 'b']),
      batch.zadd([['fleet', 12, 'b'], ['active', 12, 'b|gpu1']]),
      batch.zadd([['fleet', 11, 'a'], ['fleet', 9, 'b']]),
    ]);
    expect(results).toEqual(['a', undefined, 'b', undefined, undefined]);
    expect(pipelines).toEqual([
      [
        { name: 'evalsha', args: ['sha', 'a'] },
        { name: 'evalsha', args: ['sha', 'b'] },
        { name: 'zadd', args: ['fleet', 11, 'a', 12, 'b'] },
        { name: 'zadd', args: ['active', 10, 'a|gpu0', 12, 'b|gpu1'] },
      ],
    ]);
  });

  it('starts a new pipeline for commands issued after one was sent', async () => {
    const { pipelines, batch } = recorder();
    await batch.call('get', ['a']);
    await batch.call('get', ['b']);
    expect(pipelines.map((pipeline) => pipeline.map((command) => command.args[0]))).toEqual([['a'], ['b']]);
  });

  it("rejects only the caller whose command failed, and every ZADD caller when a ZADD failed", async () => {
    const { batch } = recorder((command) => (command.args[0] === 'bad' || command.name === 'zadd' ? [new Error(`no ${command.name}`), null] : [null, 1]));
    const results = await Promise.allSettled([batch.call('evalsha', ['bad']), batch.call('evalsha', ['good']), batch.zadd([['fleet', 1, 'a']]), batch.zadd([['fleet', 1, 'b']])]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'rejected']);
  });

  it('rejects every caller when the pipeline itself failed', async () => {
    const batch = new RedisTurnBatch(() => Promise.reject(new Error('connection lost')));
    const results = await Promise.allSettled([batch.call('get', ['a']), batch.zadd([['fleet', 1, 'a']])]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
