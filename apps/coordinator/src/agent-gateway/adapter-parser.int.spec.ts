import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, uniqueId } from '../testing/test-database.js';
import { adapterParser } from './adapter-parser.js';

/** Two "coordinator processes": socket.io servers sharing one Redis adapter key, with our parser. */
const key = uniqueId('adapter');
const redisClients: Redis[] = [];
const servers: { http: HttpServer; io: Server; url: string }[] = [];
let client: ClientSocket;

async function coordinator(): Promise<{ http: HttpServer; io: Server; url: string }> {
  const [pub, sub] = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
  redisClients.push(pub, sub);
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'], adapter: createAdapter(pub, sub, { key, parser: adapterParser }) });
  server.of('/live');
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const made = { http, io: server, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
  servers.push(made);
  return made;
}

beforeAll(async () => {
  const [, second] = [await coordinator(), await coordinator()];
  client = io(`${second.url}/live`, { transports: ['websocket'] });
  await new Promise<void>((resolve, reject) => {
    client.on('connect', resolve);
    client.on('connect_error', reject);
  });
});

afterAll(async () => {
  client.disconnect();
  for (const { io: server, http } of servers) {
    await server.close();
    http.close();
  }
  await Promise.all(redisClients.map((redis) => redis.quit()));
});

/** The first bytes of what the adapter publishes for `/live` broadcasts, read by a plain subscriber. */
async function published(): Promise<{ first: () => Promise<Buffer>; close: () => Promise<void> }> {
  const listener = new Redis(TEST_REDIS_URL);
  await listener.psubscribe(`${key}#/live#*`);
  const first = () => new Promise<Buffer>((resolve) => listener.once('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => resolve(message)));
  return { first, close: async () => void (await listener.quit()) };
}

describe('the Redis adapter with adapterParser (two servers, real Redis)', () => {
  it('delivers a broadcast made on one server to a dashboard connected to the other, published as JSON', async () => {
    const changes = { agents: [{ id: 'a-1', gpus: [{ index: 0, latest: { powerDrawW: 412.37, pstate: null } }] }], summary: { agentsOnline: 1 } };
    const wire = await published();
    const message = wire.first();
    const received = new Promise<unknown>((resolve) => client.once('fleet:changes', resolve));
    // The subscription of the second server may still be settling: repeat until it arrives.
    const first = servers[0] as { io: Server };
    const timer = setInterval(() => first.io.of('/live').emit('fleet:changes', changes), 50);
    try {
      expect(await received).toEqual(changes);
      expect(String.fromCharCode((await message)[0] ?? 0)).toBe('[');
    } finally {
      clearInterval(timer);
      await wire.close();
    }
  });

  it('carries a broadcast with binary as bytes', async () => {
    const received = new Promise<unknown>((resolve) => client.once('blob', resolve));
    const first = servers[0] as { io: Server };
    const timer = setInterval(() => first.io.of('/live').emit('blob', Buffer.from([0, 1, 2, 255])), 50);
    try {
      expect(Buffer.from(await received as ArrayBuffer)).toEqual(Buffer.from([0, 1, 2, 255]));
    } finally {
      clearInterval(timer);
    }
  });

  it('answers a request across servers (fetchSockets)', async () => {
    const first = servers[0] as { io: Server };
    const sockets = await first.io.of('/live').fetchSockets();
    expect(sockets.map((socket) => socket.id)).toContain(client.id);
  });
});
