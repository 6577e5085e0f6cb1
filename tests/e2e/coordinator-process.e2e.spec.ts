import { describe, expect, it } from 'vitest';
import { startCoordinator } from '../support/coordinator.js';
import { REDIS_URL } from '../support/database.js';
import { COORDINATOR_MAIN } from '../support/paths.js';
import { run } from '../support/process.js';

describe('the coordinator process', () => {
  it('refuses to start on a bad configuration, naming the variable', async () => {
    const missing = run(process.execPath, [COORDINATOR_MAIN], { REDIS_URL });
    expect(await missing.exitWithin(20_000)).toBe(78);
    expect(missing.output()).toMatch(/DATABASE_URL \(required but not set\)/);

    const invalid = run(process.execPath, [COORDINATOR_MAIN], { REDIS_URL, DATABASE_URL: 'postgresql://x/y', POTLUCK_PORT: 'eighty' });
    expect(await invalid.exitWithin(20_000)).toBe(78);
    expect(invalid.output()).toMatch(/POTLUCK_PORT/);
  });

  it('creates the first admin on an empty database and prints its key', async () => {
    const coordinator = await startCoordinator();
    try {
      const response = await fetch(`${coordinator.url}/api/v1/me`, { headers: { authorization: `Bearer ${coordinator.adminKey}` } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { roles: string[] }).roles).toContain('ADMIN');
    } finally {
      await coordinator.dispose();
    }
  });

  it('exits 0 within 10 s of SIGTERM, answering the requests it already accepted', async () => {
    const coordinator = await startCoordinator();
    try {
      const headers = { authorization: `Bearer ${coordinator.adminKey}` };
      const inFlight = Array.from({ length: 20 }, () => fetch(`${coordinator.url}/api/v1/me`, { headers }).then((r) => r.status));
      const started = Date.now();
      coordinator.child.kill('SIGTERM');
      const statuses = await Promise.allSettled(inFlight);
      expect(await coordinator.exitWithin(10_000)).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      // Every request either completed normally or was never accepted; none got a 5xx.
      for (const status of statuses) if (status.status === 'fulfilled') expect(status.value).toBeLessThan(500);
      expect(statuses.some((s) => s.status === 'fulfilled')).toBe(true);
    } finally {
      await coordinator.dispose();
    }
  });
});
