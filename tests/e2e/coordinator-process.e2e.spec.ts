import { request } from 'node:http';
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
      // A request the server has surely accepted: it answered "100 Continue" to its headers,
      // and its body is sent only after the SIGTERM.
      const accepted = requestWithContinue(`${coordinator.url}/api/v1/datasets`, { ...headers, 'content-type': 'application/json' });
      await accepted.continued;
      const racing = Promise.allSettled(Array.from({ length: 20 }, () => fetch(`${coordinator.url}/api/v1/me`, { headers }).then((r) => r.status)));
      const started = Date.now();
      coordinator.child.kill('SIGTERM');
      accepted.send(JSON.stringify({ name: `shutdown-${Date.now()}`, licence: 'MIT' }));
      expect(await accepted.status).toBe(201);
      const statuses = await racing;
      expect(await coordinator.exitWithin(10_000)).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      // The racing requests either completed normally or were never accepted; none got a 5xx.
      for (const status of statuses) if (status.status === 'fulfilled') expect(status.value).toBeLessThan(500);
    } finally {
      await coordinator.dispose();
    }
  });
});

/** A POST whose headers go first (`Expect: 100-continue`); `continued` settles once the server has read them. */
function requestWithContinue(url: string, headers: Record<string, string>): { continued: Promise<void>; send(body: string): void; status: Promise<number> } {
  const outgoing = request(url, { method: 'POST', headers: { ...headers, expect: '100-continue' } });
  const continued = new Promise<void>((resolve, reject) => {
    outgoing.once('continue', () => resolve());
    outgoing.once('error', reject);
  });
  const status = new Promise<number>((resolve, reject) => {
    outgoing.once('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.once('error', reject);
  });
  outgoing.flushHeaders();
  return { continued, send: (body) => outgoing.end(body), status };
}
