import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressMessageClasses } from './express-message-classes.js';

describe('expressMessageClasses', () => {
  const app = express();
  const seen: { request: unknown; response: unknown; isRequest: boolean; isResponse: boolean }[] = [];
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

  it('leaves Express\'s own answers working: 404 for an unknown path', async () => {
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });
});
