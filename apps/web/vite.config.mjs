// The dashboard's build and dev server. `vite build` writes dist/ (served by the
// coordinator at /); `vite` serves src/ with hot reload and proxies the API and the
// live socket to a running coordinator (POTLUCK_URL, default http://127.0.0.1:8080).
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

const coordinator = process.env.POTLUCK_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // Workspace packages (@potluck/protocol, @potluck/sdk) are bundled from their TypeScript sources.
  resolve: { conditions: ['potluck-source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
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
