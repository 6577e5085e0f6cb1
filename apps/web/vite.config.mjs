// The dashboard's build and dev server. `vite build` writes dist/ (served by the
// coordinator at /); `vite` serves src/ with hot reload and proxies the API and the
// live socket to a running coordinator (POTLUCK_URL, default http://127.0.0.1:8080).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

const coordinator = process.env.POTLUCK_URL ?? 'http://127.0.0.1:8080';

/**
 * Writes `.br` and `.gz` beside every built JS, CSS and SVG file over 1 KiB, once at build
 * time, so the coordinator serves compressed assets without compressing per request.
 */
function precompress() {
  let outDir = '';
  return {
    name: 'potluck-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir, config.build.assetsDir);
    },
    closeBundle() {
      for (const name of readdirSync(outDir)) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        const data = readFileSync(join(outDir, name));
        if (data.length < 1024) continue;
        writeFileSync(join(outDir, `${name}.br`), brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
        writeFileSync(join(outDir, `${name}.gz`), gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), precompress()],
  // Workspace packages (@potluck/protocol, @potluck/sdk) are bundled from their TypeScript sources.
  resolve: { conditions: ['potluck-source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    rolldownOptions: {
      output: {
        // One chunk for what every page shares (React, zod, the protocol, the SDK, the app shell),
        // one per page; socket.io-client stays with the fleet page, the only one that uses it.
        codeSplitting: {
          groups: [{ name: 'shared', test: (id) => !/[\\/]src[\\/]pages[\\/]/.test(id) && !/socket\.io|engine\.io|[\\/]lib[\\/]live\./.test(id) }],
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: coordinator, changeOrigin: false },
      '/socket.io': { target: coordinator, ws: true },
      '/healthz': coordinator,
      '/readyz': coordinator,
    },
  },
});
