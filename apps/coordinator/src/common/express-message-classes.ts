import { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';

interface MessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

const classesOfApp = new WeakMap<Express, MessageClasses>();

/**
 * A real subclass of `base` whose prototype takes the place of `expressPrototype`: it inherits
 * from what `expressPrototype` inherits from (Express's request or response methods) and carries
 * its own properties (`app`). Instances are then built the ordinary way (`new`), so V8 gives all
 * of them one shared object layout with Node's in-object fields.
 *
 * Two ways of doing this were measured and dropped (docs/performance.md):
 * - calling `base` on a `this` made for a plain function (`Reflect.apply`) left no room for
 *   `base`'s ~30 fields: every response, and every WebSocket upgrade request socket.io keeps for
 *   a connection's life, became a dictionary-mode object (~1.6 KB more each);
 * - `Reflect.construct(base, args, newTarget)` with a plain function as `newTarget` gave each
 *   object a layout (V8 Map) of its own, allocated in the old generation: V8's `%HaveSameMap`
 *   was false for any two requests, property access sites in the request path went
 *   megamorphic, and the requests themselves outlived the young generation (the coordinator's
 *   old generation grew by ~1 MB per 100 board pages, for scavenges of 2–3 ms and a full
 *   collection every ~1,000 pages).
 */
function classTakingThePlaceOf<T extends typeof IncomingMessage | typeof ServerResponse>(base: T, expressPrototype: object): T {
  const Message = class extends base {};
  Object.setPrototypeOf(Message.prototype, Object.getPrototypeOf(expressPrototype) as object);
  Object.defineProperties(Message.prototype, Object.getOwnPropertyDescriptors(expressPrototype));
  return Message;
}

/**
 * Request and response classes for `http.createServer` whose instances are born with an Express
 * app's prototypes. The app's `request` and `response` become the classes' prototypes (with the
 * same properties and the same inheritance); calling this again for the same app returns the
 * same classes.
 *
 * Express gives every request and response the app's prototypes with `Object.setPrototypeOf` as
 * the request arrives. On V8 that change of prototype made each request's objects outlive the
 * young generation: measured with `--trace-gc-nvp`, a bare Express 5 app answering 3,000
 * sequential requests promoted 21 MB into the old generation (about 7 KB per request). With
 * the prototypes already in place the call changes nothing (V8 returns early for the same
 * prototype).
 */
export function expressMessageClasses(app: Express): MessageClasses {
  let classes = classesOfApp.get(app);
  if (!classes) {
    classes = { IncomingMessage: classTakingThePlaceOf(IncomingMessage, app.request), ServerResponse: classTakingThePlaceOf(ServerResponse, app.response) };
    app.request = classes.IncomingMessage.prototype as Express['request'];
    app.response = classes.ServerResponse.prototype as Express['response'];
    classesOfApp.set(app, classes);
  }
  return classes;
}
