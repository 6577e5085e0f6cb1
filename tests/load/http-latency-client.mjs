#!/usr/bin/env node
/**
 * Times sequential HTTP GETs from its own process, so that the client's work and garbage do
 * not share the server's event loop (a real client is another process too). Used by
 * credit-boards.mjs:
 *
 *   node tests/load/http-latency-client.mjs URL COUNT WARMUP [AUTHORIZATION]
 *
 * Requests go through node:http with a keep-alive agent (one connection, kept between
 * requests, as a browser or an API client keeps it); each response is read whole.
 * Prints one JSON line: { p50, p99, max } in milliseconds, over COUNT requests after WARMUP.
 */
import { Agent, request } from 'node:http';

const [url, countText, warmupText, authorization] = process.argv.slice(2);
const count = Number(countText);
const warmup = Number(warmupText);
if (!url || !Number.isInteger(count) || count <= 0 || !Number.isInteger(warmup) || warmup < 0) {
  console.error('usage: http-latency-client.mjs URL COUNT WARMUP [AUTHORIZATION]');
  process.exit(2);
}
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const headers = authorization ? { authorization } : {};

function once() {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { agent, headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => {
        bytes += chunk.length;
      });
      response.on('end', () => (response.statusCode === 200 && bytes > 0 ? resolve() : reject(new Error(`HTTP ${response.statusCode} from ${url}`))));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

for (let i = 0; i < warmup; i += 1) await once();
const samples = new Float64Array(count);
for (let i = 0; i < count; i += 1) {
  const started = process.hrtime.bigint();
  await once();
  samples[i] = Number(process.hrtime.bigint() - started) / 1e6;
}
agent.destroy();
samples.sort();
const at = (q) => samples[Math.min(count - 1, Math.floor(q * count))];
process.stdout.write(`${JSON.stringify({ p50: at(0.5), p99: at(0.99), max: samples[count - 1] })}\n`);
