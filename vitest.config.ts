import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

/**
 * Test tiers, named by file:
 *   *.spec.ts      unit tests next to the code (no I/O)
 *   *.int.spec.ts  integration tests next to the code (real PostgreSQL and Redis)
 *   tests/e2e/**   real processes through the public API and sockets
 *   tests/browser/** the built dashboard in headless Chromium, served by the real coordinator
 * `potluck-source` makes workspace packages resolve to their TypeScript sources.
 */
const sourceConditions = ['potluck-source', 'node', 'development|production'];
const shared = {
  // Tests run in Vite's SSR environment, which reads `ssr.resolve`, not `resolve`.
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions } },
  // SWC keeps decorator metadata, which NestJS dependency injection needs.
  plugins: [swc.vite({ module: { type: 'es6' } })],
};

export default defineConfig({
  ...shared,
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['{apps,libs,agents}/*/src/**/*.spec.ts'],
          exclude: ['**/*.int.spec.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['{apps,libs,agents}/*/src/**/*.int.spec.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.spec.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        ...shared,
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.browser.spec.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
