import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  // Nothing listens on port 1: Redis is down for this whole app's life.
  t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
});

afterAll(async () => {
  await t.close();
});

describe('when Redis is unreachable', () => {
  it('reports it in /readyz with 503 while the process stays up', async () => {
    const response = await fetch(`${t.baseUrl}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.status).toBe('unready');
    expect(body.checks.redis?.ok).toBe(false);
    expect(body.checks.redis?.error).toEqual(expect.any(String));
    expect(body.checks.postgres?.ok).toBe(true);
    expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
  });

  it('keeps serving the API (the rate limiter fails open)', async () => {
    expect((await t.admin.me()).handle).toBe('admin');
  });
});
