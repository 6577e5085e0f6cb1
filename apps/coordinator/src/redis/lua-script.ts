import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script that travels as its SHA-1 (EVALSHA). The source is sent (EVAL, which also
 * caches it in Redis) only when Redis answers NOSCRIPT: after a restart or a SCRIPT FLUSH.
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, numberOfKeys, ...keysAndArgs);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(this.source, numberOfKeys, ...keysAndArgs);
    }
  }
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
