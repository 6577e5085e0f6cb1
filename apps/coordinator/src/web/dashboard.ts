import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

/** Where `vite build` writes the dashboard (apps/web/dist), from src/ or dist/ alike. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Paths that belong to the API and other servers (bull-board at /admin/queues); the dashboard never answers them. Its own admin pages are /admin/users, /admin/tokens, /admin/audit. */
const RESERVED = /^\/(api|socket\.io|metrics|healthz|readyz|admin\/queues)(\/|$)/;

/**
 * The dashboard's Content-Security-Policy: scripts, styles and connections (fetch and the
 * /live WebSocket) only from this origin, no inline scripts, no framing.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Potluck: dashboard not built</title></head>
<body>
<h1>The Potluck coordinator is running, but its dashboard is not built</h1>
<p>No <code>index.html</code> in <code>${dir.replace(/[<>&"]/g, '')}</code>. Build it from the repository root with</p>
<pre>bash scripts/build.sh</pre>
<p>(or only the dashboard: <code>npx vite build --config apps/web/vite.config.mjs</code>), then reload this page.
For development, <code>npx vite --config apps/web/vite.config.mjs</code> serves it with hot reload and proxies the API here.</p>
<p>The API works without it: <a href="/api/docs">API documentation</a>, <a href="/api/v1/fleet">the fleet</a>.</p>
</body></html>
`;

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
const ENCODINGS = [
  { token: 'br', suffix: '.br' },
  { token: 'gzip', suffix: '.gz' },
] as const;

/** Whether `accept-encoding` allows `token` (present and not `;q=0`). */
export function accepts(header: string | undefined, token: string): boolean {
  return (header ?? '').split(',').some((part) => {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    return name.trim() === token && !params.some((param) => /^\s*q=0(\.0*)?\s*$/.test(param));
  });
}

/**
 * The `.br` / `.gz` files `vite build` wrote beside each asset (apps/web/vite.config.mjs),
 * served to clients that accept them, so nothing is compressed per request.
 */
function precompressed(assets: string): RequestHandler {
  return (request, response, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const match = /^\/([\w.-]+)\.(js|css|svg)$/.exec(request.path);
    const type = match ? TYPES[match[2] ?? ''] : undefined;
    if (!match || !type) return next();
    const file = `${match[1]}.${match[2]}`;
    const encoding = ENCODINGS.find((candidate) => accepts(request.headers['accept-encoding'], candidate.token) && existsSync(join(assets, file + candidate.suffix)));
    if (!encoding) return next();
    response.setHeader('content-type', type);
    response.setHeader('content-encoding', encoding.token);
    response.setHeader('vary', 'accept-encoding');
    response.setHeader('cache-control', IMMUTABLE);
    response.sendFile(join(assets, file + encoding.suffix), { cacheControl: false, lastModified: false, etag: true }, (error) => {
      if (error) next(error);
    });
  };
}

/**
 * Serves the built dashboard on the coordinator's own port: hashed files under /assets/
 * with a one-year immutable cache, and index.html (never cached, so a new build is seen
 * at once) for `/` and every client-side route asked for as text/html (SPA fallback). Requests for the API,
 * sockets, health, metrics and bull-board pass through untouched, in the same turn of the event
 * loop: they skip the dashboard's router, which, having answered nothing, would hand them on
 * with `setImmediate` (a hop through the event loop on every API call).
 */
export function dashboard(webDir: string = DEFAULT_WEB_DIR): RequestHandler {
  const dir = resolve(webDir);
  const index = join(dir, 'index.html');
  const router = express.Router();

  router.use('/assets', precompressed(join(dir, 'assets')));
  router.use(
    '/assets',
    express.static(join(dir, 'assets'), {
      index: false,
      fallthrough: true,
      etag: true,
      lastModified: false,
      setHeaders: (response) => {
        response.setHeader('cache-control', IMMUTABLE);
        response.setHeader('vary', 'accept-encoding');
      },
    }),
  );

  const page: RequestHandler = (request, response, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (request.path.startsWith('/assets/')) return next();
    // A path with an extension is a file; only page routes fall back to index.html.
    if (/\.[\w]+$/.test(request.path) && request.path !== '/index.html') return next();
    // Browsers navigating ask for text/html; any other client of an unknown path gets the API's JSON 404.
    if (request.path !== '/' && !/\btext\/html\b/.test(request.headers.accept ?? '')) return next();
    response.setHeader('cache-control', 'no-cache');
    response.setHeader('content-security-policy', DASHBOARD_CSP);
    if (!existsSync(index)) {
      response.status(200).type('text/html; charset=utf-8').send(NOT_BUILT(dir));
      return;
    }
    response.sendFile(index, { cacheControl: false, lastModified: true, etag: true, dotfiles: 'deny' }, (error) => {
      if (error) next(error);
    });
  };
  router.use(page);
  return (request, response, next) => (RESERVED.test(request.path) ? next() : router(request, response, next));
}
