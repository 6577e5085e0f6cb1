import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENTS_NAMESPACE, AgentEvents, type Hello } from '@potluck/protocol';
import { Server, type Namespace, type Socket } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorLink, type LinkEvents } from './coordinator-link.js';

/**
 * The link against a real socket.io server that misbehaves the way a coordinator can: it
 * refuses connections with a retryable error, drops agents, or does not answer hello. The
 * link must come back each time, with growing waits, and never give up on its own.
 */
const HELLO_RESULT = { agentId: '00000000-0000-4000-8000-000000000001', protocolVersion: 1, telemetryIntervalMs: 5000, maxBatchSamples: 512 };
const DELAY_MS = 100;

let http: HttpServer | null = null;
let io: Server | null = null;
let link: CoordinatorLink | null = null;

afterEach(async () => {
  link?.stop();
  link = null;
  await io?.close();
  io = null;
  http = null;
});

async function startServer(setup: (namespace: Namespace) => void): Promise<string> {
  http = createServer();
  io = new Server(http, { transports: ['websocket'] });
  setup(io.of(AGENTS_NAMESPACE));
  await new Promise<void>((resolve) => http?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

function connectLink(coordinator: string, overrides: Partial<LinkEvents> = {}, ackTimeoutMs = 2000): { ready: Promise<void>; states: string[] } {
  const states: string[] = [];
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  link = new CoordinatorLink(
    { coordinator, token: 'pat_test', hello: () => ({}) as Hello, ackTimeoutMs, reconnectDelayMs: DELAY_MS, reconnectDelayMaxMs: 10 * DELAY_MS },
    {
      ready: () => markReady(),
      refused: () => undefined,
      control: () => undefined,
      assign: () => false,
      cancel: () => undefined,
      state: (state, detail) => states.push(`${state}: ${detail}`),
      ...overrides,
    },
  );
  link.start();
  return { ready, states };
}

/** Every connection's hello goes to `handle` with its acknowledgement callback. */
function onHello(agents: Namespace, handle: (socket: Socket, ack: (reply: unknown) => void) => void): void {
  agents.on('connection', (socket: Socket) => socket.on(AgentEvents.hello, (_hello: unknown, ack: (reply: unknown) => void) => handle(socket, ack)));
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((time, i) => time - (times[i] as number));
}

describe('CoordinatorLink reconnects', () => {
  it('after the coordinator refused the connection with a retryable error (it could not check the token)', async () => {
    const attempts: number[] = [];
    const url = await startServer((agents) => {
      agents.use((_socket, next) => {
        attempts.push(Date.now());
        if (attempts.length <= 3) return next(Object.assign(new Error('could not check the token; retry later'), { data: { code: 'INTERNAL' } }));
        next();
      });
      onHello(agents, (_socket, ack) => ack({ ok: true, result: HELLO_RESULT }));
    });
    const { ready, states } = connectLink(url);
    await ready;
    expect(attempts).toHaveLength(4);
    // Waits of ~100, ~200, ~400 ms (each ±50 %): they grow, and none is a storm.
    const waits = gaps(attempts);
    expect(waits[0]).toBeGreaterThanOrEqual(DELAY_MS * 0.5 - 5);
    expect(waits[2]).toBeGreaterThan(waits[0] as number);
    expect(states.some((state) => state.includes('connection refused (INTERNAL'))).toBe(true);
  });

  it('with growing waits when the coordinator keeps disconnecting it after hello', async () => {
    const hellos: number[] = [];
    const url = await startServer((agents) => {
      onHello(agents, (socket, ack) => {
        hellos.push(Date.now());
        ack({ ok: true, result: HELLO_RESULT });
        if (hellos.length <= 4) socket.disconnect(true);
      });
    });
    const { states } = connectLink(url);
    await expect.poll(() => hellos.length, { timeout: 10_000, interval: 20 }).toBe(5);
    expect(states.filter((state) => state.includes('disconnected by the coordinator; retrying in'))).toHaveLength(4);
    const waits = gaps(hellos);
    // ~100 ms then ~800 ms (±50 %): not the fixed 1–3 s of a flapping pair of agents.
    expect(waits[3]).toBeGreaterThan(waits[0] as number);
    expect(waits[3]).toBeGreaterThanOrEqual(DELAY_MS * 8 * 0.5 - 5);
  });

  it('when hello gets no answer or a retryable refusal', async () => {
    const hellos: number[] = [];
    const url = await startServer((agents) => {
      onHello(agents, (_socket, ack) => {
        hellos.push(Date.now());
        if (hellos.length === 1) return; // no answer: the link's hello times out
        if (hellos.length === 2) return ack({ ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } });
        ack({ ok: true, result: HELLO_RESULT });
      });
    });
    const { ready, states } = connectLink(url, {}, 300);
    await ready;
    expect(hellos).toHaveLength(3);
    expect(states.some((state) => state.includes('no answer to hello'))).toBe(true);
    expect(states.some((state) => state.includes('hello refused (RATE_LIMITED'))).toBe(true);
  });
});
