import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ POTLUCK_RATE_LIMIT_PER_MINUTE: '5' });
});

afterAll(async () => {
  await t.close();
});

describe('request rate limits', () => {
  it('answers 429 with Retry-After once a key exceeds its per-minute budget', async () => {
    const key = (await t.admin.apiKeys.create({ name: 'limited' })).secret;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    let body: { code?: string } = {};
    for (let i = 0; i < 7; i += 1) {
      const response = await fetch(`${t.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        body = (await response.json()) as { code?: string };
      }
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    expect(body.code).toBe('RATE_LIMITED');
  });

  it('limits guessing keys from one address', async () => {
    const statuses = new Set<number>();
    // 4 x 5 requests per address per minute; the earlier test used some of them.
    for (let i = 0; i < 25; i += 1) {
      const response = await fetch(`${t.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer pk_${String(i).padStart(43, 'A')}` } });
      statuses.add(response.status);
    }
    expect(statuses).toEqual(new Set([401, 429]));
  });
});
