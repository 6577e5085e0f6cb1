import { PotluckApiError, PotluckClient } from '@potluck/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../testing/rejection.js';
import { startSecondApp, startTestApp, type SecondApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';

/**
 * Two coordinators on one database and one Redis prefix, each reusing API-key lookups for a
 * minute: a revocation, a disabled account or a role change made through one must hold on the
 * other at its next request (the credential epoch), not a minute later.
 */
let a: TestApp;
let b: SecondApp;

beforeAll(async () => {
  a = await startTestApp({ POTLUCK_AUTH_CACHE_MS: '60000' });
  b = await startSecondApp(a, { POTLUCK_AUTH_CACHE_MS: '60000' });
});

afterAll(async () => {
  await b.close();
  await a.close();
});

async function signup(roles: ('BUILDER' | 'DONOR')[]): Promise<{ onA: PotluckClient; onB: PotluckClient; id: string; keyId: string }> {
  const result = await a.anonymous.signup({ handle: uniqueId('cache-'), displayName: 'Cached', roles });
  return { onA: a.anonymous.withApiKey(result.secret), onB: new PotluckClient({ baseUrl: b.baseUrl, apiKey: result.secret }), id: result.user.id, keyId: result.apiKey.id };
}

describe('API-key lookups reused across requests', () => {
  it('refuses a key revoked on another coordinator at once', async () => {
    const user = await signup(['BUILDER']);
    const spare = await user.onA.apiKeys.create({ name: 'spare' });
    const spareOnB = new PotluckClient({ baseUrl: b.baseUrl, apiKey: spare.secret });
    expect((await spareOnB.me()).id).toBe(user.id); // looked up and cached on B
    expect((await spareOnB.me()).id).toBe(user.id);
    await user.onA.apiKeys.revoke(spare.apiKey.id);
    expect((await rejection(spareOnB.me())).status).toBe(401);
    expect((await user.onB.me()).id).toBe(user.id); // the other key still works
  });

  it('refuses the keys of an account disabled on another coordinator at once', async () => {
    const user = await signup(['BUILDER']);
    expect((await user.onB.me()).id).toBe(user.id);
    await a.admin.users.update(user.id, { disabled: true });
    expect((await rejection(user.onB.me())).status).toBe(401);
  });

  it('applies a role change made on another coordinator at once', async () => {
    const user = await signup(['BUILDER', 'DONOR']);
    await user.onB.agents.create({ name: uniqueId('rig-') });
    await a.admin.users.update(user.id, { roles: ['BUILDER'] });
    expect((await rejection(user.onB.agents.create({ name: uniqueId('rig-') }))).status).toBe(403);
  });

  it('without the epoch (a change written behind the API) a lookup is reused, but no longer than POTLUCK_AUTH_CACHE_MS', async () => {
    const short = await startTestApp({ POTLUCK_AUTH_CACHE_MS: '3000' });
    try {
      const result = await short.anonymous.signup({ handle: uniqueId('ttl-'), displayName: 'TTL', roles: ['BUILDER'] });
      const client = short.anonymous.withApiKey(result.secret);
      await client.me();
      const revokedAt = Date.now();
      await short.prisma.apiKey.update({ where: { id: result.apiKey.id }, data: { revokedAt: new Date() } });
      const status = (): Promise<number> => client.me().then(() => 200, (error: unknown) => (error instanceof PotluckApiError ? error.status : 0));
      expect(await status()).toBe(200); // from the cache: nothing told this process
      await expect.poll(status, { timeout: 8000, interval: 100 }).toBe(401);
      expect(Date.now() - revokedAt).toBeLessThan(6000);
    } finally {
      await short.close();
    }
  });
});
