import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { httpLogger } from './http-logger.js';

const servers: import('node:http').Server[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function serve(level: string): Promise<{ base: string; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = express();
  app.use(httpLogger(pino({ level }, sink)));
  app.get('/ok', (request, response) => response.json({ id: (request as typeof request & { id: string }).id }));
  app.get('/missing', (_request, response) => response.status(404).end());
  app.get('/broken', (_request, response) => response.status(500).end());
  app.get('/healthz', (_request, response) => response.end('ok'));
  app.get('/slow', () => undefined); // never answers: the client gives up
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines };
}

const until = async (check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
};

describe('httpLogger', () => {
  it('logs one line per request with its id, status and time, at a level that follows the status', async () => {
    const { base, lines } = await serve('info');
    const ok = await fetch(`${base}/ok?x=1`, { headers: { 'x-request-id': 'trace-1' } });
    expect(ok.headers.get('x-request-id')).toBe('trace-1');
    expect(await ok.json()).toEqual({ id: 'trace-1' });
    await fetch(`${base}/missing`);
    await fetch(`${base}/broken`);
    await fetch(`${base}/healthz`);
    await until(() => lines.length >= 3);
    expect(lines.map((line) => [line.level, line.msg, (line.req as { url: string }).url, (line.res as { statusCode: number }).statusCode])).toEqual([
      [30, 'request completed', '/ok?x=1', 200],
      [40, 'request completed', '/missing', 404],
      [50, 'request errored', '/broken', 500],
    ]);
    expect(lines[0]).toMatchObject({ req: { id: 'trace-1', method: 'GET' } });
    expect(typeof lines[0]?.responseTime).toBe('number');
    expect((lines[1]?.req as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs a request the client abandoned as aborted, and nothing below the logger’s level', async () => {
    const { base, lines } = await serve('warn');
    await fetch(`${base}/ok`);
    await expect(fetch(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await until(() => lines.length >= 1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'request aborted', req: { method: 'GET', url: '/slow' } });
  });
});
