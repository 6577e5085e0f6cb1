import { StreamableFile } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Response } from 'express';

/**
 * Express adapter that writes a handler's JSON answer directly: serialised once, copied once
 * into a Buffer (the length comes from it), written with the headers. Express's `res.json`
 * does more per response (a charset and freshness check, a length pass, an ETag hook), and a
 * string body would be flattened twice on the V8 heap (JSON.stringify returns a rope; both the
 * length and the header concatenation flatten it). Anything else (no body, files, streams,
 * errors, another content type, HEAD, 204/304) goes the adapter's usual way.
 */
export class JsonReplyExpressAdapter extends ExpressAdapter {
  override reply(response: Response, body: unknown, statusCode?: number): unknown {
    if (!isPlainJson(body) || response.req.method === 'HEAD') return super.reply(response, body, statusCode);
    const status = statusCode ?? response.statusCode;
    const type = response.getHeader('content-type');
    if (status === 204 || status === 304 || (type !== undefined && !/^application\/([\w.+-]+\+)?json\b/.test(String(type)))) return super.reply(response, body, statusCode);
    const json = Buffer.from(JSON.stringify(body));
    response.statusCode = status;
    if (type === undefined) response.setHeader('content-type', 'application/json; charset=utf-8');
    response.setHeader('content-length', json.length);
    return response.end(json);
  }
}

function isPlainJson(body: unknown): body is object {
  return typeof body === 'object' && body !== null && !(body instanceof StreamableFile) && !(body instanceof Error) && !ArrayBuffer.isView(body);
}
