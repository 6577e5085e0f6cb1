import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TEST_REDIS_URL } from '../testing/test-database.js';
import { withHandledPublish } from './io.adapter.js';

afterEach(() => vi.restoreAllMocks());

describe('withHandledPublish', () => {
  it('logs a publish on a closed connection instead of leaving its rejection unhandled', async () => {
    const client = new Redis(TEST_REDIS_URL);
    await client.ping();
    await client.quit();
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      void withHandledPublish(client).publish('potluck-test', 'message'); // as the socket.io adapter does: nobody waits
      await expect.poll(() => warn.mock.calls.length, { timeout: 5_000 }).toBe(1);
      await new Promise((resolve) => setImmediate(resolve)); // unhandled rejections are reported once the microtasks ran
      expect(unhandled).toEqual([]);
      expect(String((warn.mock.calls[0]?.[0] as { err: Error }).err.message)).toMatch(/closed/i);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('returns the reply of a publish that works', async () => {
    const client = new Redis(TEST_REDIS_URL);
    try {
      expect(await withHandledPublish(client).publish(`potluck-test-${process.pid}`, 'message')).toBe(0);
    } finally {
      await client.quit();
    }
  });
});
