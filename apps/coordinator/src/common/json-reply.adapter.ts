import { createServer } from 'node:http';
import { StreamableFile, type NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express, Response } from 'express';
import { expressMessageClasses } from './express-message-classes.js';
import { JsonText } from './json-text.js';

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/;

/**
 * Express adapter whose HTTP server makes requests with Express's prototypes already set
 * (express-message-classes.ts), and that writes a handler's JSON answer directly: serialised
 * once, copied once into a Buffer (the length comes from it), written with the headers.
 * Express's `res.json` does more per response (a charset and freshness check, a length pass,
 * an ETag hook), and a string body would be flattened twice on the V8 heap (JSON.stringify
 * returns a rope; both the length and the header concatenation flatten it). A `JsonText` is
 * written as the JSON it already is. Anything else (no
 * body, files, streams, errors, another content type, HEAD, 204/205/304, a body that
 * serialises to nothing) goes the adapter's usual way.
 */
export class JsonReplyExpressAdapter extends ExpressAdapter {
  /** The HTTP server makes its requests and responses with Express's prototypes already set (express-message-classes.ts). */
  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions || options.return503OnClosing || options.forceCloseConnections) return super.initHttpServer(options);
    const app = this.getInstance<Express>();
    this.httpServer = createServer(expressMessageClasses(app), app);
  }

  override reply(response: Response, body: unknown, statusCode?: number): unknown {
    if (!isPlainJson(body) || response.req.method === 'HEAD') return super.reply(response, body, statusCode);
    const status = statusCode ?? response.statusCode;
    const type = response.getHeader('content-type');
    if (status === 204 || status === 205 || status === 304 || (type !== undefined && !JSON_TYPE.test(String(type)))) return super.reply(response, body, statusCode);
    const text: string | undefined = body instanceof JsonText ? body.text : JSON.stringify(body); // undefined when a toJSON() says so
    if (text === undefined) return super.reply(response, body, statusCode);
    const json = Buffer.from(text);
    response.statusCode = status;
    // As Express sends JSON: the handler's JSON media type, else application/json, with a charset.
    response.setHeader('content-type', type === undefined ? 'application/json; charset=utf-8' : /;\s*charset=/i.test(String(type)) ? String(type) : `${String(type)}; charset=utf-8`);
    response.setHeader('content-length', json.length);
    return response.end(json);
  }
}

function isPlainJson(body: unknown): body is object {
  return typeof body === 'object' && body !== null && !(body instanceof StreamableFile) && !(body instanceof Error) && !ArrayBuffer.isView(body);
}
