import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

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
  function ExpressRequest(this: IncomingMessage, ...args: unknown[]): void {
    Reflect.apply(IncomingMessage, this, args);
  }
  ExpressRequest.prototype = app.request;
  function ExpressResponse(this: ServerResponse, ...args: unknown[]): void {
    Reflect.apply(ServerResponse, this, args);
  }
  ExpressResponse.prototype = app.response;
  return { IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage, ServerResponse: ExpressResponse as unknown as typeof ServerResponse };
}
