#!/usr/bin/env node
/**
 * The baseline of the fleet telemetry benchmark (tests/load/fleet-telemetry.mjs): a bare
 * socket.io server with the coordinator's socket options and namespace that acknowledges
 * every message without looking at it beyond counting the samples. No authentication, no
 * validation, no storage: what socket.io itself costs per message on this machine.
 *
 *   node tests/load/fleet-telemetry-bare-server.mjs      (prints "bare socket.io ready at http://127.0.0.1:PORT")
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const httpServer = createServer((_request, response) => {
  response.writeHead(404).end();
});
// The coordinator's defaults (apps/coordinator/src/agent-gateway/io.adapter.ts, config.schema.ts).
const io = new Server(httpServer, {
  serveClient: false,
  maxHttpBufferSize: 1024 * 1024,
  pingInterval: 10_000,
  pingTimeout: 5000,
  cors: { origin: false },
});

io.of('/agents').on('connection', (socket) => {
  socket.on('hello', (_payload, ack) => {
    if (typeof ack === 'function') ack({ ok: true, result: { agentId: socket.id, protocolVersion: 1, telemetryIntervalMs: 5000, maxBatchSamples: 512 } });
  });
  socket.on('telemetry', (payload, ack) => {
    if (typeof ack !== 'function') return;
    const samples = Array.isArray(payload?.samples) ? payload.samples.length : 0;
    ack({ ok: true, result: { accepted: samples, duplicate: false } });
  });
});

// Dashboards may connect (the benchmark's LIVE_DASHBOARDS); the bare server pushes them nothing.
io.of('/live');

httpServer.listen(0, '127.0.0.1', () => {
  const address = httpServer.address();
  process.stdout.write(`bare socket.io ready at http://127.0.0.1:${address.port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
