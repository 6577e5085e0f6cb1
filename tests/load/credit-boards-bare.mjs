#!/usr/bin/env node
/**
 * The bare baselines of credit-boards.mjs, in a process of their own (started with fork() and
 * driven by its messages), so that the process measured as the coordinator runs nothing but the
 * coordinator and the benchmark's calls into it. V8 compiles node:http's and ioredis's
 * functions for the objects they meet; a bare server and a bare Redis client in the same
 * process hand them other shapes (node:http's own request and response classes, another
 * client's replies), and the coordinator's request path is deoptimised and compiled again
 * for both each time the benchmark switches between them (seen with --trace-deopt: "wrong
 * map" in parserOnIncoming, end, _send, onFinish and a dozen more at each switch).
 *
 * Messages (each answered with one message carrying the same `id`):
 *   { id, serve: <base64 body> }                → { id, port }  node:http answering every request with that JSON
 *   { id, cpu: true }                           → { id, cpuUs }  this process's CPU time so far (user + system, all threads)
 *   { id, redis: { url, key, member, count } }  → { id, p50, p99, max }  ZREVRANGE key 0 99 WITHSCORES + ZREVRANK key member, sequential
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { timed } from './bench-support.mjs';

if (!process.send) {
  console.error('credit-boards-bare.mjs is started by credit-boards.mjs (fork), not by hand');
  process.exit(2);
}

let server = null;
let redis = null;

async function serve(body) {
  const page = Buffer.from(body, 'base64');
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': page.length });
    response.end(page);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: server.address().port };
}

async function bareRedis({ url, key, member, count }) {
  redis ??= new Redis(url);
  return timed(count, () => Promise.all([redis.zrevrange(key, 0, 99, 'WITHSCORES'), redis.zrevrank(key, member)]));
}

async function answer(message) {
  if (message.serve !== undefined) return serve(message.serve);
  if (message.cpu) {
    const { user, system } = process.cpuUsage();
    return { cpuUs: user + system };
  }
  if (message.redis) return bareRedis(message.redis);
  throw new Error(`unknown message ${JSON.stringify(Object.keys(message))}`);
}

process.on('message', (message) => {
  answer(message).then(
    (result) => process.send({ id: message.id, ...result }),
    (error) => process.send({ id: message.id, error: error.message }),
  );
});
// The parent going away (or closing the channel) ends this process.
process.on('disconnect', () => {
  redis?.disconnect();
  server?.closeAllConnections();
  server?.close();
});
