import type { PotluckClient } from '@potluck/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from './testing/rejection.js';
import { startTestApp, type TestApp } from './testing/test-app.js';
import { uniqueId } from './testing/test-database.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ POTLUCK_BODY_LIMIT_BYTES: '4096' });
});

afterAll(async () => {
  // No request in this suite may have produced a 5xx.
  expect(await t.serverErrors()).toBe(0);
  await t.close();
});

async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${t.baseUrl}${path}`, init);
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

async function signup(roles: ('BUILDER' | 'DONOR')[] = ['BUILDER']): Promise<{ client: PotluckClient; id: string; keyId: string }> {
  const result = await t.anonymous.signup({ handle: uniqueId('user-'), displayName: 'Tester', roles });
  return { client: t.anonymous.withApiKey(result.secret), id: result.user.id, keyId: result.apiKey.id };
}

describe('authentication', () => {
  it('answers 401 problem+json without a key, with a wrong key, and with a malformed header', async () => {
    for (const authorization of [undefined, 'Bearer pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'Basic Zm9vOmJhcg==', 'Bearer ']) {
      const response = await raw('/api/v1/me', authorization ? { headers: { authorization } } : {});
      expect(response.status).toBe(401);
      expect(response.type).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', instance: '/api/v1/me' });
      expect(response.body.requestId).toEqual(expect.any(String));
    }
  });

  it('accepts a fresh key, records its last use, and rejects it once revoked', async () => {
    const user = await signup();
    expect((await user.client.me()).id).toBe(user.id);
    const created = await user.client.apiKeys.create({ name: 'ci' });
    const second = user.client.withApiKey(created.secret);
    expect((await second.me()).id).toBe(user.id);
    await expect.poll(async () => (await user.client.apiKeys.list()).find((k) => k.id === created.apiKey.id)?.lastUsedAt, { timeout: 5000 }).not.toBeNull();
    await user.client.apiKeys.revoke(created.apiKey.id);
    expect((await rejection(second.me())).status).toBe(401);
    expect((await user.client.me()).id).toBe(user.id);
  });

  it('stores keys hashed, never in clear', async () => {
    const created = await t.admin.apiKeys.create({ name: 'hash-check' });
    const row = await t.prisma.apiKey.findUniqueOrThrow({ where: { id: created.apiKey.id } });
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.hash).not.toContain(created.secret);
    expect(JSON.stringify(row)).not.toContain(created.secret);
  });

  it('rejects keys of disabled users', async () => {
    const user = await signup();
    await t.admin.users.update(user.id, { disabled: true });
    expect((await rejection(user.client.me())).status).toBe(401);
  });
});

describe('authorization per resource', () => {
  it("hides another user's resources as 404 (no existence leak); admins see them", async () => {
    const alice = await signup(['BUILDER', 'DONOR']);
    const bob = await signup(['BUILDER', 'DONOR']);
    const agent = await alice.client.agents.create({ name: 'rig' });

    const attempts = [
      () => bob.client.users.get(alice.id),
      () => bob.client.apiKeys.revoke(alice.keyId),
      () => bob.client.agents.get(agent.agent.id),
      () => bob.client.agents.revoke(agent.agent.id),
      () => bob.client.agents.rotateToken(agent.agent.id),
      () => bob.client.users.update(alice.id, { displayName: 'Mallory' }),
    ];
    for (const attempt of attempts) {
      const error = await rejection(attempt());
      expect(error.status).toBe(404);
      expect(error.code).toBe('NOT_FOUND');
    }
    expect((await bob.client.agents.list()).map((a) => a.id)).not.toContain(agent.agent.id);
    expect((await alice.client.me()).displayName).toBe('Tester');
    expect((await t.admin.agents.get(agent.agent.id)).ownerId).toBe(alice.id);
  });

  it('answers 403 for a role the caller lacks on a route it may know about', async () => {
    const builder = await signup(['BUILDER']);
    const error = await rejection(builder.client.agents.create({ name: 'nope' }));
    expect(error.status).toBe(403);
    expect(error.code).toBe('FORBIDDEN');
    expect((await rejection(builder.client.audit.list())).status).toBe(403);
    expect((await rejection(builder.client.users.list())).status).toBe(403);
    expect((await rejection(builder.client.users.update((await builder.client.me()).id, { roles: ['ADMIN'] }))).status).toBe(403);
  });
});

describe('input validation', () => {
  it('answers 400 naming every bad field', async () => {
    const response = await raw('/api/v1/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'NO SPACES', roles: ['ADMIN'], extra: true }),
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    const fields = (response.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.handle', 'body.displayName', 'body.roles.0', 'body']));
  });

  it('answers 400 for malformed JSON and for a malformed id', async () => {
    const response = await raw('/api/v1/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"handle": ' });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('MALFORMED_JSON');
    const badId = await rejection(t.admin.users.get('not-a-uuid'));
    expect(badId.status).toBe(400);
    expect(badId.problem?.errors?.[0]?.field).toBe('param');
  });

  it('answers 413 for an oversized body and changes nothing', async () => {
    const handle = uniqueId('big-');
    const response = await raw('/api/v1/signup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, displayName: 'x'.repeat(10_000), roles: ['BUILDER'] }),
    });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await t.prisma.user.count({ where: { handle } })).toBe(0);
  });

  it('answers a JSON 404 for unknown routes', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/api/v1/nothing-here'], ['DELETE', '/api/v1/me']] as const) {
      const response = await raw(path, { method });
      expect(response.status).toBe(404);
      expect(response.type).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('ROUTE_NOT_FOUND');
    }
  });

  it('answers 409 for a taken handle', async () => {
    const handle = uniqueId('taken-');
    await t.anonymous.signup({ handle, displayName: 'First', roles: ['DONOR'] });
    const error = await rejection(t.anonymous.signup({ handle, displayName: 'Second', roles: ['DONOR'] }));
    expect(error.status).toBe(409);
    expect(error.code).toBe('CONFLICT');
  });
});

describe('agents and tokens', () => {
  it('shows the token once, stores it hashed, rotates and revokes it, and audits each step', async () => {
    const donor = await signup(['DONOR']);
    const created = await donor.client.agents.create({ name: 'garage-rig' });
    expect(created.token).toMatch(/^pat_[\w-]{43}$/);
    expect(created.agent.tokenPrefix).toBe(created.token.slice(0, 12));
    const row = await t.prisma.agent.findUniqueOrThrow({ where: { id: created.agent.id } });
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect((await donor.client.agents.get(created.agent.id)).name).toBe('garage-rig');

    const rotated = await donor.client.agents.rotateToken(created.agent.id);
    expect(rotated.token).not.toBe(created.token);
    await donor.client.agents.revoke(created.agent.id);
    expect((await rejection(donor.client.agents.rotateToken(created.agent.id))).status).toBe(409);

    const audit = await t.admin.audit.list({ limit: 200 });
    const actions = audit.items.filter((entry) => entry.targetId === created.agent.id).map((entry) => entry.action);
    expect(actions).toEqual(['agent.revoke', 'agent.rotate-token', 'agent.create']);
    expect(audit.items.find((entry) => entry.action === 'agent.create' && entry.targetId === created.agent.id)?.requestId).toEqual(expect.any(String));
  });

  it('refuses two agents with one name for the same donor', async () => {
    const donor = await signup(['DONOR']);
    await donor.client.agents.create({ name: 'twin' });
    expect((await rejection(donor.client.agents.create({ name: 'twin' }))).status).toBe(409);
  });
});

describe('admin', () => {
  it('creates users with roles and pages through them', async () => {
    const created = await t.admin.users.create({ handle: uniqueId('op-'), displayName: 'Operator', roles: ['ADMIN'] });
    const operator = t.anonymous.withApiKey(created.secret);
    expect((await operator.me()).roles).toEqual(['ADMIN']);
    const first = await operator.users.list({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await operator.users.list({ limit: 1, cursor: first.nextCursor ?? undefined });
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
  });

  it('keeps an admin from locking themselves out', async () => {
    const me = await t.admin.me();
    expect((await rejection(t.admin.users.update(me.id, { disabled: true }))).status).toBe(409);
  });
});

describe('operations endpoints', () => {
  it('serves readiness with every dependency checked', async () => {
    const readiness = await t.anonymous.readiness();
    expect(readiness.status).toBe('ready');
    expect(Object.values(readiness.checks).every((check) => check.ok)).toBe(true);
  });

  it('serves Prometheus metrics to admins only', async () => {
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(401);
    const donor = await signup(['DONOR']);
    expect((await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${(await donor.client.apiKeys.create({ name: 'm' })).secret}` } })).status).toBe(403);
    const key = (await t.admin.apiKeys.create({ name: 'metrics' })).secret;
    const response = await fetch(`${t.baseUrl}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('potluck_http_requests_total');
    expect(text).toContain('potluck_queue_jobs{queue="work"');
  });

  it('serves the OpenAPI document with the protocol schemas', async () => {
    const response = await fetch(`${t.baseUrl}/api/docs/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/signup', '/api/v1/agents', '/api/v1/api-keys/{id}']));
    expect(JSON.stringify(document.paths['/api/v1/signup'])).toContain('"handle"');
  });

  it('keeps bull-board for admins', async () => {
    expect((await fetch(`${t.baseUrl}/admin/queues`)).status).toBe(401);
    const builder = await signup(['BUILDER']);
    const key = (await builder.client.apiKeys.create({ name: 'b' })).secret;
    const forbidden = await fetch(`${t.baseUrl}/admin/queues`, { headers: { authorization: `Bearer ${key}` } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toMatch(/problem\+json/);
    const adminKey = (await t.admin.apiKeys.create({ name: 'board' })).secret;
    const board = await fetch(`${t.baseUrl}/admin/queues`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('<html');
  });

  it('echoes a well-formed request id and replaces a hostile one', async () => {
    const kept = await fetch(`${t.baseUrl}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123');
    const replaced = await fetch(`${t.baseUrl}/healthz`, { headers: { 'x-request-id': 'a b\u0000c'.replace('\u0000', '') + '<script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
