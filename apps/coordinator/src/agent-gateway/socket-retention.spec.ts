import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { releaseSocketBuffers } from './socket-retention.js';

/** The engine.io socket and ws receiver behind a socket.io socket (library internals, read only). */
interface Internals {
  engineSocket: { writeBuffer: unknown[] };
  receiver: { _fragments: unknown[] };
}

function internals(socket: ServerSocket): Internals {
  const engineSocket = socket.conn as unknown as { writeBuffer: unknown[]; transport: { socket: { _receiver: { _fragments: unknown[] } } } };
  return { engineSocket, receiver: engineSocket.transport.socket._receiver };
}

let http: HttpServer | undefined;
let server: Server | undefined;
let client: ClientSocket | undefined;

afterEach(async () => {
  client?.disconnect();
  await server?.close();
  http?.close();
  client = server = http = undefined;
});

/** A socket.io server that acknowledges `echo`, one websocket client, and the server side of it. */
async function connected(release: boolean): Promise<{ client: ClientSocket; socket: ServerSocket }> {
  http = createServer();
  server = new Server(http, { transports: ['websocket'] });
  if (release) releaseSocketBuffers(server.engine);
  const arrived = new Promise<ServerSocket>((resolve) => server?.on('connection', resolve));
  server.on('connection', (socket) => socket.on('echo', (value: unknown, ack: (reply: unknown) => void) => ack(value)));
  await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
  client = io(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'] });
  return { client, socket: await arrived };
}

/** The arrays parked for the next message, then one acknowledged message through them. */
async function parkedArraysAfterOneMessage(release: boolean): Promise<{ writeBuffer: unknown[]; fragments: unknown[]; reply: unknown }> {
  const { client: agent, socket } = await connected(release);
  const { engineSocket, receiver } = internals(socket);
  const writeBuffer = engineSocket.writeBuffer;
  const fragments = receiver._fragments;
  const reply = await agent.timeout(5000).emitWithAck('echo', { gpu: 0, utilization: 97 });
  return { writeBuffer, fragments, reply };
}

describe('releaseSocketBuffers', () => {
  it('is needed: without it the used arrays keep the acknowledgement packet and the incoming frame', async () => {
    // First in this file: the ws hook, once installed, stays for the process.
    const { writeBuffer, fragments, reply } = await parkedArraysAfterOneMessage(false);
    expect(reply).toEqual({ gpu: 0, utilization: 97 });
    expect(writeBuffer).toHaveLength(1);
    expect(fragments).toHaveLength(1);
  });

  it('empties the send buffer and the received fragments once a message has used them, and the message still arrives', async () => {
    const { writeBuffer, fragments, reply } = await parkedArraysAfterOneMessage(true);
    expect(reply).toEqual({ gpu: 0, utilization: 97 });
    expect(writeBuffer).toHaveLength(0);
    expect(fragments).toHaveLength(0);
  });

  it('keeps many messages in both directions intact', async () => {
    const { client: agent } = await connected(true);
    const payloads = Array.from({ length: 50 }, (_, i) => ({ i, samples: 'x'.repeat(i * 40) }));
    const replies = await Promise.all(payloads.map((payload) => agent.timeout(5000).emitWithAck('echo', payload)));
    expect(replies).toEqual(payloads);
  });
});
