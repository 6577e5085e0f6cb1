import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import express from 'express';
import { Server as SocketServer } from 'socket.io';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressMessageClasses } from './express-message-classes.js';

// V8's own answer to "does this object keep fast properties?" (dictionary mode is what the
// classes must not cause): the intrinsic is only parsed in code compiled after this flag.
setFlagsFromString('--allow-natives-syntax');
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the only way to reach a V8 intrinsic
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- as above
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('expressMessageClasses', () => {
  const app = express();
  const seen: { request: unknown; response: unknown; isRequest: boolean; isResponse: boolean }[] = [];
  const layouts: { request: boolean; response: boolean }[] = [];
  const arrived: { request: object; response: object }[] = [];
  app.get('/fast', (request, response) => {
    layouts.push({ request: hasFastProperties(request), response: hasFastProperties(response) });
    response.json({ ok: true });
  });
  app.get('/layout', (request, response) => {
    arrived.push({ request, response });
    response.json({ ok: true });
  });
  app.get('/json', (request, response) => {
    response.status(201).json({ path: request.path, query: request.query, host: request.get('host') !== undefined });
  });
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer(expressMessageClasses(app), (request, response) => {
      // What Express finds before it touches them: its own prototypes already.
      seen.push({ request: Object.getPrototypeOf(request), response: Object.getPrototypeOf(response), isRequest: request instanceof IncomingMessage, isResponse: response instanceof ServerResponse });
      app(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('makes requests and responses that already have the app\'s prototypes and still are Node\'s messages', async () => {
    const answer = await fetch(`${base}/json?a=1`);
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({ path: '/json', query: { a: '1' }, host: true });
    expect(seen).toEqual([{ request: app.request, response: app.response, isRequest: true, isResponse: true }]);
  });

  it('builds them with Node\'s own object layout: requests and responses keep fast properties through Express', async () => {
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${base}/fast`)).status).toBe(200);
    expect(layouts).toEqual(Array.from({ length: 3 }, () => ({ request: true, response: true })));
  });

  it('gives every request one shared object layout (V8 Map), and every response another', async () => {
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${base}/layout`)).status).toBe(200);
    const [first, ...others] = arrived;
    for (const other of others) {
      expect(haveSameMap(first!.request, other.request)).toBe(true);
      expect(haveSameMap(first!.response, other.response)).toBe(true);
    }
    expect(others).toHaveLength(2);
  });

  it('returns the same classes for the same app, so servers sharing an app share the layouts', () => {
    expect(expressMessageClasses(app)).toBe(expressMessageClasses(app));
  });

  it('keeps a WebSocket upgrade request that socket.io holds for the connection\'s life in fast properties', async () => {
    const own = createServer(expressMessageClasses(app));
    const io = new SocketServer(own, { transports: ['websocket'] });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const client = connectSocket(`http://127.0.0.1:${(own.address() as AddressInfo).port}`, { transports: ['websocket'], reconnection: false });
    try {
      const socket = await new Promise<{ request: object }>((resolve) => io.once('connection', resolve));
      expect(Object.getPrototypeOf(socket.request)).toBe(app.request);
      expect(hasFastProperties(socket.request)).toBe(true);
    } finally {
      client.close();
      await io.close(); // closes `own` too
    }
  });

  it('leaves Express\'s own answers working: 404 for an unknown path', async () => {
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });
});
