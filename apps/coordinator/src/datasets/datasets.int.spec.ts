import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PotluckClient } from '@potluck/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../testing/rejection.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';

let t: TestApp;
let builder: PotluckClient;
let other: PotluckClient;
const MAX_BYTES = 200_000;

beforeAll(async () => {
  t = await startTestApp({ POTLUCK_DATASET_MAX_BYTES: String(MAX_BYTES) });
  const a = await t.anonymous.signup({ handle: uniqueId('builder-'), displayName: 'Builder', roles: ['BUILDER'] });
  const b = await t.anonymous.signup({ handle: uniqueId('other-'), displayName: 'Other', roles: ['BUILDER'] });
  builder = t.anonymous.withApiKey(a.secret);
  other = t.anonymous.withApiKey(b.secret);
});

afterAll(async () => {
  expect(await t.serverErrors()).toBe(0);
  await t.close();
});

function chatLines(count: number, salt = ''): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `question ${i % 50}${salt}` }, { role: 'assistant', content: `answer ${i % 50}` }] }));
}

async function storedFiles(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else files.push(join(dir, entry.name));
    }
  };
  await walk(t.config.POTLUCK_ARTIFACT_DIR);
  return files;
}

describe('datasets', () => {
  it('streams a valid JSONL upload in, with stats, preview and a byte-identical download', async () => {
    const dataset = await builder.datasets.create({ name: uniqueId('chats-'), licence: 'CC-BY-4.0', visibility: 'public', description: 'test chats' });
    const body = `${chatLines(100).join('\n')}\n`;
    const updated = await builder.datasets.upload(dataset.id, body);
    const version = updated.versions[0];
    expect(version).toMatchObject({ version: 1, rows: 100, bytes: Buffer.byteLength(body), form: 'chat', duplicateRate: 0.5 });
    expect(version?.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(version?.estimatedTokens).toBeGreaterThan(0);
    expect((await builder.datasets.preview(dataset.id, 1, 3)).rows).toHaveLength(3);
    expect(Buffer.from(await t.anonymous.datasets.download(dataset.id, 1)).toString('utf8')).toBe(body);
    expect((await t.anonymous.datasets.get(dataset.id)).contributors).toEqual([{ handle: (await builder.me()).handle, share: 1 }]);
  });

  it('rejects invalid JSON on line 1234 with that line number and keeps nothing', async () => {
    const dataset = await builder.datasets.create({ name: uniqueId('broken-'), licence: 'MIT' });
    const before = await storedFiles();
    const lines = chatLines(1500, 'x');
    lines[1233] = '{"messages": [{"role": "user", "content": "unterminated';
    const error = await rejection(builder.datasets.upload(dataset.id, lines.join('\n')));
    expect(error.status).toBe(422);
    expect(error.code).toBe('INVALID_DATASET');
    expect(error.problem?.errors?.[0]).toEqual({ field: 'line 1234', message: expect.stringMatching(/invalid JSON/) });
    expect((await builder.datasets.get(dataset.id)).versions).toEqual([]);
    expect(await storedFiles()).toEqual(before);
  });

  it('rejects an oversized upload with 413 and keeps nothing', async () => {
    const dataset = await builder.datasets.create({ name: uniqueId('huge-'), licence: 'MIT' });
    const before = await storedFiles();
    const lines = chatLines(Math.ceil(MAX_BYTES / 60), 'y');
    const error = await rejection(builder.datasets.upload(dataset.id, lines.join('\n')));
    expect(error.status).toBe(413);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await builder.datasets.get(dataset.id)).versions).toEqual([]);
    expect(await storedFiles()).toEqual(before);
  });

  it('keeps private datasets private (404) and lets owners alone upload', async () => {
    const dataset = await builder.datasets.create({ name: uniqueId('secret-'), licence: 'proprietary' });
    await builder.datasets.upload(dataset.id, `${JSON.stringify({ text: 'hello' })}\n`);
    for (const attempt of [() => other.datasets.get(dataset.id), () => t.anonymous.datasets.get(dataset.id), () => other.datasets.preview(dataset.id, 1), () => other.datasets.upload(dataset.id, '{"text":"x"}')]) {
      expect((await rejection(attempt())).status).toBe(404);
    }
    expect((await other.datasets.list()).map((d) => d.id)).not.toContain(dataset.id);
    expect((await builder.datasets.list({ mine: true })).map((d) => d.id)).toContain(dataset.id);
  });

  it('stores identical files once (content addressing)', async () => {
    const body = `${JSON.stringify({ prompt: 'p', completion: 'c' })}\n`;
    const first = await builder.datasets.create({ name: uniqueId('same-a-'), licence: 'MIT' });
    const second = await builder.datasets.create({ name: uniqueId('same-b-'), licence: 'MIT' });
    const a = await builder.datasets.upload(first.id, body);
    const b = await builder.datasets.upload(second.id, body);
    expect(a.versions[0]?.sha256).toBe(b.versions[0]?.sha256);
    expect(await t.prisma.artifact.count({ where: { sha256: a.versions[0]?.sha256 ?? '' } })).toBe(1);
    expect((await builder.datasets.upload(first.id, body)).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('validates contributors and the upload media type', async () => {
    const me = await builder.me();
    const bad = await rejection(builder.datasets.create({ name: uniqueId('c-'), licence: 'MIT', contributors: [{ handle: me.handle, share: 0.5 }] }));
    expect(bad.status).toBe(400);
    expect(bad.problem?.errors?.[0]?.message).toMatch(/add up to 1/);
    const dataset = await builder.datasets.create({ name: uniqueId('c-'), licence: 'MIT' });
    const response = await fetch(`${t.baseUrl}/api/v1/datasets/${dataset.id}/versions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(await builder.apiKeys.create({ name: 'x' })).secret}`, 'content-type': 'application/json' },
      body: '{"text":"x"}',
    });
    expect(response.status).toBe(415);
  });
});
