import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

type MessageClass = typeof IncomingMessage | typeof ServerResponse;

/**
 * A constructor for `http.createServer` that builds `base`'s objects with `prototype` as their
 * prototype. They are built by `Reflect.construct(base, args, newTarget)`: V8 then gives them
 * `base`'s own object layout (its in-object property slots) with the other prototype. Calling
 * `base` on a `this` made for a plain function instead (`Reflect.apply`) leaves no room for
 * `base`'s ~30 fields; measured: every response, and every WebSocket upgrade request that
 * socket.io keeps for the life of its connection, turned into a slow dictionary-mode object
 * (about 1.6 KB more each: 16 MB with 10,000 agents connected).
 */
function bornWith<T extends MessageClass>(base: T, prototype: object): T {
  function newTarget(): void {}
  newTarget.prototype = prototype;
  function MessageWithPrototype(...args: unknown[]): object {
    return Reflect.construct(base, args, newTarget) as object;
  }
  MessageWithPrototype.prototype = prototype;
  return MessageWithPrototype as unknown as T;
}

/**
 * Request and response classes for `http.createServer` whose instances are born with an Express
 * app's prototypes (`app.request`, `app.response`).
 *
 * Express gives every request and response its prototypes with `Object.setPrototypeOf` as the
 * request arrives. On V8 that change of prototype made each request's objects outlive the
 * young generation: measured with `--trace-gc-nvp`, a bare Express 5 app answering 3,000
 * sequential requests promoted 21 MB into the old generation (the whole request, its router
 * closures and headers, about 7 KB each), and the coordinator about 12 KB per request, with
 * scavenges of 5–10 ms every ~80 board pages. With the prototypes already in place the call
 * changes nothing (the prototype is the same) and the same run promoted 0.07 MB
 * (docs/performance.md, "Credit boards and grants").
 */
export function expressMessageClasses(app: Express): { IncomingMessage: typeof IncomingMessage; ServerResponse: typeof ServerResponse } {
  return { IncomingMessage: bornWith(IncomingMessage, app.request), ServerResponse: bornWith(ServerResponse, app.response) };
}
