import type { PotluckClient } from '@potluck/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../testing/rejection.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';

/** Jobs for the process runtime (docs/process-runtime.md): the command they name and the models that runtime runs. */
let t: TestApp;
let builder: PotluckClient;
let datasetRef: { datasetId: string; version: number };
const TOY = 'potluck-toy-bigram-v1';

beforeAll(async () => {
  t = await startTestApp();
  const signup = await t.anonymous.signup({ handle: uniqueId('b-'), displayName: 'Builder', roles: ['BUILDER'] });
  builder = t.anonymous.withApiKey(signup.secret);
  const dataset = await builder.datasets.create({ name: uniqueId('d-'), licence: 'MIT' });
  await builder.datasets.upload(dataset.id, `${JSON.stringify({ text: 'hello there' })}\n`);
  datasetRef = { datasetId: dataset.id, version: 1 };
});

afterAll(async () => {
  expect(await t.serverErrors()).toBe(0);
  await t.close();
});

describe('process jobs', () => {
  it('lists the models only process commands run, with their runtime', async () => {
    const models = await t.anonymous.models.list();
    expect(models.find((m) => m.id === TOY)).toMatchObject({ parameters: 65_536, runtimes: ['process'] });
    expect(models.find((m) => m.id === 'potluck-tiny-byte-v1')?.runtimes).toEqual(['builtin']);
  });

  it('creates a process job that names its command', async () => {
    const job = await builder.jobs.create({ spec: { kind: 'fine-tune', baseModel: TOY, datasets: [datasetRef] }, requirements: { runtime: 'process', command: 'toy' } });
    expect(job.requirements).toMatchObject({ runtime: 'process', command: 'toy' });
    const pipeline = await builder.jobs.create({
      spec: { kind: 'pipeline', steps: [
        { id: 'train', spec: { kind: 'fine-tune', baseModel: TOY, datasets: [datasetRef] }, requirements: { runtime: 'process', command: 'toy' } },
        { id: 'eval', spec: { kind: 'eval', baseModel: 'potluck-tiny-byte-v1', dataset: datasetRef } },
      ] },
    });
    expect((await builder.jobs.get(pipeline.stepJobIds[0] ?? '')).requirements.command).toBe('toy');
    await builder.jobs.cancel(job.id);
    await builder.jobs.cancel(pipeline.id);
  });

  it.each([
    ['a process job without a command', { kind: 'fine-tune', baseModel: TOY }, { runtime: 'process' }, 'body.requirements.command'],
    ['a builtin job with a command', { kind: 'fine-tune', baseModel: 'potluck-tiny-byte-v1' }, { command: 'toy' }, 'body.requirements.command'],
    ['a builtin model on the process runtime', { kind: 'fine-tune', baseModel: 'potluck-tiny-byte-v1' }, { runtime: 'process', command: 'toy' }, 'body.spec.baseModel'],
    ['a process model on the builtin runtime', { kind: 'fine-tune', baseModel: TOY }, {}, 'body.spec.baseModel'],
    ['a command name that is not a name', { kind: 'fine-tune', baseModel: TOY }, { runtime: 'process', command: '../bin/sh' }, 'body.requirements.command'],
  ])('refuses %s, naming the field', async (_what, spec, requirements, field) => {
    const error = await rejection(builder.jobs.create({ spec: { ...spec, datasets: [datasetRef] } as never, requirements: requirements as never }));
    expect(error.status).toBe(400);
    expect(error.problem?.errors?.map((e) => e.field)).toEqual([field]);
  });
});
