import type { EventEmitter } from 'node:events';
import * as ws from 'ws';

/**
 * Empties two per-connection arrays of engine.io and ws once they have been used, so that
 * a message's objects die young.
 *
 * Why: an agent sends one message every few seconds. engine.io (`Socket.flush`) and ws
 * (`Receiver.dataMessage`) each hand the array they just used to the send or the message,
 * and park a fresh empty array on the connection for the next one. Parked for seconds, that
 * array outlives two young-generation collections and is moved to the old generation. The
 * next message's packet, or incoming frame, is pushed into it; once used, the array is
 * garbage, but garbage in the old generation is only found by a full collection, and until
 * then it keeps what it holds alive through every young collection: the packet (its options,
 * its encoded string) or the frame's buffer is promoted in turn. V8 calls this nepotism.
 * Measured with a bare socket.io server, 10,000 connections at one message per 5 s: 2.1 MB/s
 * promoted before, 0.17 MB/s with both arrays emptied (`--trace-gc-nvp`; see
 * docs/performance.md); a full collection every ~20 s before, none in a minute after.
 *
 * Emptying an array that has served its purpose changes nothing else: engine.io encodes a
 * flushed buffer synchronously inside `transport.send` (both transports) before it emits
 * `drain`, and ws has built the message (a copy, or the one fragment) before `dataMessage`
 * returns. The ws hook leaves messages alone when the binary type is `fragments`, where the
 * array itself is the message.
 */
export function releaseSocketBuffers(engine: EventEmitter): void {
  releaseFlushedPackets(engine);
  releaseReceivedFragments();
}

/**
 * engine.io's server emits `flush` (socket, buffer) just before a socket sends its buffer, and
 * `drain` (socket) right after, in the same call: the buffer is emptied at `drain`.
 */
export function releaseFlushedPackets(engine: EventEmitter): void {
  let flushed: unknown[] | null = null;
  engine.on('flush', (_socket: unknown, buffer: unknown) => {
    flushed = Array.isArray(buffer) ? buffer : null;
  });
  engine.on('drain', () => {
    if (flushed) flushed.length = 0;
    flushed = null;
  });
}

interface ReceiverInternals {
  _fragments: unknown[];
  _binaryType: string;
}
type DataMessage = (this: ReceiverInternals, ...args: unknown[]) => unknown;

const RELEASED = Symbol.for('potluck.releasedFragments');

/**
 * Wraps ws's `Receiver.prototype.dataMessage` (once per process): after it, the fragments
 * array it replaced is emptied. Returns false, and changes nothing, if ws no longer has that
 * method (a ws upgrade: the unit test fails then).
 */
export function releaseReceivedFragments(): boolean {
  const receiver = (ws as unknown as { Receiver?: { prototype: Record<string | symbol, unknown> } }).Receiver;
  const prototype = receiver?.prototype;
  if (!prototype || typeof prototype.dataMessage !== 'function') return false;
  if (prototype[RELEASED]) return true;
  const dataMessage = prototype.dataMessage as DataMessage;
  prototype.dataMessage = function releasingDataMessage(this: ReceiverInternals, ...args: unknown[]) {
    const fragments = this._fragments;
    const result = dataMessage.apply(this, args);
    if (fragments !== this._fragments && this._binaryType !== 'fragments') fragments.length = 0;
    return result;
  };
  prototype[RELEASED] = true;
  return true;
}
