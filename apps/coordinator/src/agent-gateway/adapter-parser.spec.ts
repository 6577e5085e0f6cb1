import * as notepack from 'notepack.io';
import { describe, expect, it } from 'vitest';
import { adapterParser } from './adapter-parser.js';

const encodeMsgpack = notepack.encode as (value: unknown) => Buffer;

const broadcast = ['Ab12Cd', { type: 2, data: ['fleet:changes', { agents: [{ id: 'a-1', gpus: [{ index: 0, latest: { powerDrawW: 412.37, pstate: null } }] }], summary: null }], nsp: '/live' }, { rooms: [], except: [], flags: {} }];

describe('adapterParser', () => {
  it('sends a message without binary as JSON, and reads it back equal', () => {
    const encoded = adapterParser.encode(broadcast);
    expect(typeof encoded).toBe('string');
    expect(adapterParser.decode(Buffer.from(encoded as string))).toEqual(broadcast);
  });

  it('keeps msgpack for a message that carries binary, so the bytes arrive as bytes', () => {
    const withBinary = ['Ab12Cd', { type: 5, data: ['blob', { chunk: Buffer.from([0, 1, 2, 255]) }], nsp: '/agents' }, { rooms: ['x'], except: [], flags: {} }];
    const encoded = adapterParser.encode(withBinary);
    expect(Buffer.isBuffer(encoded)).toBe(true);
    const decoded = adapterParser.decode(encoded) as [string, { data: [string, { chunk: Uint8Array }] }];
    expect(Buffer.from(decoded[1].data[1].chunk)).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('reads what a coordinator still sending msgpack publishes (arrays and maps)', () => {
    expect(adapterParser.decode(encodeMsgpack(broadcast))).toEqual(broadcast);
    expect(adapterParser.decode(encodeMsgpack({ type: 3, requestId: 'r-1', rooms: ['a'] }))).toEqual({ type: 3, requestId: 'r-1', rooms: ['a'] });
  });

  it('reads JSON requests and responses (objects) too', () => {
    const request = { type: 4, requestId: 'r-2', data: [1, 'two'] };
    expect(adapterParser.decode(Buffer.from(adapterParser.encode(request) as string))).toEqual(request);
  });
});
