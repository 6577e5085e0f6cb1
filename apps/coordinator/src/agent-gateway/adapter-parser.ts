import * as notepack from 'notepack.io';

/** notepack.io's own types say `any`; in Node it encodes to a Buffer. */
const encodeMsgpack = notepack.encode as (value: unknown) => Buffer;
const decodeMsgpack = notepack.decode as (buffer: Buffer) => unknown;

/** Deeper than this, a message is left to msgpack, which the adapter used before. */
const MAX_DEPTH = 64;
const JSON_ARRAY = 0x5b; // '['
const JSON_OBJECT = 0x7b; // '{'

/**
 * How the socket.io Redis adapter encodes what it publishes for the other coordinator
 * processes (broadcasts, requests, responses). Its default, msgpack (notepack.io), took
 * 1.27 ms of the event loop, and a byte array the size of the message, for one live-feed
 * message of 50 agents (29 KB); `JSON.stringify` takes 0.14 ms for the same message. The
 * live feed sends several such messages a second, each also decoded (and ignored) by this
 * process's own subscription.
 *
 * A message that carries binary (a Buffer, a typed array, an ArrayBuffer) still goes as
 * msgpack, which keeps it binary. On the way in the first byte tells the two apart: JSON
 * starts with `[` or `{`, a msgpack message with an array or map header (0x80 and up).
 * Messages of a coordinator that still sends msgpack are read as before. Through JSON a Date
 * arrives as its ISO string, as it reaches browsers; our broadcasts carry none.
 */
export const adapterParser = {
  encode(message: unknown): string | Buffer {
    return carriesBinary(message, 0) ? encodeMsgpack(message) : JSON.stringify(message);
  },
  decode(message: Buffer | string): unknown {
    if (typeof message === 'string') return JSON.parse(message);
    return message[0] === JSON_ARRAY || message[0] === JSON_OBJECT ? JSON.parse(message.toString()) : decodeMsgpack(message);
  },
};

function carriesBinary(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  if (depth >= MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((item) => carriesBinary(item, depth + 1));
  for (const key in value) {
    if (Object.hasOwn(value, key) && carriesBinary((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}
