import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { accepts, dashboard } from './dashboard.js';

function serve(webDir: string): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(dashboard(webDir));
  app.use((_request, response) => {
    response.status(404).json({ code: 'ROUTE_NOT_FOUND' });
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server });
    });
  });
}

describe('the dashboard middleware', () => {
  const built = mkdtempSync(join(tmpdir(), 'potluck-web-'));
  mkdirSync(join(built, 'assets'));
  writeFileSync(join(built, 'index.html'), '<!doctype html><title>Potluck</title><div id="root"></div>');
  writeFileSync(join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(built, 'assets', 'index-abc123.js.gz'), gzipSync('console.log(1)'));
  let app: { url: string; server: Server };
  let empty: { url: string; server: Server };

  beforeAll(async () => {
    app = await serve(built);
    empty = await serve(mkdtempSync(join(tmpdir(), 'potluck-web-empty-')));
  });
  afterAll(() => {
    app.server.close();
    empty.server.close();
  });

  it('serves index.html at / and at client routes, never cached, with a CSP', async () => {
    for (const path of ['/', '/fleet', '/jobs/3f7c2d2e-0000-4000-8000-000000000000', '/contributors/ada', '/admin/users', '/admin/audit']) {
      const response = await fetch(`${app.url}${path}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).toContain('<div id="root">');
    }
  });

  it('leaves client routes to the next handler for clients that do not ask for HTML (the API answers its JSON 404)', async () => {
    expect((await fetch(`${app.url}/fleet`, { headers: { accept: 'application/json' } })).status).toBe(404);
    expect((await fetch(`${app.url}/`, { headers: { accept: 'application/json' } })).status).toBe(200);
  });

  it('serves hashed assets with a one-year immutable cache, and 404s for missing ones', async () => {
    const asset = await fetch(`${app.url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${app.url}/assets/missing.js`)).status).toBe(404);
  });

  it('serves the precompressed file to clients that accept it, the plain one otherwise', async () => {
    const gzipped = await fetch(`${app.url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(gzipped.headers.get('vary')).toBe('accept-encoding');
    expect(gzipped.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await gzipped.text()).toBe('console.log(1)'); // fetch decodes it
    const plain = await fetch(`${app.url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe('console.log(1)');
    expect(accepts('gzip;q=0, br', 'gzip')).toBe(false);
    expect(accepts('deflate, gzip;q=0.5', 'gzip')).toBe(true);
  });

  it('leaves the API, sockets, health, metrics and bull-board alone', async () => {
    for (const path of ['/api/v1/nothing', '/api', '/socket.io/', '/healthz', '/readyz', '/metrics', '/admin/queues', '/admin/queues/api/queues', '/favicon.ico']) {
      expect((await fetch(`${app.url}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${app.url}/fleet`, { method: 'POST' })).status).toBe(404);
  });

  it('hands the API\'s requests on in the same turn of the event loop (no setImmediate hop through its router)', async () => {
    const probe = express();
    const middleware = dashboard(built);
    const handedOnAtOnce: Record<string, boolean> = {};
    probe.use((request, response, next) => {
      let handedOn = false;
      middleware(request, response, () => {
        handedOn = true;
      });
      handedOnAtOnce[request.path] = handedOn;
      next();
    });
    probe.use((_request, response) => {
      response.status(204).end();
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = probe.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const address = server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      for (const path of ['/api/v1/boards', '/healthz', '/metrics']) await fetch(`${base}${path}`);
      expect(handedOnAtOnce).toEqual({ '/api/v1/boards': true, '/healthz': true, '/metrics': true });
    } finally {
      server.close();
    }
  });

  it('explains how to build the dashboard when the build is absent', async () => {
    const response = await fetch(`${empty.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toContain('bash scripts/build.sh');
  });
});
